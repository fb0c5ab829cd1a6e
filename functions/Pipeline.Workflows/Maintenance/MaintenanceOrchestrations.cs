using Microsoft.DurableTask;
using Pipeline.Core.Backfill;
using Pipeline.Core.Datasets;
using Pipeline.Core.Health;
using Pipeline.Core.Lineage;

namespace Pipeline.Workflows.Maintenance;

/// <summary>Input of <see cref="HealthOrchestration"/>: the datasets to check (null: every dataset).</summary>
public sealed record HealthRunInput(IReadOnlyList<string>? Datasets = null);

/// <summary>One dataset's check as the orchestration reports it.</summary>
/// <param name="Dataset">The dataset.</param>
/// <param name="Status">healthy, unhealthy, or failed (the check itself failed; the error says why).</param>
/// <param name="FindingCodes">The codes raised.</param>
/// <param name="Error">Why the check failed.</param>
public sealed record HealthCheckOutput(string Dataset, string Status, IReadOnlyList<string> FindingCodes, string? Error = null);

/// <summary>Input of the PlanBackfill activity.</summary>
public sealed record BackfillPlanInput(string Dataset, int ChunkSize);

/// <summary>Input of the CheckBackfillChunk activity.</summary>
public sealed record BackfillChunkInput(BackfillPlan Plan, int Index);

/// <summary>
/// Input of <see cref="BackfillOrchestration"/>; the plan, the next chunk and the totals so far are carried
/// across continue-as-new generations.
/// </summary>
public sealed record BackfillInput(
    string Dataset,
    int ChunkSize = BackfillService.DefaultChunkSize,
    BackfillPlan? Plan = null,
    int Next = 0,
    BackfillCounts? Totals = null,
    DateTimeOffset? StartedAt = null,
    int ChunksPerGeneration = BackfillOrchestration.DefaultChunksPerGeneration,
    int NextLabelBatch = 0);

/// <summary>A backfill's custom status.</summary>
/// <param name="Rules">The rules applied.</param>
/// <param name="ChunksDone">Chunks done.</param>
/// <param name="Chunks">Chunks.</param>
/// <param name="Images">Images re-checked so far.</param>
/// <param name="Changed">Of those, with other findings.</param>
/// <param name="VerdictChanged">Of those, that would now be rejected.</param>
/// <param name="LabelBatchesDone">Batches whose label QA ran again under the new label rules.</param>
/// <param name="LabelBatches">Batches whose label QA is due again.</param>
public sealed record BackfillProgress(string Rules, int ChunksDone, int Chunks, int Images, int Changed, int VerdictChanged, int LabelBatchesDone = 0, int LabelBatches = 0);

/// <summary>
/// Every dataset's health check (instance <see cref="InstanceId"/>, one at a time): list the datasets, check
/// them a few at a time. One dataset's failure is reported and does not stop the others.
/// </summary>
public static class HealthOrchestration
{
    /// <summary>The instance id of the all-datasets check.</summary>
    public const string InstanceId = "health-all";

    /// <summary>Datasets checked at once.</summary>
    public const int Parallelism = 4;

    private static readonly TaskOptions Retry = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 3, firstRetryInterval: TimeSpan.FromSeconds(2), backoffCoefficient: 2));

    public static async Task<IReadOnlyList<HealthCheckOutput>> RunAsync(TaskOrchestrationContext context, HealthRunInput? input)
    {
        var datasets = input?.Datasets ?? await context.CallActivityAsync<List<string>>(TaskNames.ListDatasets, string.Empty, Retry);
        var results = new List<HealthCheckOutput>();
        foreach (var wave in datasets.Chunk(Parallelism))
        {
            results.AddRange(await Task.WhenAll(wave.Select(async dataset =>
            {
                try
                {
                    return await context.CallActivityAsync<HealthCheckOutput>(TaskNames.CheckDatasetHealth, dataset, Retry);
                }
                catch (TaskFailedException ex)
                {
                    return new HealthCheckOutput(dataset, "failed", [], ex.FailureDetails?.ErrorMessage ?? ex.Message);
                }
            })));
        }

        return results;
    }
}

/// <summary>
/// A dataset's backfill (instance <c>backfill:{dataset}</c>): plan, re-check the image chunks a few at a time, then
/// re-run label QA (a sub-orchestration per batch, its result beside the batch's own) for the batches checked under
/// other label rules (continue-as-new every <see cref="BackfillInput.ChunksPerGeneration"/> steps, so the history
/// stays bounded whatever the size), then finish with the report. Progress is the custom status; OpenLineage START and COMPLETE or FAIL
/// events bracket the run. A crashed or restarted run resumes where its history left it; a new run after a
/// failure counts images already re-checked under the same rules from their rows instead of checking them again.
/// </summary>
public static class BackfillOrchestration
{
    /// <summary>Chunk activities in flight at once.</summary>
    public const int Parallelism = 8;

    /// <summary>Batches' label QA runs in flight at once (each fans out on its own).</summary>
    public const int LabelParallelism = 2;

    /// <summary>Chunks per history generation.</summary>
    public const int DefaultChunksPerGeneration = 32;

    /// <summary>The instance id of a dataset's backfill.</summary>
    public static string InstanceIdFor(string dataset) => $"backfill:{dataset}";

    private static readonly TaskOptions Retry = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 4, firstRetryInterval: TimeSpan.FromSeconds(1), backoffCoefficient: 2));

    public static async Task<BackfillReport?> RunAsync(TaskOrchestrationContext context, BackfillInput input)
    {
        var startedAt = input.StartedAt ?? context.CurrentUtcDateTime;
        string[] inputs = [$"staging/{input.Dataset}"];
        LineageEventInput Event(string type, string? error = null) =>
            new(LineageJobs.Backfill, type, context.InstanceId, startedAt, context.CurrentUtcDateTime, inputs, type == RunEventTypes.Complete ? [$"reports/backfill/{input.Dataset}"] : [], Error: error);

        try
        {
            var plan = input.Plan;
            if (plan is null)
            {
                await context.CallActivityAsync<string>(TaskNames.EmitLineage, Event(RunEventTypes.Start), Retry);
                plan = await context.CallActivityAsync<BackfillPlan>(TaskNames.PlanBackfill, new BackfillPlanInput(input.Dataset, input.ChunkSize), Retry);
            }

            var totals = input.Totals ?? BackfillCounts.Empty;
            var (next, nextLabel) = (input.Next, input.NextLabelBatch);
            var labelBatches = plan.LabelBatches ?? [];
            var chunkPlan = plan with { LabelBatches = null }; // a chunk needs no batch list: keep it out of every activity's input
            BackfillProgress Progress() => new(plan.Rules, next, plan.Chunks, totals.Images, totals.Changed, totals.VerdictChanged, nextLabel, labelBatches.Count);
            context.SetCustomStatus(Progress());

            // One generation does at most ChunksPerGeneration steps: image chunks first, then batches' label QA.
            var budget = Math.Max(1, input.ChunksPerGeneration);
            var end = Math.Min(plan.Chunks, next + budget);
            budget -= end - next;
            while (next < end)
            {
                var wave = Enumerable.Range(next, Math.Min(Parallelism, end - next)).ToList();
                var counts = await Task.WhenAll(wave.Select(i => context.CallActivityAsync<BackfillCounts>(TaskNames.CheckBackfillChunk, new BackfillChunkInput(chunkPlan, i), Retry)));
                totals = counts.Aggregate(totals, (sum, c) => sum.Plus(c));
                next += wave.Count;
                context.SetCustomStatus(Progress());
            }

            var labelEnd = next < plan.Chunks ? nextLabel : Math.Min(labelBatches.Count, nextLabel + budget);
            while (nextLabel < labelEnd)
            {
                var wave = labelBatches.Skip(nextLabel).Take(Math.Min(LabelParallelism, labelEnd - nextLabel)).ToList();
                await Task.WhenAll(wave.Select(batch => context.CallSubOrchestratorAsync<Pipeline.Core.Labels.LabelQaSummary>(
                    TaskNames.LabelQa, new Labels.LabelQaInput(batch, Rules: plan.LabelRules), Retry.WithInstanceId($"{context.InstanceId}:labelqa:{plan.LabelRules}:{batch}"))));
                nextLabel += wave.Count;
                context.SetCustomStatus(Progress());
            }

            if (next < plan.Chunks || nextLabel < labelBatches.Count)
            {
                context.ContinueAsNew(input with { Plan = plan, Next = next, NextLabelBatch = nextLabel, Totals = totals, StartedAt = startedAt });
                return null;
            }

            var report = await context.CallActivityAsync<BackfillReport>(TaskNames.FinishBackfill, plan, Retry);
            await context.CallActivityAsync<string>(TaskNames.EmitLineage, Event(RunEventTypes.Complete), Retry);
            return report;
        }
        catch (TaskFailedException ex)
        {
            await context.CallActivityAsync<string>(TaskNames.EmitLineage, Event(RunEventTypes.Fail, ex.FailureDetails?.ErrorMessage ?? ex.Message), Retry);
            throw;
        }
    }
}

/// <summary>The health and backfill activities (the host builds one from its container).</summary>
public sealed class MaintenanceActivities(HealthService health, BackfillService backfill, IDatasetRegistry registry)
{
    public async Task<List<string>> ListDatasetsAsync(CancellationToken cancellationToken) =>
        await registry.ListDatasetsAsync(cancellationToken).ToListAsync(cancellationToken);

    public async Task<HealthCheckOutput> CheckHealthAsync(string dataset, CancellationToken cancellationToken)
    {
        var snapshot = await health.CheckAsync(dataset, cancellationToken);
        return new HealthCheckOutput(dataset, snapshot.Status, [.. snapshot.Findings.Select(f => f.Code).Distinct()]);
    }

    public Task<BackfillPlan> PlanBackfillAsync(BackfillPlanInput input, CancellationToken cancellationToken) =>
        backfill.PlanAsync(input.Dataset, input.ChunkSize, cancellationToken);

    public Task<BackfillCounts> CheckBackfillChunkAsync(BackfillChunkInput input, CancellationToken cancellationToken) =>
        backfill.CheckChunkAsync(input.Plan, input.Index, cancellationToken);

    public Task<BackfillReport> FinishBackfillAsync(BackfillPlan plan, CancellationToken cancellationToken) =>
        backfill.FinishAsync(plan, cancellationToken);
}
