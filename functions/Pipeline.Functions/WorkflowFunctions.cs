using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Pipeline.Workflows;
using Pipeline.Core.Labels;
using Pipeline.Workflows.Ingest;
using Pipeline.Workflows.Labels;

namespace Pipeline.Functions;

/// <summary>Durable Functions shims over the orchestrations and activities of Pipeline.Workflows, one per <see cref="TaskNames"/> entry.</summary>
public sealed class WorkflowFunctions(ReconcileActivities reconcile, LabelQaActivities labels)
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
    public Task<LabelQaPlanOutput> PlanLabelQa([ActivityTrigger] string batch, CancellationToken cancellationToken) =>
        labels.PlanAsync(batch, cancellationToken);

    [Function(TaskNames.CheckLabelUnit)]
    public Task<LabelQaUnitOutput> CheckLabelUnit([ActivityTrigger] LabelQaUnitInput input, CancellationToken cancellationToken) =>
        labels.CheckUnitAsync(input, cancellationToken);

    [Function(TaskNames.FinishLabelQa)]
    public Task<LabelQaSummary> FinishLabelQa([ActivityTrigger] LabelQaFinishInput input, CancellationToken cancellationToken) =>
        labels.FinishAsync(input, cancellationToken);
}
