using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.DurableTask.Client;
using Pipeline.Core;
using Pipeline.Core.Datasets;
using Pipeline.Core.Gates;
using Pipeline.Core.Ingest;

namespace Pipeline.Workflows.Promotion;

/// <summary>An answer of the dataset API: an HTTP status and a body (serialized as JSON), or a stream to send as it is.</summary>
public sealed record ApiResult(int Status, object? Body, Stream? Content = null, string? ContentType = null)
{
    /// <summary>A 400 with an error message.</summary>
    public static ApiResult BadRequest(string error) => new(400, new ApiError(error));

    /// <summary>A 404 with an error message.</summary>
    public static ApiResult NotFound(string error) => new(404, new ApiError(error));

    /// <summary>A 409 with an error message.</summary>
    public static ApiResult Conflict(string error, object? detail = null) => new(409, new ApiError(error, detail));
}

/// <summary>The body of every 4xx answer.</summary>
public sealed record ApiError(string Error, object? Detail = null);

/// <summary>The body of a promotion start.</summary>
public sealed record PromoteBody(IReadOnlyList<string>? Batches = null, IReadOnlyList<string>? Remove = null, string? RequestedBy = null, double? ApprovalTimeoutHours = null);

/// <summary>The body of an approval or rejection.</summary>
public sealed record DecisionBody(string? Approver = null, string? Comment = null);

/// <summary>The body of a rollback.</summary>
public sealed record RollbackBody(int? Version = null);

/// <summary>
/// The dataset routes, host-agnostic: the function app's HTTP functions and the local runner both call these
/// and only translate <see cref="ApiResult"/>. Every input is validated here with a clear 4xx answer.
/// </summary>
public sealed partial class DatasetApi(DatasetVersions versions, IPromotionBlobs blobs, Pipeline.Core.Reports.ReportService reports, Pipeline.Core.IExclusiveLease locks)
{
    /// <summary>Files of a version that can be downloaded, with their content types.</summary>
    public static IReadOnlyDictionary<string, string> VersionFiles { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["dataset.json"] = "application/json",
        ["manifest.jsonl"] = "application/x-ndjson",
        ["annotations.coco.json"] = "application/json",
        ["yolo.tar"] = "application/x-tar",
        ["voc.tar"] = "application/x-tar",
        ["gate-result.json"] = "application/json",
        ["gate.json"] = "application/json",
    };

    /// <summary>POST datasets/{dataset}/promotions.</summary>
    public async Task<ApiResult> StartPromotionAsync(DurableTaskClient client, string dataset, PromoteBody? body, CancellationToken cancellationToken)
    {
        if (DatasetProblem(dataset) is { } problem)
        {
            return problem;
        }

        body ??= new PromoteBody();
        if (body.Batches?.Select(b => Labels.BatchApi.BatchProblem(b ?? string.Empty)).FirstOrDefault(p => p is not null) is { } badBatch)
        {
            return badBatch;
        }

        if (body.Remove?.FirstOrDefault(s => s is null || !Sha256Pattern().IsMatch(s)) is { } badSha)
        {
            return ApiResult.BadRequest($"'{badSha}' is not a SHA-256 (64 lowercase hex digits).");
        }

        if (body.ApprovalTimeoutHours is { } hours && (!double.IsFinite(hours) || hours <= 0 || hours > 720))
        {
            return ApiResult.BadRequest("approvalTimeoutHours must be more than 0 and at most 720.");
        }

        if (body.RequestedBy is { } by && PersonProblem(by, "requestedBy") is { } badPerson)
        {
            return badPerson;
        }

        var input = new PromoteInput(new PromotionRequest(dataset, body.Batches, body.Remove, body.RequestedBy), body.ApprovalTimeoutHours);
        var (id, started) = await PromotionClient.StartAsync(client, locks, input, cancellationToken);
        return started
            ? new ApiResult(202, new { instanceId = id, status = "started", statusUrl = $"/api/datasets/{dataset}/promotion" })
            : ApiResult.Conflict($"A promotion of '{dataset}' is already running.", new { instanceId = id });
    }

    /// <summary>GET datasets/{dataset}/promotion.</summary>
    public async Task<ApiResult> GetPromotionAsync(DurableTaskClient client, string dataset, CancellationToken cancellationToken)
    {
        if (DatasetProblem(dataset) is { } problem)
        {
            return problem;
        }

        return await PromotionClient.GetAsync(client, dataset, cancellationToken) is { } status
            ? new ApiResult(200, status)
            : ApiResult.NotFound($"'{dataset}' has never been promoted.");
    }

    /// <summary>POST datasets/{dataset}/promotion/approve and …/reject.</summary>
    public async Task<ApiResult> DecideAsync(DurableTaskClient client, string dataset, bool approve, DecisionBody? body, CancellationToken cancellationToken)
    {
        if (DatasetProblem(dataset) is { } problem)
        {
            return problem;
        }

        if (string.IsNullOrWhiteSpace(body?.Approver))
        {
            return ApiResult.BadRequest("approver is required: the name of the person deciding.");
        }

        if (PersonProblem(body.Approver, "approver") is { } badPerson)
        {
            return badPerson;
        }

        if (body.Comment is { Length: > 2000 })
        {
            return ApiResult.BadRequest("comment is limited to 2,000 characters.");
        }

        var outcome = await PromotionClient.DecideAsync(client, dataset, new ApprovalDecision(approve, body.Approver.Trim(), body.Comment), cancellationToken);
        return outcome == DecisionOutcome.Delivered
            ? new ApiResult(200, new { dataset, decision = approve ? "approved" : "rejected", by = body.Approver.Trim() })
            : ApiResult.Conflict($"No promotion of '{dataset}' is waiting for approval.");
    }

    /// <summary>GET datasets/{dataset}/versions.</summary>
    public async Task<ApiResult> ListVersionsAsync(string dataset, CancellationToken cancellationToken) =>
        DatasetProblem(dataset) ?? new ApiResult(200, new { dataset, current = await versions.CurrentAsync(dataset, cancellationToken), versions = await versions.ListAsync(dataset, cancellationToken) });

    /// <summary>GET datasets/{dataset}/versions/{version} (dataset.json), or a file of it.</summary>
    public async Task<ApiResult> GetVersionAsync(string dataset, string version, string? file, CancellationToken cancellationToken)
    {
        if ((VersionProblem(version, "version", out var n) ?? DatasetProblem(dataset)) is { } problem)
        {
            return problem;
        }

        if (file is null)
        {
            return await versions.GetAsync(dataset, n, cancellationToken) is { } found
                ? new ApiResult(200, found)
                : ApiResult.NotFound($"'{dataset}' has no published version {n}.");
        }

        if (!VersionFiles.TryGetValue(file, out var contentType))
        {
            return ApiResult.NotFound($"A version has no file '{file}'; it has {string.Join(", ", VersionFiles.Keys)}.");
        }

        return await versions.OpenFileAsync(dataset, n, file, cancellationToken) is { } stream
            ? new ApiResult(200, null, stream, contentType)
            : ApiResult.NotFound($"'{dataset}' has no published version {n} with '{file}'.");
    }

    /// <summary>GET datasets/{dataset}/versions/{version}/report: the version's HTML quality report.</summary>
    public async Task<ApiResult> VersionReportAsync(string dataset, string version, CancellationToken cancellationToken)
    {
        if ((VersionProblem(version, "version", out var n) ?? DatasetProblem(dataset)) is { } problem)
        {
            return problem;
        }

        return await reports.VersionAsync(dataset, n, cancellationToken) is { } html
            ? new ApiResult(200, null, new MemoryStream(System.Text.Encoding.UTF8.GetBytes(html)), "text/html; charset=utf-8")
            : ApiResult.NotFound($"'{dataset}' has no published version {n}.");
    }

    /// <summary>GET batches/{batch}/report: the batch's HTML quality report.</summary>
    public async Task<ApiResult> BatchReportAsync(string batch, CancellationToken cancellationToken)
    {
        if (Labels.BatchApi.BatchProblem(batch) is { } problem)
        {
            return problem;
        }

        return await reports.BatchAsync(batch, cancellationToken) is { } html
            ? new ApiResult(200, null, new MemoryStream(System.Text.Encoding.UTF8.GetBytes(html)), "text/html; charset=utf-8")
            : ApiResult.NotFound($"Batch '{batch}' has no files in the catalog.");
    }

    /// <summary>GET datasets/{dataset}/images/{file}: one published image (for <c>pull</c>).</summary>
    public async Task<ApiResult> GetImageAsync(string dataset, string file, CancellationToken cancellationToken)
    {
        if (DatasetProblem(dataset) is { } problem)
        {
            return problem;
        }

        if (!ImageFilePattern().IsMatch(file))
        {
            return ApiResult.BadRequest($"'{file}' is not a published image name ({{sha256}}.{{ext}}).");
        }

        return await versions.OpenImageAsync(dataset, "images/" + file, cancellationToken) is { } stream
            ? new ApiResult(200, null, stream, "application/octet-stream")
            : ApiResult.NotFound($"'{dataset}' has no published image '{file}'.");
    }

    /// <summary>GET datasets/{dataset}/diff?from=&amp;to=.</summary>
    public async Task<ApiResult> DiffAsync(string dataset, string? from, string? to, CancellationToken cancellationToken)
    {
        var fromProblem = VersionProblem(from, "from", out var a);
        var toProblem = VersionProblem(to, "to", out var b);
        if ((DatasetProblem(dataset) ?? fromProblem ?? toProblem) is { } problem)
        {
            return problem;
        }

        if (await versions.DiffAsync(dataset, a, b, cancellationToken) is { } diff)
        {
            return new ApiResult(200, diff);
        }

        // Name the version that is missing, not both.
        var missing = new List<int>();
        foreach (var version in new[] { a, b }.Distinct())
        {
            if (!await versions.IsPublishedAsync(dataset, version, cancellationToken))
            {
                missing.Add(version);
            }
        }

        return ApiResult.NotFound(missing.Count switch
        {
            1 => $"'{dataset}' has no published version {missing[0]}.",
            2 => $"'{dataset}' has no published version {missing[0]} nor {missing[1]}.",
            _ => $"'{dataset}' has no published version {a} or {b}.",
        });
    }

    /// <summary>POST datasets/{dataset}/rollback.</summary>
    public async Task<ApiResult> RollbackAsync(string dataset, RollbackBody? body, CancellationToken cancellationToken)
    {
        if ((VersionProblem(body?.Version?.ToString(System.Globalization.CultureInfo.InvariantCulture), "version", out var n) ?? DatasetProblem(dataset)) is { } problem)
        {
            return problem;
        }

        try
        {
            return await versions.RollbackAsync(dataset, n, cancellationToken) is { } result
                ? new ApiResult(200, result)
                : ApiResult.NotFound($"'{dataset}' has no published version {n}.");
        }
        catch (PointerMovedException ex)
        {
            return ApiResult.Conflict(ex.Message);
        }
    }

    /// <summary>PUT datasets/{dataset}/gate: replaces the dataset's gate file after validating it.</summary>
    public async Task<ApiResult> PutGateAsync(string dataset, byte[] content, CancellationToken cancellationToken)
    {
        if (DatasetProblem(dataset) is { } problem)
        {
            return problem;
        }

        if (content.Length > 1 << 20)
        {
            return ApiResult.BadRequest("A gate file is limited to 1 MiB.");
        }

        var parsed = QualityGate.Parse(content);
        if (parsed.Gate is null)
        {
            return new ApiResult(400, new ApiError("The gate file is invalid.", parsed.Problems));
        }

        await blobs.WriteGateAsync(dataset, content, cancellationToken);
        return new ApiResult(200, new { dataset, version = parsed.Gate.Version, expectations = parsed.Gate.Expectations.Count });
    }

    /// <summary>GET datasets/{dataset}/gate: the gate file in force (the built-in default when there is none).</summary>
    public async Task<ApiResult> GetGateAsync(string dataset, CancellationToken cancellationToken)
    {
        if (DatasetProblem(dataset) is { } problem)
        {
            return problem;
        }

        return await blobs.ReadGateAsync(dataset, cancellationToken) is { } bytes
            ? new ApiResult(200, null, new MemoryStream(bytes), "application/json")
            : new ApiResult(200, null, new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(QualityGate.Default, PipelineJson.Options)), "application/json");
    }

    /// <summary>A request's JSON body as <typeparamref name="T"/> (null when empty), or a 400 when it is not JSON of that shape.</summary>
    public static async Task<(T? Body, ApiResult? Problem)> ReadBodyAsync<T>(Stream body, CancellationToken cancellationToken)
        where T : class
    {
        using var reader = new StreamReader(body, leaveOpen: true);
        var text = await reader.ReadToEndAsync(cancellationToken);
        if (text.Trim().Length == 0)
        {
            return (null, null);
        }

        try
        {
            return (JsonSerializer.Deserialize<T>(text, PipelineJson.Options), null);
        }
        catch (JsonException ex)
        {
            return (null, ApiResult.BadRequest($"The body is not valid JSON for this route: {ex.Message}"));
        }
    }

    internal static ApiResult? DatasetProblem(string dataset) =>
        DatasetNames.Problem(dataset) is { } problem ? ApiResult.BadRequest(problem) : null;

    private static ApiResult? VersionProblem(string? text, string name, out int version)
    {
        version = 0;
        return text is null ? ApiResult.BadRequest($"{name} is required: a version number (1, 2, ...).")
            : int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out version) && version >= 1 ? null
            : ApiResult.BadRequest($"{name} '{text}' is not a version number (a whole number from 1).");
    }

    private static ApiResult? PersonProblem(string name, string field) =>
        name.Trim().Length is 0 or > 128 || name.Any(char.IsControl) ? ApiResult.BadRequest($"{field} must be 1 to 128 characters without control characters.") : null;

    [GeneratedRegex(@"\A[0-9a-f]{64}\z")]
    private static partial Regex Sha256Pattern();

    [GeneratedRegex(@"\A[0-9a-f]{64}\.[a-z0-9]{2,5}\z")]
    private static partial Regex ImageFilePattern();
}
