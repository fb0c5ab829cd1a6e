using System.Text.Json;
using Microsoft.Net.Http.Headers;
using Pipeline.Core;

namespace Pipeline.Local;

/// <summary>
/// What keeps the runner the user's own though it listens on a port any web page can name. A page the user visits may
/// send requests to <c>127.0.0.1</c> (a form post, a <c>text/plain</c> fetch needing no preflight) or rebind its own
/// name to 127.0.0.1 (DNS rebinding) and read the answers. So every request must name this machine's loopback address
/// in <c>Host</c> (403 otherwise: a rebound name does not), must not come from another origin (a browser sends
/// <c>Origin</c> with every cross-origin write, and <c>Sec-Fetch-Site</c>; 403), and a body must be
/// <c>application/json</c> (415), which no page can send to another origin without a preflight the runner never grants.
/// Clients that are not browsers (the CLI, azcopy's notifications, curl) send neither header and pass. And when the
/// runner has a token (every runner the CLI starts, and a standalone one), every route but <c>/api/health</c> requires
/// it as <c>Authorization: Bearer</c> (401), so another local user or process cannot drive it either.
/// </summary>
internal static class LocalRequestGuard
{
    private static readonly string[] LoopbackHosts = ["127.0.0.1", "localhost", "[::1]"];

    public static async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var token = context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<LocalRunnerOptions>>().Value.Token;
        if ((Problem(context.Request) ?? Unauthorized(context.Request, token)) is var (status, error))
        {
            context.Response.StatusCode = status;
            if (status == 401)
            {
                context.Response.Headers.WWWAuthenticate = "Bearer";
            }

            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(JsonSerializer.Serialize(new { error }, PipelineJson.Options), context.RequestAborted);
            return;
        }

        await next();
    }

    /// <summary>Why the request is refused (status and message), or null when it may go on.</summary>
    internal static (int Status, string Error)? Problem(HttpRequest request)
    {
        var host = request.Host;
        if (!host.HasValue || !LoopbackHosts.Contains(host.Host, StringComparer.OrdinalIgnoreCase))
        {
            return (403, $"Host '{host.Value}' is not this machine: the runner answers requests to 127.0.0.1 only.");
        }

        if (request.Headers.Origin is { Count: > 0 } origin && !SameOrigin(origin.ToString(), host))
        {
            return (403, $"Requests from another origin ('{origin}') are refused: only the runner's own pages and clients that are not browsers may call it.");
        }

        if (request.Headers["Sec-Fetch-Site"] is { Count: > 0 } site && site.ToString() is not ("same-origin" or "none"))
        {
            return (403, $"A cross-site request (Sec-Fetch-Site: {site}) is refused.");
        }

        var hasBody = request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0;
        if (hasBody && !HttpMethods.IsGet(request.Method) && !IsJson(request.ContentType))
        {
            return (415, $"A request body must be application/json (was '{request.ContentType ?? "none"}').");
        }

        return null;
    }

    /// <summary>A 401 when the runner has a token and the request does not carry it (only <c>/api/health</c> is open: it tells nothing).</summary>
    internal static (int Status, string Error)? Unauthorized(HttpRequest request, string? token)
    {
        if (string.IsNullOrEmpty(token) || request.Path.Equals("/api/health", StringComparison.Ordinal))
        {
            return null;
        }

        var given = request.Headers.Authorization.ToString();
        var expected = "Bearer " + token;
        return given.Length == expected.Length
            && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(given), System.Text.Encoding.UTF8.GetBytes(expected))
            ? null
            : (401, "This runner requires its bearer token (Authorization: Bearer …): the CLI reads it from the workspace's settings.json; for other clients, 'pipeline up' prints it.");
    }

    private static bool SameOrigin(string origin, HostString host) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp
        && LoopbackHosts.Contains(uri.Host, StringComparer.OrdinalIgnoreCase)
        && uri.Port == (host.Port ?? 80);

    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media) && media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase);
}
