using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Pipeline.Core;

namespace Pipeline.Cli;

/// <summary>A failed call to the pipeline's API: the status and the API's own error message.</summary>
internal sealed class ApiException(HttpStatusCode status, string message) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;
}

/// <summary>
/// The pipeline's HTTP API (docs/api.md), on the local runner or an Azure deployment: the base URL, a function key
/// for Azure (sent as <c>x-functions-key</c>), and a bearer token (the local runner's, kept in the workspace).
/// </summary>
internal sealed class ApiClient(Uri baseUrl, string? key, string? token = null) : IDisposable
{
    private readonly HttpClient http = Create(baseUrl, key, token);

    public Uri BaseUrl { get; } = baseUrl;

    /// <summary>Whether the API is on this machine (the local runner): then uploads are announced to it as Event Grid would.</summary>
    public bool IsLocal => BaseUrl.IsLoopback;

    public Task<JsonElement> GetAsync(string path, CancellationToken cancellationToken) => SendAsync(HttpMethod.Get, path, null, cancellationToken);

    public Task<JsonElement> PostAsync(string path, object? body, CancellationToken cancellationToken) => SendAsync(HttpMethod.Post, path, body, cancellationToken);

    public Task<JsonElement> PutAsync(string path, object? body, CancellationToken cancellationToken) => SendAsync(HttpMethod.Put, path, body, cancellationToken);

    public Task<JsonElement> DeleteAsync(string path, CancellationToken cancellationToken) => SendAsync(HttpMethod.Delete, path, null, cancellationToken);

    public async Task<JsonElement> PutRawAsync(string path, byte[] body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return await ReadAsync(await http.SendAsync(request, cancellationToken), cancellationToken);
    }

    /// <summary>The answer as JSON, or null on 404.</summary>
    public async Task<JsonElement?> FindAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            return await GetAsync(path, cancellationToken);
        }
        catch (ApiException ex) when (ex.Status == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>A file (a report, a manifest, an image) as a stream; throws on any failure.</summary>
    public async Task<Stream> DownloadAsync(string path, CancellationToken cancellationToken)
    {
        var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            await ReadAsync(response, cancellationToken);
        }

        return await response.Content.ReadAsStreamAsync(cancellationToken);
    }

    public void Dispose() => http.Dispose();

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(JsonSerializer.Serialize(body, PipelineJson.Options), Encoding.UTF8, "application/json");
        }

        return await ReadAsync(await http.SendAsync(request, cancellationToken), cancellationToken);
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            JsonElement json = default;
            if (text.Length > 0)
            {
                try
                {
                    json = JsonDocument.Parse(text).RootElement.Clone();
                }
                catch (JsonException)
                {
                    json = default;
                }
            }

            if (!response.IsSuccessStatusCode)
            {
                var message = json.ValueKind == JsonValueKind.Object && json.TryGetProperty("error", out var error) ? error.GetString() : null;
                if (message is not null && json.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.Array)
                {
                    // The API's list of problems (an invalid gate file: every one of them).
                    message += string.Concat(detail.EnumerateArray().Where(d => d.ValueKind == JsonValueKind.String).Select(d => Environment.NewLine + "  " + d.GetString()));
                }

                throw new ApiException(response.StatusCode, message ?? $"{(int)response.StatusCode} {response.ReasonPhrase} from {response.RequestMessage?.RequestUri}");
            }

            return json;
        }
    }

    private static HttpClient Create(Uri baseUrl, string? key, string? token)
    {
        var http = new HttpClient { BaseAddress = new Uri(baseUrl.ToString().TrimEnd('/') + "/api/"), Timeout = TimeSpan.FromMinutes(5) };
        if (!string.IsNullOrEmpty(key))
        {
            http.DefaultRequestHeaders.Add("x-functions-key", key);
        }

        if (!string.IsNullOrEmpty(token))
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return http;
    }
}
