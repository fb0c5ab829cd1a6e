using Microsoft.DurableTask;
using Pipeline.Core.Datasets;
using Pipeline.Core.Lineage;

namespace Pipeline.Workflows.Promotion;

/// <summary>Input of <see cref="PromoteOrchestration"/>.</summary>
/// <param name="Request">What to promote.</param>
/// <param name="ApprovalTimeoutHours">How long to wait for an approval; the gate file's value (72 h by default) when null.</param>
/// <param name="ChunksPerGeneration">Chunks one generation of a chunk orchestration runs before it continues as new.</param>
public sealed record PromoteInput(PromotionRequest Request, double? ApprovalTimeoutHours = null, int ChunksPerGeneration = PromoteOrchestration.DefaultChunksPerGeneration);

/// <summary>The chunk steps run by <see cref="PromoteOrchestration.RunChunksAsync"/>.</summary>
public static class ChunkSteps
{
    /// <summary>Copy images to production.</summary>
    public const string Copy = "copy";

    /// <summary>Verify copied images.</summary>
    public const string Verify = "verify";

    /// <summary>Mark catalog rows promoted.</summary>
    public const string Mark = "mark";
}

/// <summary>Input of the chunk orchestration: one step over chunks [From, Total), a generation at a time.</summary>
public sealed record PromoteChunksInput(string Step, string Dataset, int Version, string WorkFolder, int From, int Total, int ChunksPerGeneration);

/// <summary>Input of a chunk activity.</summary>
public sealed record PromoteChunkInput(string Step, ChunkRef Chunk);

/// <summary>Input of the FinishPromotion activity.</summary>
public sealed record FinishPromotionInput(PromotionPlan Plan, PromotionResult Result);

/// <summary>The promotion's custom status.</summary>
/// <param name="Stage">planning, awaiting_approval, copying, verifying, writing, publishing, marking or done.</param>
/// <param name="Version">The version being made, once planned.</param>
/// <param name="Images">Images in it.</param>
/// <param name="Chunks">Chunks to copy.</param>
/// <param name="ApprovalEvent">While waiting: the event name an approval must be raised with.</param>
/// <param name="ApprovalReasons">While waiting: why approval is needed.</param>
/// <param name="ApprovalDeadline">While waiting: when the wait ends.</param>
/// <param name="ChunkInstance">While a chunk step runs: its orchestration (its own status counts the chunks done).</param>
public sealed record PromotionProgress(
    string Stage, int? Version = null, int Images = 0, int Chunks = 0,
    string? ApprovalEvent = null, IReadOnlyList<string>? ApprovalReasons = null, DateTimeOffset? ApprovalDeadline = null, string? ChunkInstance = null)
{
    /// <summary>The stage of a promotion waiting for a person.</summary>
    public const string AwaitingApproval = "awaiting_approval";
}

/// <summary>Chunks done of a chunk step (the chunk orchestration's custom status).</summary>
public sealed record ChunkProgress(string Step, int Done, int Total);

/// <summary>
/// Promotes a dataset (instance id <c>promote:{dataset}</c>, one at a time): plan and gate → wait for an
/// approval when the gate asks (an external event with a name unique to this run, raced against a durable
/// timer) → copy → verify → write the version → publish (pointer) → mark staging rows promoted. The chunk
/// steps run in a sub-orchestration that continues as new every <see cref="PromoteInput.ChunksPerGeneration"/>
/// chunks, so no history grows with the number of images. Every step is idempotent: after a crash, running
/// the promotion again repairs it. OpenLineage START and COMPLETE or FAIL events bracket the run.
/// </summary>
public static class PromoteOrchestration
{
    /// <summary>Chunks per generation of a chunk orchestration.</summary>
    public const int DefaultChunksPerGeneration = 32;

    /// <summary>Chunk activities in flight at once.</summary>
    public const int Parallelism = 8;

    /// <summary>The instance id of a dataset's promotion.</summary>
    public static string InstanceIdFor(string dataset) => $"promote:{dataset}";

    // Transient faults are retried; a broken invariant (a missing or altered staged image, a pointer moved
    // under the publish) is not: retrying cannot fix it, and the run should fail at once with its reason.
    private static readonly TaskOptions Retry = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 4, firstRetryInterval: TimeSpan.FromSeconds(1), backoffCoefficient: 2)
    {
        HandleFailure = failure => !IsBrokenInvariant(failure),
    });

    /// <summary>Whether a failure, or the failure inside it (a sub-orchestration's activity), is a broken invariant rather than a transient fault.</summary>
    public static bool IsBrokenInvariant(TaskFailureDetails? failure)
    {
        for (; failure is not null; failure = failure.InnerFailure)
        {
            if (failure.IsCausedBy<InvalidOperationException>() || failure.IsCausedBy<InvalidDataException>())
            {
                return true;
            }
        }

        return false;
    }

    public static async Task<PromotionResult> RunAsync(TaskOrchestrationContext context, PromoteInput input)
    {
        var dataset = input.Request.Dataset;
        var startedAt = context.CurrentUtcDateTime;
        var runId = RunEvents.RunId(context.InstanceId, startedAt).ToString("N");
        string[] production = [$"production/{dataset}"];
        LineageEventInput Event(string type, IReadOnlyList<string> inputs, string? version = null, string? gate = null, string? error = null) =>
            new(LineageJobs.Promote, type, context.InstanceId, startedAt, context.CurrentUtcDateTime, inputs, production, version, gate, error);

        context.SetCustomStatus(new PromotionProgress("planning"));
        await context.CallActivityAsync<string>(TaskNames.EmitLineage, Event(RunEventTypes.Start, []), Retry);
        PromotionPlan? plan = null;
        try
        {
            plan = await context.CallActivityAsync<PromotionPlan>(TaskNames.PlanPromotion, input.Request, Retry);
            var inputs = LineageService.PromotionDatasets(plan).Inputs;
            var gate = PromotionService.GateResultName(plan.WorkFolder);
            async Task<PromotionResult> Stop(string outcome, string message)
            {
                await context.CallActivityAsync<string>(TaskNames.EmitLineage, Event(outcome is PromotionOutcomes.Unchanged or PromotionOutcomes.Empty ? RunEventTypes.Complete : RunEventTypes.Fail, inputs, gate: plan.Problem is null ? gate : null, error: message), Retry);
                context.SetCustomStatus(new PromotionProgress("done", plan.Version, plan.Images));
                return new PromotionResult(dataset, outcome, plan.Version, null, plan.Images, plan.Added, message);
            }

            if (plan.Problem is not null)
            {
                return await Stop(PromotionOutcomes.Invalid, plan.Problem);
            }

            if (plan.Images == 0 && !plan.Resumed)
            {
                return await Stop(PromotionOutcomes.Empty, "The version would hold no image (no accepted image in the batches promoted); nothing was published.");
            }

            if (!plan.GatePassed && !plan.Resumed)
            {
                return await Stop(PromotionOutcomes.GateFailed, $"The gate failed; see reports/{gate}.");
            }

            if (plan.Unchanged && !plan.Resumed)
            {
                return await Stop(PromotionOutcomes.Unchanged, $"Nothing changed since version {plan.Parent}; nothing was published.");
            }

            // A resumed plan was gated and approved by the run that published it; its dataset.json keeps that record.
            ApprovalRecord? approval = null;
            if (plan.ApprovalRequired && !plan.Resumed)
            {
                // A name unique to this run: a decision meant for an earlier, timed-out round can never be taken for this one.
                var eventName = $"approval-{runId[..12]}";
                var deadline = context.CurrentUtcDateTime.AddHours(input.ApprovalTimeoutHours ?? plan.ApprovalTimeoutHours);
                context.SetCustomStatus(new PromotionProgress(PromotionProgress.AwaitingApproval, plan.Version, plan.Images, plan.Chunks, eventName, plan.ApprovalReasons, deadline));
                using var cancel = new CancellationTokenSource();
                var decision = context.WaitForExternalEvent<ApprovalDecision>(eventName, cancel.Token);
                var timeout = context.CreateTimer(deadline, cancel.Token);
                if (await Task.WhenAny(decision, timeout) == timeout)
                {
                    return await Stop(PromotionOutcomes.TimedOut, $"Nobody approved version {plan.Version} by {deadline:u}; nothing was published.");
                }

                cancel.Cancel();
                var answer = await decision;
                approval = new ApprovalRecord(answer.Approved ? "approved" : "rejected", answer.By, context.CurrentUtcDateTime, answer.Comment);
                if (!answer.Approved)
                {
                    return await Stop(PromotionOutcomes.Rejected, $"{answer.By} rejected version {plan.Version}{(answer.Comment is { } c ? $": {c}" : string.Empty)}.");
                }
            }

            await RunStepAsync(context, plan, ChunkSteps.Copy, "copying", input.ChunksPerGeneration, runId);
            await RunStepAsync(context, plan, ChunkSteps.Verify, "verifying", input.ChunksPerGeneration, runId);
            context.SetCustomStatus(new PromotionProgress("writing", plan.Version, plan.Images, plan.Chunks));
            var version = await context.CallActivityAsync<DatasetVersion>(TaskNames.WriteVersion, new WriteVersionInput(plan, approval, runId, context.InstanceId), Retry);
            context.SetCustomStatus(new PromotionProgress("publishing", plan.Version, plan.Images, plan.Chunks));
            var published = await context.CallActivityAsync<PublishOutcome>(TaskNames.PublishVersion, plan, Retry);
            if (published == PublishOutcome.PointerMoved)
            {
                throw new InvalidOperationException($"The pointer of '{dataset}' moved while version {plan.Version} was being made (a rollback?); run the promotion again.");
            }

            await RunStepAsync(context, plan, ChunkSteps.Mark, "marking", input.ChunksPerGeneration, runId);
            var result = new PromotionResult(dataset, PromotionOutcomes.Published, plan.Version, version.Id, version.Counts.Images, plan.Added,
                $"Published version {plan.Version} of '{dataset}': {version.Counts.Images:N0} images ({plan.Added:N0} added, {plan.Removed:N0} removed, {plan.Relabelled:N0} relabelled)"
                + (plan.Resumed ? ", finishing the run that published it." : "."));
            await context.CallActivityAsync<PromotionResult>(TaskNames.FinishPromotion, new FinishPromotionInput(plan, result), Retry);
            await context.CallActivityAsync<string>(TaskNames.EmitLineage, Event(RunEventTypes.Complete, inputs, version.Id, gate), Retry);
            context.SetCustomStatus(new PromotionProgress("done", plan.Version, plan.Images, plan.Chunks));
            return result;
        }
        catch (Exception ex) when (ex is TaskFailedException or InvalidOperationException)
        {
            // A failed step, or the pointer moved under the publish: the run ends FAIL in lineage, then fails.
            var inputs = plan is null ? [] : LineageService.PromotionDatasets(plan).Inputs;
            var message = ex is TaskFailedException failed ? failed.FailureDetails?.ErrorMessage ?? ex.Message : ex.Message;
            await context.CallActivityAsync<string>(TaskNames.EmitLineage, Event(RunEventTypes.Fail, inputs, error: message), Retry);
            throw;
        }
    }

    /// <summary>
    /// One chunk step over chunks [From, Total): <see cref="Parallelism"/> activities at a time, and after
    /// <see cref="PromoteChunksInput.ChunksPerGeneration"/> chunks it continues as new, so its history stays small.
    /// </summary>
    public static async Task<int> RunChunksAsync(TaskOrchestrationContext context, PromoteChunksInput input)
    {
        var end = Math.Min(input.Total, input.From + Math.Max(1, input.ChunksPerGeneration));
        foreach (var group in Enumerable.Range(input.From, end - input.From).Chunk(Parallelism))
        {
            await Task.WhenAll(group.Select(k => context.CallActivityAsync<ChunkOutcome>(
                TaskNames.PromoteChunk, new PromoteChunkInput(input.Step, new ChunkRef(input.Dataset, input.Version, input.WorkFolder, k)), Retry)));
            context.SetCustomStatus(new ChunkProgress(input.Step, group[^1] + 1, input.Total));
        }

        if (end < input.Total)
        {
            context.ContinueAsNew(input with { From = end });
        }

        return input.Total;
    }

    private static async Task RunStepAsync(TaskOrchestrationContext context, PromotionPlan plan, string step, string stage, int perGeneration, string runId)
    {
        if (plan.Chunks == 0)
        {
            return;
        }

        var child = $"{context.InstanceId}:{step}:{runId[..12]}";
        context.SetCustomStatus(new PromotionProgress(stage, plan.Version, plan.Images, plan.Chunks, ChunkInstance: child));
        await context.CallSubOrchestratorAsync<int>(
            TaskNames.PromoteChunks, new PromoteChunksInput(step, plan.Dataset, plan.Version, plan.WorkFolder, 0, plan.Chunks, perGeneration), Retry.WithInstanceId(child));
    }
}

/// <summary>The activities of <see cref="PromoteOrchestration"/>: thin calls into <see cref="PromotionService"/> and <see cref="LineageService"/>.</summary>
public sealed class PromotionActivities(PromotionService promotion, LineageService lineage)
{
    public Task<PromotionPlan> PlanAsync(PromotionRequest request, CancellationToken cancellationToken) => promotion.PlanAsync(request, cancellationToken);

    public Task<ChunkOutcome> ChunkAsync(PromoteChunkInput input, CancellationToken cancellationToken) => input.Step switch
    {
        ChunkSteps.Copy => promotion.CopyChunkAsync(input.Chunk, cancellationToken),
        ChunkSteps.Verify => promotion.VerifyChunkAsync(input.Chunk, cancellationToken),
        ChunkSteps.Mark => promotion.MarkChunkAsync(input.Chunk, cancellationToken),
        _ => throw new ArgumentException($"Unknown chunk step '{input.Step}'.", nameof(input)),
    };

    public Task<DatasetVersion> WriteVersionAsync(WriteVersionInput input, CancellationToken cancellationToken) => promotion.WriteVersionAsync(input, cancellationToken);

    public Task<PublishOutcome> PublishAsync(PromotionPlan plan, CancellationToken cancellationToken) => promotion.PublishAsync(plan, cancellationToken);

    public Task<PromotionResult> FinishAsync(FinishPromotionInput input, CancellationToken cancellationToken) => promotion.FinishAsync(input.Plan, input.Result, cancellationToken);

    public Task<string> EmitLineageAsync(LineageEventInput input, CancellationToken cancellationToken) => lineage.EmitAsync(input, cancellationToken);
}
