using Microsoft.DurableTask;
using Pipeline.Core.Labels;

namespace Pipeline.Workflows.Labels;

/// <summary>
/// Input of <see cref="LabelQaOrchestration"/>: the batch, how many units one sub-orchestration runs, and for a
/// backfill's run the label rules' version it runs under (its work and result go beside the batch's own).
/// </summary>
public sealed record LabelQaInput(string Batch, int UnitsPerSubOrchestration = LabelQaOrchestration.DefaultUnitsPerSubOrchestration, string? Rules = null);

/// <summary>Input of the units sub-orchestration: units [From, To) of the batch's plan.</summary>
public sealed record LabelQaUnitsInput(string Batch, int From, int To, string? Rules = null);

/// <summary>Input of the PlanLabelQa activity.</summary>
public sealed record LabelQaPlanInput(string Batch, string? Rules = null);

/// <summary>Input of the CheckLabelUnit activity.</summary>
public sealed record LabelQaUnitInput(string Batch, int Index, string? Rules = null);

/// <summary>Output of the PlanLabelQa activity: counts only (the plan itself is a report blob).</summary>
public sealed record LabelQaPlanOutput(int Units, int Images, int LabelFiles);

/// <summary>Output of the CheckLabelUnit activity: counts only (the unit's result is a report blob).</summary>
public sealed record LabelQaUnitOutput(int Index, int Boxes, int Findings);

/// <summary>Input of the FinishLabelQa activity.</summary>
public sealed record LabelQaFinishInput(string Batch, int Units, string? Rules = null);

/// <summary>The orchestration's custom status: units done of the total.</summary>
public sealed record LabelQaProgress(int Done, int Total);

/// <summary>
/// Label QA for one batch (instance id <c>labelqa:{batch}</c>): reconcile the batch (so every file has its
/// verdict), plan, check the units in bounded fan-outs
/// (sub-orchestrations of <see cref="LabelQaInput.UnitsPerSubOrchestration"/> units above that many), then
/// merge into <c>reports/{batch}/qa.json</c> and the summary row. Activities pass names and counts; progress
/// is in the custom status. OpenLineage START and COMPLETE or FAIL events bracket the run.
/// </summary>
public static class LabelQaOrchestration
{
    /// <summary>Units run by one (sub-)orchestration before the work is split into sub-orchestrations.</summary>
    public const int DefaultUnitsPerSubOrchestration = 10;

    /// <summary>Activities (or sub-orchestrations) in flight at once.</summary>
    public const int Parallelism = 8;

    /// <summary>The instance id of a batch's label QA.</summary>
    public static string InstanceIdFor(string batch) => $"labelqa:{batch}";

    private static readonly TaskOptions Retry = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 4, firstRetryInterval: TimeSpan.FromSeconds(1), backoffCoefficient: 2));

    public static async Task<LabelQaSummary> RunAsync(TaskOrchestrationContext context, LabelQaInput input)
    {
        var startedAt = context.CurrentUtcDateTime;
        string[] inputs = [$"staging/{input.Batch}"];
        string[] outputs = [$"reports/{input.Batch}"];
        Pipeline.Core.Lineage.LineageEventInput Event(string type, string? error = null) =>
            new(Pipeline.Core.Lineage.LineageJobs.LabelQa, type, context.InstanceId, startedAt, context.CurrentUtcDateTime, inputs, type == Pipeline.Core.Lineage.RunEventTypes.Complete ? outputs : [], Error: error);

        await context.CallActivityAsync<string>(TaskNames.EmitLineage, Event(Pipeline.Core.Lineage.RunEventTypes.Start), Retry);
        try
        {
            var summary = await CheckAsync(context, input);
            await context.CallActivityAsync<string>(TaskNames.EmitLineage, Event(Pipeline.Core.Lineage.RunEventTypes.Complete), Retry);
            return summary;
        }
        catch (TaskFailedException ex)
        {
            await context.CallActivityAsync<string>(TaskNames.EmitLineage, Event(Pipeline.Core.Lineage.RunEventTypes.Fail, ex.FailureDetails?.ErrorMessage ?? ex.Message), Retry);
            throw;
        }
    }

    private static async Task<LabelQaSummary> CheckAsync(TaskOrchestrationContext context, LabelQaInput input)
    {
        // First every file of the batch gets its verdict: a seal marker's event can overtake the events of the
        // files uploaded before it, and a lost event would leave a file out of the check.
        await context.CallSubOrchestratorAsync<Pipeline.Workflows.Ingest.ReconcileTotals>(
            TaskNames.ReconcileBatch, new Pipeline.Workflows.Ingest.ReconcileBatchInput(input.Batch), Retry.WithInstanceId($"{context.InstanceId}:reconcile"));
        var plan = await context.CallActivityAsync<LabelQaPlanOutput>(TaskNames.PlanLabelQa, new LabelQaPlanInput(input.Batch, input.Rules), Retry);
        var done = 0;
        context.SetCustomStatus(new LabelQaProgress(done, plan.Units));
        var size = Math.Max(1, input.UnitsPerSubOrchestration);
        if (plan.Units <= size)
        {
            foreach (var chunk in Enumerable.Range(0, plan.Units).Chunk(Parallelism))
            {
                await Task.WhenAll(chunk.Select(i => context.CallActivityAsync<LabelQaUnitOutput>(TaskNames.CheckLabelUnit, new LabelQaUnitInput(input.Batch, i, input.Rules), Retry)));
                done += chunk.Length;
                context.SetCustomStatus(new LabelQaProgress(done, plan.Units));
            }
        }
        else
        {
            var ranges = Enumerable.Range(0, (plan.Units + size - 1) / size).Select(r => new LabelQaUnitsInput(input.Batch, r * size, Math.Min(plan.Units, (r + 1) * size), input.Rules));
            foreach (var chunk in ranges.Chunk(Parallelism))
            {
                var counts = await Task.WhenAll(chunk.Select(range => context.CallSubOrchestratorAsync<int>(
                    TaskNames.LabelQaUnits, range, Retry.WithInstanceId($"{context.InstanceId}:units:{range.From}"))));
                done += counts.Sum();
                context.SetCustomStatus(new LabelQaProgress(done, plan.Units));
            }
        }

        return await context.CallActivityAsync<LabelQaSummary>(TaskNames.FinishLabelQa, new LabelQaFinishInput(input.Batch, plan.Units, input.Rules), Retry);
    }

    /// <summary>The sub-orchestration: units [From, To), <see cref="Parallelism"/> at a time; returns how many ran.</summary>
    public static async Task<int> RunUnitsAsync(TaskOrchestrationContext context, LabelQaUnitsInput input)
    {
        foreach (var chunk in Enumerable.Range(input.From, input.To - input.From).Chunk(Parallelism))
        {
            await Task.WhenAll(chunk.Select(i => context.CallActivityAsync<LabelQaUnitOutput>(TaskNames.CheckLabelUnit, new LabelQaUnitInput(input.Batch, i, input.Rules), Retry)));
        }

        return input.To - input.From;
    }
}

/// <summary>The activities of <see cref="LabelQaOrchestration"/>: thin calls into <see cref="LabelQaService"/>.</summary>
public sealed class LabelQaActivities(LabelQaService qa)
{
    public async Task<LabelQaPlanOutput> PlanAsync(LabelQaPlanInput input, CancellationToken cancellationToken)
    {
        var plan = await qa.PlanAsync(input.Batch, cancellationToken, input.Rules);
        return new LabelQaPlanOutput(plan.Units.Count, plan.Images.Count, plan.Files.Count);
    }

    public async Task<LabelQaUnitOutput> CheckUnitAsync(LabelQaUnitInput input, CancellationToken cancellationToken)
    {
        var result = await qa.CheckUnitAsync(input.Batch, input.Index, cancellationToken, input.Rules);
        return new LabelQaUnitOutput(result.Index, result.Boxes, result.Codes.Sum(c => c.Count));
    }

    public Task<LabelQaSummary> FinishAsync(LabelQaFinishInput input, CancellationToken cancellationToken) =>
        qa.FinishAsync(input.Batch, input.Units, cancellationToken, input.Rules);
}

/// <summary>Starts a batch's label QA unless one is running for it (HTTP and the CLI call this).</summary>
public static class LabelQaStarter
{
    /// <summary>The instance id and whether this call started it (false: a run for the batch is in progress).</summary>
    public static async Task<(string InstanceId, bool Started)> StartAsync(Microsoft.DurableTask.Client.DurableTaskClient client, Pipeline.Core.IExclusiveLease locks, string batch, CancellationToken cancellationToken)
    {
        var id = LabelQaOrchestration.InstanceIdFor(batch);
        return (id, await SingleInstance.StartAsync(client, locks, TaskNames.LabelQa, new LabelQaInput(batch), id, cancellationToken));
    }
}
