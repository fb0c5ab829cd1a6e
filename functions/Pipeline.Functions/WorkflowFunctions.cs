using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Pipeline.Workflows;
using Pipeline.Workflows.Ingest;

namespace Pipeline.Functions;

/// <summary>Durable Functions shims over the orchestrations and activities of Pipeline.Workflows, one per <see cref="TaskNames"/> entry.</summary>
public sealed class WorkflowFunctions(ReconcileActivities reconcile)
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
}
