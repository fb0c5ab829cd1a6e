using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Pipeline.Workflows.Maintenance;
using Pipeline.Workflows.Promotion;

namespace Pipeline.Functions;

/// <summary>
/// The health routes and timer, and the backfill routes (docs/api.md, docs/observability.md). Each binds, calls
/// <see cref="MaintenanceApi"/> or <see cref="HealthScheduler"/> and translates the answer.
/// </summary>
public sealed class MaintenanceFunctions(MaintenanceApi api, HealthScheduler scheduler)
{
    /// <summary>The health timer's schedule (NCRONTAB, seconds first): hourly, at minute 5.</summary>
    public const string HealthSchedule = "0 5 * * * *";

    [Function(nameof(HealthTimer))]
    public Task HealthTimer([TimerTrigger(HealthSchedule)] TimerInfo timer, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken) =>
        scheduler.RunAsync(client, cancellationToken);

    [Function(nameof(CheckHealthNow))]
    public async Task<IActionResult> CheckHealthNow(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "datasets/{dataset}/health")] HttpRequest request, string dataset, CancellationToken cancellationToken) =>
        DatasetHttp.Translate(await api.CheckHealthAsync(dataset, cancellationToken));

    [Function(nameof(GetHealth))]
    public async Task<IActionResult> GetHealth(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "datasets/{dataset}/health")] HttpRequest request, string dataset, CancellationToken cancellationToken) =>
        DatasetHttp.Translate(await api.GetHealthAsync(dataset, request.Query["hours"].FirstOrDefault(), cancellationToken));

    [Function(nameof(StartBackfill))]
    public async Task<IActionResult> StartBackfill(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "datasets/{dataset}/backfill")] HttpRequest request, string dataset,
        [DurableClient] DurableTaskClient client, CancellationToken cancellationToken)
    {
        var (body, problem) = await DatasetApi.ReadBodyAsync<BackfillBody>(request.Body, cancellationToken);
        return DatasetHttp.Translate(problem ?? await api.StartBackfillAsync(client, dataset, body, cancellationToken));
    }

    [Function(nameof(GetBackfill))]
    public async Task<IActionResult> GetBackfill(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "datasets/{dataset}/backfill")] HttpRequest request, string dataset,
        [DurableClient] DurableTaskClient client, CancellationToken cancellationToken) =>
        DatasetHttp.Translate(await MaintenanceApi.GetBackfillAsync(client, dataset, cancellationToken));
}
