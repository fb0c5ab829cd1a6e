using System.Globalization;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using Pipeline.Core;
using Pipeline.Core.Backfill;
using Pipeline.Core.Datasets;
using Pipeline.Core.Health;
using Pipeline.Core.Telemetry;
using Pipeline.Workflows.Promotion;

namespace Pipeline.Workflows.Maintenance;

/// <summary>The body of POST datasets/{dataset}/backfill.</summary>
/// <param name="ChunkSize">Images per chunk (1–1,000; default 200).</param>
public sealed record BackfillBody(int? ChunkSize = null);

/// <summary>A backfill as a caller sees it.</summary>
/// <param name="InstanceId">The orchestration instance.</param>
/// <param name="RuntimeStatus">Pending, Running, Completed, Failed, Terminated.</param>
/// <param name="Progress">The custom status.</param>
/// <param name="Report">The report, once completed.</param>
/// <param name="Failure">Why it failed.</param>
/// <param name="CreatedAt">When it started.</param>
/// <param name="LastUpdatedAt">When it last changed.</param>
public sealed record BackfillStatus(
    string InstanceId, string RuntimeStatus, BackfillProgress? Progress, BackfillReport? Report, string? Failure, DateTimeOffset CreatedAt, DateTimeOffset LastUpdatedAt);

/// <summary>
/// The health and backfill routes (docs/api.md), independent of the host: the function app and the local
/// runner translate these answers.
/// </summary>
public sealed class MaintenanceApi(HealthService health, IHealthStore series, IDatasetRegistry registry, TimeProvider time, IExclusiveLease locks)
{
    /// <summary>The longest history one GET returns, in hours.</summary>
    public const int MaxHistoryHours = 24 * 366;

    /// <summary>POST datasets/{dataset}/health: checks the dataset now and returns the snapshot (also stored and emitted).</summary>
    public async Task<ApiResult> CheckHealthAsync(string dataset, CancellationToken cancellationToken)
    {
        if (await UnknownAsync(dataset, cancellationToken) is { } problem)
        {
            return problem;
        }

        return new ApiResult(200, await health.CheckAsync(dataset, cancellationToken));
    }

    /// <summary>GET datasets/{dataset}/health?hours=N: the stored checks of the last N hours (default 168), oldest first.</summary>
    public async Task<ApiResult> GetHealthAsync(string dataset, string? hours, CancellationToken cancellationToken)
    {
        if (DatasetApi.DatasetProblem(dataset) is { } problem)
        {
            return problem;
        }

        var span = 168;
        if (hours is not null && (!int.TryParse(hours, NumberStyles.None, CultureInfo.InvariantCulture, out span) || span < 1 || span > MaxHistoryHours))
        {
            return ApiResult.BadRequest($"hours must be a whole number from 1 to {MaxHistoryHours}.");
        }

        var points = await series.ListAsync(dataset, time.GetUtcNow().AddHours(-span), cancellationToken).ToListAsync(cancellationToken);

        return new ApiResult(200, new { dataset, hours = span, points });
    }

    /// <summary>POST datasets/{dataset}/backfill: starts a backfill unless one is running.</summary>
    public async Task<ApiResult> StartBackfillAsync(DurableTaskClient client, string dataset, BackfillBody? body, CancellationToken cancellationToken)
    {
        if (await UnknownAsync(dataset, cancellationToken) is { } problem)
        {
            return problem;
        }

        if (body?.ChunkSize is { } size && size is < 1 or > 1000)
        {
            return ApiResult.BadRequest("chunkSize must be from 1 to 1000.");
        }

        var id = BackfillOrchestration.InstanceIdFor(dataset);
        var input = new BackfillInput(dataset, body?.ChunkSize ?? BackfillService.DefaultChunkSize);
        return await SingleInstance.StartAsync(client, locks, TaskNames.Backfill, input, id, cancellationToken)
            ? new ApiResult(202, new { instanceId = id, status = "started", statusUrl = $"/api/datasets/{dataset}/backfill" })
            : ApiResult.Conflict($"A backfill of '{dataset}' is already running.", new { instanceId = id });
    }

    /// <summary>GET datasets/{dataset}/backfill: the latest backfill's progress or report.</summary>
    public static async Task<ApiResult> GetBackfillAsync(DurableTaskClient client, string dataset, CancellationToken cancellationToken)
    {
        if (DatasetApi.DatasetProblem(dataset) is { } problem)
        {
            return problem;
        }

        var instance = await client.GetInstanceAsync(BackfillOrchestration.InstanceIdFor(dataset), getInputsAndOutputs: true, cancellationToken);
        return instance is null
            ? ApiResult.NotFound($"'{dataset}' has never been backfilled.")
            : new ApiResult(200, new BackfillStatus(
                instance.InstanceId, instance.RuntimeStatus.ToString(), InstanceJson.Read<BackfillProgress>(instance.SerializedCustomStatus),
                instance.RuntimeStatus == OrchestrationRuntimeStatus.Completed ? InstanceJson.Read<BackfillReport>(instance.SerializedOutput) : null,
                instance.FailureDetails?.ErrorMessage, instance.CreatedAt, instance.LastUpdatedAt));
    }

    private async Task<ApiResult?> UnknownAsync(string dataset, CancellationToken cancellationToken)
    {
        if (DatasetApi.DatasetProblem(dataset) is { } problem)
        {
            return problem;
        }

        await foreach (var _ in registry.ListBatchesAsync(dataset, cancellationToken))
        {
            return null;
        }

        return ApiResult.NotFound($"No images of dataset '{dataset}' were ingested.");
    }
}

/// <summary>
/// The health timer's work, shared by the function's timer and the local runner: start the all-datasets check
/// (one at a time), and count orchestrations running or pending for longer than
/// <see cref="HealthOptions.StuckAfterHours"/> (<c>pipeline.orchestrations.stuck</c>, by orchestration name).
/// </summary>
public sealed class HealthScheduler(TimeProvider time, IOptions<HealthOptions> options, PipelineTelemetry telemetry, IExclusiveLease locks)
{
    /// <summary>Starts a round of checks (false when one is still running) and reports stuck orchestrations.</summary>
    public async Task<(bool Started, IReadOnlyDictionary<string, int> Stuck)> RunAsync(DurableTaskClient client, CancellationToken cancellationToken)
    {
        var started = await SingleInstance.StartAsync(client, locks, TaskNames.CheckHealth, new HealthRunInput(), HealthOrchestration.InstanceId, cancellationToken);
        var stuck = await CountStuckAsync(client, cancellationToken);
        foreach (var (name, count) in stuck)
        {
            telemetry.Stuck.Record(count, new KeyValuePair<string, object?>("pipeline.orchestration", name));
        }

        return (started, stuck);
    }

    /// <summary>Orchestrations created before the threshold that are still running or pending, by name.</summary>
    public async Task<IReadOnlyDictionary<string, int>> CountStuckAsync(DurableTaskClient client, CancellationToken cancellationToken)
    {
        var query = new OrchestrationQuery
        {
            CreatedTo = time.GetUtcNow().AddHours(-options.Value.StuckAfterHours),
            Statuses = [OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Pending],
            FetchInputsAndOutputs = true,
        };
        var stuck = new SortedDictionary<string, int>(StringComparer.Ordinal);
        await foreach (var instance in client.GetAllInstancesAsync(query).WithCancellation(cancellationToken))
        {
            // A promotion waiting for a person is waiting, not stuck: its own time-out ends it.
            if (instance.Name == TaskNames.Promote && InstanceJson.Read<PromotionProgress>(instance.SerializedCustomStatus)?.Stage == PromotionProgress.AwaitingApproval)
            {
                continue;
            }

            stuck[instance.Name] = stuck.GetValueOrDefault(instance.Name) + 1;
        }

        return stuck;
    }
}
