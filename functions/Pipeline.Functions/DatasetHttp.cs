using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Pipeline.Core;
using Pipeline.Workflows.Promotion;

namespace Pipeline.Functions;

/// <summary>
/// The dataset routes (docs/api.md): promotion, approval, versions, diff, rollback, the gate file and the HTML reports. Each function
/// binds, calls <see cref="DatasetApi"/> and translates its answer; validation and behaviour live there.
/// </summary>
public sealed class DatasetHttp(DatasetApi api)
{
    [Function(nameof(StartPromotion))]
    public async Task<IActionResult> StartPromotion(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "datasets/{dataset}/promotions")] HttpRequest request, string dataset,
        [DurableClient] DurableTaskClient client, CancellationToken cancellationToken)
    {
        var body = await ReadBodyAsync<PromoteBody>(request, cancellationToken);
        return body.Problem ?? Translate(await api.StartPromotionAsync(client, dataset, body.Body, cancellationToken));
    }

    [Function(nameof(GetPromotion))]
    public async Task<IActionResult> GetPromotion(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "datasets/{dataset}/promotion")] HttpRequest request, string dataset,
        [DurableClient] DurableTaskClient client, CancellationToken cancellationToken) =>
        Translate(await api.GetPromotionAsync(client, dataset, cancellationToken));

    [Function(nameof(ApprovePromotion))]
    public Task<IActionResult> ApprovePromotion(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "datasets/{dataset}/promotion/approve")] HttpRequest request, string dataset,
        [DurableClient] DurableTaskClient client, CancellationToken cancellationToken) =>
        DecideAsync(request, dataset, client, approve: true, cancellationToken);

    [Function(nameof(RejectPromotion))]
    public Task<IActionResult> RejectPromotion(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "datasets/{dataset}/promotion/reject")] HttpRequest request, string dataset,
        [DurableClient] DurableTaskClient client, CancellationToken cancellationToken) =>
        DecideAsync(request, dataset, client, approve: false, cancellationToken);

    [Function(nameof(ListVersions))]
    public async Task<IActionResult> ListVersions(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "datasets/{dataset}/versions")] HttpRequest request, string dataset, CancellationToken cancellationToken) =>
        Translate(await api.ListVersionsAsync(dataset, cancellationToken));

    [Function(nameof(GetVersion))]
    public async Task<IActionResult> GetVersion(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "datasets/{dataset}/versions/{version}")] HttpRequest request, string dataset, string version, CancellationToken cancellationToken) =>
        Translate(await api.GetVersionAsync(dataset, version, null, cancellationToken));

    [Function(nameof(GetVersionFile))]
    public async Task<IActionResult> GetVersionFile(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "datasets/{dataset}/versions/{version}/files/{file}")] HttpRequest request, string dataset, string version, string file, CancellationToken cancellationToken) =>
        Translate(await api.GetVersionAsync(dataset, version, file, cancellationToken));

    [Function(nameof(GetVersionReport))]
    public async Task<IActionResult> GetVersionReport(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "datasets/{dataset}/versions/{version}/report")] HttpRequest request, string dataset, string version, CancellationToken cancellationToken) =>
        Translate(await api.VersionReportAsync(dataset, version, cancellationToken));

    [Function(nameof(GetBatchReport))]
    public async Task<IActionResult> GetBatchReport(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "batches/{batch}/report")] HttpRequest request, string batch, CancellationToken cancellationToken) =>
        Translate(await api.BatchReportAsync(batch, cancellationToken));

    [Function(nameof(GetImage))]
    public async Task<IActionResult> GetImage(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "datasets/{dataset}/images/{file}")] HttpRequest request, string dataset, string file, CancellationToken cancellationToken) =>
        Translate(await api.GetImageAsync(dataset, file, cancellationToken));

    [Function(nameof(DiffVersions))]
    public async Task<IActionResult> DiffVersions(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "datasets/{dataset}/diff")] HttpRequest request, string dataset, CancellationToken cancellationToken) =>
        Translate(await api.DiffAsync(dataset, request.Query["from"].FirstOrDefault(), request.Query["to"].FirstOrDefault(), cancellationToken));

    [Function(nameof(Rollback))]
    public async Task<IActionResult> Rollback(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "datasets/{dataset}/rollback")] HttpRequest request, string dataset, CancellationToken cancellationToken)
    {
        var body = await ReadBodyAsync<RollbackBody>(request, cancellationToken);
        return body.Problem ?? Translate(await api.RollbackAsync(dataset, body.Body, cancellationToken));
    }

    [Function(nameof(PutGate))]
    public async Task<IActionResult> PutGate(
        [HttpTrigger(AuthorizationLevel.Function, "put", Route = "datasets/{dataset}/gate")] HttpRequest request, string dataset, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        return Translate(await api.PutGateAsync(dataset, buffer.ToArray(), cancellationToken));
    }

    [Function(nameof(GetGate))]
    public async Task<IActionResult> GetGate(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "datasets/{dataset}/gate")] HttpRequest request, string dataset, CancellationToken cancellationToken) =>
        Translate(await api.GetGateAsync(dataset, cancellationToken));

    /// <summary>An <see cref="ApiResult"/> as an MVC result: a stream as it is, anything else as JSON with its status.</summary>
    public static IActionResult Translate(ApiResult result) =>
        result.Content is { } stream
            ? new FileStreamResult(stream, result.ContentType ?? "application/octet-stream")
            : new ContentResult { StatusCode = result.Status, ContentType = "application/json", Content = JsonSerializer.Serialize(result.Body, PipelineJson.Options) };

    private async Task<IActionResult> DecideAsync(HttpRequest request, string dataset, DurableTaskClient client, bool approve, CancellationToken cancellationToken)
    {
        var body = await ReadBodyAsync<DecisionBody>(request, cancellationToken);
        return body.Problem ?? Translate(await api.DecideAsync(client, dataset, approve, body.Body, cancellationToken));
    }

    /// <summary>The JSON body (null when empty), or a 400 when it is not JSON of the expected shape.</summary>
    internal static async Task<(T? Body, IActionResult? Problem)> ReadBodyAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        var (body, problem) = await DatasetApi.ReadBodyAsync<T>(request.Body, cancellationToken);
        return (body, problem is null ? null : Translate(problem));
    }
}
