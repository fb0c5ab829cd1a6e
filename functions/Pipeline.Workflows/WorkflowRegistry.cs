using Microsoft.DurableTask;
using Pipeline.Core.Backfill;
using Pipeline.Core.Datasets;
using Pipeline.Core.Labels;
using Pipeline.Core.Lineage;
using Pipeline.Workflows.Ingest;
using Pipeline.Workflows.Labels;
using Pipeline.Workflows.Maintenance;
using Pipeline.Workflows.Promotion;

namespace Pipeline.Workflows;

/// <summary>Registers every orchestration and activity of <see cref="TaskNames"/> with a Durable Task worker (local runner and tests).</summary>
public static class WorkflowRegistry
{
    /// <summary>Every task this registry registers, with its input and output types; the function app must adapt each one.</summary>
    public static IReadOnlyList<TaskDescriptor> Tasks { get; } =
    [
        new(TaskNames.ReconcileBatch, TaskKind.Orchestration, typeof(ReconcileBatchInput), typeof(ReconcileTotals)),
        new(TaskNames.FindUnjudgedBlobs, TaskKind.Activity, typeof(FindUnjudgedInput), typeof(FindUnjudgedOutput)),
        new(TaskNames.IngestIncomingBlob, TaskKind.Activity, typeof(string), typeof(IngestBlobOutput)),
        new(TaskNames.LabelQa, TaskKind.Orchestration, typeof(LabelQaInput), typeof(LabelQaSummary)),
        new(TaskNames.LabelQaUnits, TaskKind.Orchestration, typeof(LabelQaUnitsInput), typeof(int)),
        new(TaskNames.PlanLabelQa, TaskKind.Activity, typeof(LabelQaPlanInput), typeof(LabelQaPlanOutput)),
        new(TaskNames.CheckLabelUnit, TaskKind.Activity, typeof(LabelQaUnitInput), typeof(LabelQaUnitOutput)),
        new(TaskNames.FinishLabelQa, TaskKind.Activity, typeof(LabelQaFinishInput), typeof(LabelQaSummary)),
        new(TaskNames.Promote, TaskKind.Orchestration, typeof(PromoteInput), typeof(PromotionResult)),
        new(TaskNames.PromoteChunks, TaskKind.Orchestration, typeof(PromoteChunksInput), typeof(int)),
        new(TaskNames.PlanPromotion, TaskKind.Activity, typeof(PromotionRequest), typeof(PromotionPlan)),
        new(TaskNames.PromoteChunk, TaskKind.Activity, typeof(PromoteChunkInput), typeof(ChunkOutcome)),
        new(TaskNames.WriteVersion, TaskKind.Activity, typeof(WriteVersionInput), typeof(DatasetVersion)),
        new(TaskNames.PublishVersion, TaskKind.Activity, typeof(PromotionPlan), typeof(PublishOutcome)),
        new(TaskNames.FinishPromotion, TaskKind.Activity, typeof(FinishPromotionInput), typeof(PromotionResult)),
        new(TaskNames.EmitLineage, TaskKind.Activity, typeof(LineageEventInput), typeof(string)),
        new(TaskNames.CheckHealth, TaskKind.Orchestration, typeof(HealthRunInput), typeof(IReadOnlyList<HealthCheckOutput>)),
        new(TaskNames.ListDatasets, TaskKind.Activity, typeof(string), typeof(List<string>)),
        new(TaskNames.CheckDatasetHealth, TaskKind.Activity, typeof(string), typeof(HealthCheckOutput)),
        new(TaskNames.Backfill, TaskKind.Orchestration, typeof(BackfillInput), typeof(BackfillReport)),
        new(TaskNames.PlanBackfill, TaskKind.Activity, typeof(BackfillPlanInput), typeof(BackfillPlan)),
        new(TaskNames.CheckBackfillChunk, TaskKind.Activity, typeof(BackfillChunkInput), typeof(BackfillCounts)),
        new(TaskNames.FinishBackfill, TaskKind.Activity, typeof(BackfillPlan), typeof(BackfillReport)),
    ];

    /// <param name="registry">The worker's registry.</param>
    /// <param name="reconcile">Resolves the reconciliation activities (from the host's container).</param>
    /// <param name="labels">Resolves the label QA activities.</param>
    /// <param name="promotion">Resolves the promotion activities.</param>
    /// <param name="maintenance">Resolves the health and backfill activities.</param>
    public static DurableTaskRegistry AddPipelineWorkflows(
        this DurableTaskRegistry registry, Func<ReconcileActivities> reconcile, Func<LabelQaActivities> labels, Func<PromotionActivities> promotion, Func<MaintenanceActivities> maintenance)
    {
        registry.AddOrchestratorFunc<HealthRunInput?, IReadOnlyList<HealthCheckOutput>>(TaskNames.CheckHealth, HealthOrchestration.RunAsync);
        registry.AddActivityFunc<string, List<string>>(TaskNames.ListDatasets, (context, _) => maintenance().ListDatasetsAsync(CancellationToken.None));
        registry.AddActivityFunc<string, HealthCheckOutput>(TaskNames.CheckDatasetHealth, (context, dataset) => maintenance().CheckHealthAsync(dataset, CancellationToken.None));
        registry.AddOrchestratorFunc<BackfillInput, BackfillReport?>(TaskNames.Backfill, BackfillOrchestration.RunAsync);
        registry.AddActivityFunc<BackfillPlanInput, BackfillPlan>(TaskNames.PlanBackfill, (context, input) => maintenance().PlanBackfillAsync(input, CancellationToken.None));
        registry.AddActivityFunc<BackfillChunkInput, BackfillCounts>(TaskNames.CheckBackfillChunk, (context, input) => maintenance().CheckBackfillChunkAsync(input, CancellationToken.None));
        registry.AddActivityFunc<BackfillPlan, BackfillReport>(TaskNames.FinishBackfill, (context, plan) => maintenance().FinishBackfillAsync(plan, CancellationToken.None));
        registry.AddOrchestratorFunc<PromoteInput, PromotionResult>(TaskNames.Promote, PromoteOrchestration.RunAsync);
        registry.AddOrchestratorFunc<PromoteChunksInput, int>(TaskNames.PromoteChunks, PromoteOrchestration.RunChunksAsync);
        registry.AddActivityFunc<PromotionRequest, PromotionPlan>(TaskNames.PlanPromotion, (context, input) => promotion().PlanAsync(input, CancellationToken.None));
        registry.AddActivityFunc<PromoteChunkInput, ChunkOutcome>(TaskNames.PromoteChunk, (context, input) => promotion().ChunkAsync(input, CancellationToken.None));
        registry.AddActivityFunc<WriteVersionInput, DatasetVersion>(TaskNames.WriteVersion, (context, input) => promotion().WriteVersionAsync(input, CancellationToken.None));
        registry.AddActivityFunc<PromotionPlan, PublishOutcome>(TaskNames.PublishVersion, (context, input) => promotion().PublishAsync(input, CancellationToken.None));
        registry.AddActivityFunc<FinishPromotionInput, PromotionResult>(TaskNames.FinishPromotion, (context, input) => promotion().FinishAsync(input, CancellationToken.None));
        registry.AddActivityFunc<LineageEventInput, string>(TaskNames.EmitLineage, (context, input) => promotion().EmitLineageAsync(input, CancellationToken.None));
        registry.AddOrchestratorFunc<LabelQaInput, LabelQaSummary>(TaskNames.LabelQa, LabelQaOrchestration.RunAsync);
        registry.AddOrchestratorFunc<LabelQaUnitsInput, int>(TaskNames.LabelQaUnits, LabelQaOrchestration.RunUnitsAsync);
        registry.AddActivityFunc<LabelQaPlanInput, LabelQaPlanOutput>(TaskNames.PlanLabelQa, (context, input) => labels().PlanAsync(input, CancellationToken.None));
        registry.AddActivityFunc<LabelQaUnitInput, LabelQaUnitOutput>(TaskNames.CheckLabelUnit, (context, input) => labels().CheckUnitAsync(input, CancellationToken.None));
        registry.AddActivityFunc<LabelQaFinishInput, LabelQaSummary>(TaskNames.FinishLabelQa, (context, input) => labels().FinishAsync(input, CancellationToken.None));
        registry.AddOrchestratorFunc<ReconcileBatchInput, ReconcileTotals>(TaskNames.ReconcileBatch, ReconcileBatchOrchestration.RunAsync);
        registry.AddActivityFunc<FindUnjudgedInput, FindUnjudgedOutput>(
            TaskNames.FindUnjudgedBlobs, (context, input) => reconcile().FindUnjudgedAsync(input, CancellationToken.None));
        registry.AddActivityFunc<string, IngestBlobOutput>(
            TaskNames.IngestIncomingBlob, (context, name) => reconcile().IngestAsync(name, CancellationToken.None));
        return registry;
    }
}

/// <summary>Whether a task is an orchestration or an activity.</summary>
public enum TaskKind
{
    Orchestration,
    Activity,
}

/// <summary>One registered task: its name, kind and the types it takes and returns.</summary>
public sealed record TaskDescriptor(string Name, TaskKind Kind, Type Input, Type Output);
