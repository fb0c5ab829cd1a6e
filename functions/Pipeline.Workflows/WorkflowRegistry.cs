using Microsoft.DurableTask;
using Pipeline.Core.Labels;
using Pipeline.Workflows.Ingest;
using Pipeline.Workflows.Labels;

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
        new(TaskNames.PlanLabelQa, TaskKind.Activity, typeof(string), typeof(LabelQaPlanOutput)),
        new(TaskNames.CheckLabelUnit, TaskKind.Activity, typeof(LabelQaUnitInput), typeof(LabelQaUnitOutput)),
        new(TaskNames.FinishLabelQa, TaskKind.Activity, typeof(LabelQaFinishInput), typeof(LabelQaSummary)),
    ];

    /// <param name="registry">The worker's registry.</param>
    /// <param name="reconcile">Resolves the reconciliation activities (from the host's container).</param>
    /// <param name="labels">Resolves the label QA activities.</param>
    public static DurableTaskRegistry AddPipelineWorkflows(this DurableTaskRegistry registry, Func<ReconcileActivities> reconcile, Func<LabelQaActivities> labels)
    {
        registry.AddOrchestratorFunc<LabelQaInput, LabelQaSummary>(TaskNames.LabelQa, LabelQaOrchestration.RunAsync);
        registry.AddOrchestratorFunc<LabelQaUnitsInput, int>(TaskNames.LabelQaUnits, LabelQaOrchestration.RunUnitsAsync);
        registry.AddActivityFunc<string, LabelQaPlanOutput>(TaskNames.PlanLabelQa, (context, batch) => labels().PlanAsync(batch, CancellationToken.None));
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
