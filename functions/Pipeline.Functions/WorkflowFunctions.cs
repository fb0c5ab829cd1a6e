using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Pipeline.Workflows;
using Pipeline.Core.Labels;
using Pipeline.Workflows.Ingest;
using Pipeline.Workflows.Labels;
using Pipeline.Workflows.Maintenance;
using Pipeline.Core.Backfill;
using Pipeline.Workflows.Promotion;
using Pipeline.Core.Datasets;
using Pipeline.Core.Lineage;

namespace Pipeline.Functions;

/// <summary>Durable Functions shims over the orchestrations and activities of Pipeline.Workflows, one per <see cref="TaskNames"/> entry.</summary>
public sealed class WorkflowFunctions(ReconcileActivities reconcile, LabelQaActivities labels, PromotionActivities promotion, MaintenanceActivities maintenance)
{
    [Function(TaskNames.ReconcileBatch)]
    public static Task<ReconcileTotals> ReconcileBatch([OrchestrationTrigger] TaskOrchestrationContext context, ReconcileBatchInput input) =>
        ReconcileBatchOrchestration.RunAsync(context, input);

    [Function(TaskNames.FindUnjudgedBlobs)]
    public Task<FindUnjudgedOutput> FindUnjudgedBlobs([ActivityTrigger] FindUnjudgedInput input, CancellationToken cancellationToken) =>
        reconcile.FindUnjudgedAsync(input, cancellationToken);

    [Function(TaskNames.IngestIncomingBlob)]
    public Task<IngestBlobOutput> IngestIncomingBlob([ActivityTrigger] string name, CancellationToken cancellationToken) =>
        reconcile.IngestAsync(name, cancellationToken);

    [Function(TaskNames.LabelQa)]
    public static Task<LabelQaSummary> LabelQa([OrchestrationTrigger] TaskOrchestrationContext context, LabelQaInput input) =>
        LabelQaOrchestration.RunAsync(context, input);

    [Function(TaskNames.LabelQaUnits)]
    public static Task<int> LabelQaUnits([OrchestrationTrigger] TaskOrchestrationContext context, LabelQaUnitsInput input) =>
        LabelQaOrchestration.RunUnitsAsync(context, input);

    [Function(TaskNames.PlanLabelQa)]
    public Task<LabelQaPlanOutput> PlanLabelQa([ActivityTrigger] LabelQaPlanInput input, CancellationToken cancellationToken) =>
        labels.PlanAsync(input, cancellationToken);

    [Function(TaskNames.CheckLabelUnit)]
    public Task<LabelQaUnitOutput> CheckLabelUnit([ActivityTrigger] LabelQaUnitInput input, CancellationToken cancellationToken) =>
        labels.CheckUnitAsync(input, cancellationToken);

    [Function(TaskNames.FinishLabelQa)]
    public Task<LabelQaSummary> FinishLabelQa([ActivityTrigger] LabelQaFinishInput input, CancellationToken cancellationToken) =>
        labels.FinishAsync(input, cancellationToken);

    [Function(TaskNames.Promote)]
    public static Task<PromotionResult> Promote([OrchestrationTrigger] TaskOrchestrationContext context, PromoteInput input) =>
        PromoteOrchestration.RunAsync(context, input);

    [Function(TaskNames.PromoteChunks)]
    public static Task<int> PromoteChunks([OrchestrationTrigger] TaskOrchestrationContext context, PromoteChunksInput input) =>
        PromoteOrchestration.RunChunksAsync(context, input);

    [Function(TaskNames.PlanPromotion)]
    public Task<PromotionPlan> PlanPromotion([ActivityTrigger] PromotionRequest input, CancellationToken cancellationToken) =>
        promotion.PlanAsync(input, cancellationToken);

    [Function(TaskNames.PromoteChunk)]
    public Task<ChunkOutcome> PromoteChunk([ActivityTrigger] PromoteChunkInput input, CancellationToken cancellationToken) =>
        promotion.ChunkAsync(input, cancellationToken);

    [Function(TaskNames.WriteVersion)]
    public Task<DatasetVersion> WriteVersion([ActivityTrigger] WriteVersionInput input, CancellationToken cancellationToken) =>
        promotion.WriteVersionAsync(input, cancellationToken);

    [Function(TaskNames.PublishVersion)]
    public Task<PublishOutcome> PublishVersion([ActivityTrigger] PromotionPlan input, CancellationToken cancellationToken) =>
        promotion.PublishAsync(input, cancellationToken);

    [Function(TaskNames.FinishPromotion)]
    public Task<PromotionResult> FinishPromotion([ActivityTrigger] FinishPromotionInput input, CancellationToken cancellationToken) =>
        promotion.FinishAsync(input, cancellationToken);

    [Function(TaskNames.EmitLineage)]
    public Task<string> EmitLineage([ActivityTrigger] LineageEventInput input, CancellationToken cancellationToken) =>
        promotion.EmitLineageAsync(input, cancellationToken);

    [Function(TaskNames.CheckHealth)]
    public static Task<IReadOnlyList<HealthCheckOutput>> CheckHealth([OrchestrationTrigger] TaskOrchestrationContext context, HealthRunInput? input) =>
        HealthOrchestration.RunAsync(context, input);

    [Function(TaskNames.ListDatasets)]
    public Task<List<string>> ListDatasets([ActivityTrigger] string input, CancellationToken cancellationToken) =>
        maintenance.ListDatasetsAsync(cancellationToken);

    [Function(TaskNames.CheckDatasetHealth)]
    public Task<HealthCheckOutput> CheckDatasetHealth([ActivityTrigger] string dataset, CancellationToken cancellationToken) =>
        maintenance.CheckHealthAsync(dataset, cancellationToken);

    [Function(TaskNames.Backfill)]
    public static Task<BackfillReport?> Backfill([OrchestrationTrigger] TaskOrchestrationContext context, BackfillInput input) =>
        BackfillOrchestration.RunAsync(context, input);

    [Function(TaskNames.PlanBackfill)]
    public Task<BackfillPlan> PlanBackfill([ActivityTrigger] BackfillPlanInput input, CancellationToken cancellationToken) =>
        maintenance.PlanBackfillAsync(input, cancellationToken);

    [Function(TaskNames.CheckBackfillChunk)]
    public Task<BackfillCounts> CheckBackfillChunk([ActivityTrigger] BackfillChunkInput input, CancellationToken cancellationToken) =>
        maintenance.CheckBackfillChunkAsync(input, cancellationToken);

    [Function(TaskNames.FinishBackfill)]
    public Task<BackfillReport> FinishBackfill([ActivityTrigger] BackfillPlan plan, CancellationToken cancellationToken) =>
        maintenance.FinishBackfillAsync(plan, cancellationToken);
}
