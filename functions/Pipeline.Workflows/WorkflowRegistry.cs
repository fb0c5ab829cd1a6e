using Microsoft.DurableTask;
using Pipeline.Workflows.Ingest;

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
    ];

    /// <param name="registry">The worker's registry.</param>
    /// <param name="reconcile">Resolves the activities' service (from the host's container).</param>
    public static DurableTaskRegistry AddPipelineWorkflows(this DurableTaskRegistry registry, Func<ReconcileActivities> reconcile)
    {
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
