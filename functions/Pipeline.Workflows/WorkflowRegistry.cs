using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Core.Backfill;
using Pipeline.Core.Datasets;
using Pipeline.Core.Labels;
using Pipeline.Core.Lineage;
using Pipeline.Workflows.Ingest;
using Pipeline.Workflows.Labels;
using Pipeline.Workflows.Maintenance;
using Pipeline.Workflows.Promotion;

namespace Pipeline.Workflows;

/// <summary>
/// The one declaration of every orchestration and activity: its name, its input and output types (taken from the
/// delegate it runs, so they cannot drift) and how a worker registers it. The local runner and the tests register
/// from it; the function app adapts each entry with a shim of the same name and types (a test holds them equal).
/// Adding a task is one line here plus its shim.
/// </summary>
public static class WorkflowRegistry
{
    private static readonly IReadOnlyList<WorkflowTask> Declared =
    [
        WorkflowTask.Orchestration<ReconcileBatchInput, ReconcileTotals>(TaskNames.ReconcileBatch, ReconcileBatchOrchestration.RunAsync),
        WorkflowTask.Activity<FindUnjudgedInput, FindUnjudgedOutput>(TaskNames.FindUnjudgedBlobs, (a, input, ct) => a.Reconcile().FindUnjudgedAsync(input, ct)),
        WorkflowTask.Activity<string, IngestBlobOutput>(TaskNames.IngestIncomingBlob, (a, name, ct) => a.Reconcile().IngestAsync(name, ct)),
        WorkflowTask.Orchestration<LabelQaInput, LabelQaSummary>(TaskNames.LabelQa, LabelQaOrchestration.RunAsync),
        WorkflowTask.Orchestration<LabelQaUnitsInput, int>(TaskNames.LabelQaUnits, LabelQaOrchestration.RunUnitsAsync),
        WorkflowTask.Activity<LabelQaPlanInput, LabelQaPlanOutput>(TaskNames.PlanLabelQa, (a, input, ct) => a.Labels().PlanAsync(input, ct)),
        WorkflowTask.Activity<LabelQaUnitInput, LabelQaUnitOutput>(TaskNames.CheckLabelUnit, (a, input, ct) => a.Labels().CheckUnitAsync(input, ct)),
        WorkflowTask.Activity<LabelQaFinishInput, LabelQaSummary>(TaskNames.FinishLabelQa, (a, input, ct) => a.Labels().FinishAsync(input, ct)),
        WorkflowTask.Orchestration<PromoteInput, PromotionResult>(TaskNames.Promote, PromoteOrchestration.RunAsync),
        WorkflowTask.Orchestration<PromoteChunksInput, int>(TaskNames.PromoteChunks, PromoteOrchestration.RunChunksAsync),
        WorkflowTask.Activity<PromotionRequest, PromotionPlan>(TaskNames.PlanPromotion, (a, input, ct) => a.Promotion().PlanAsync(input, ct)),
        WorkflowTask.Activity<PromoteChunkInput, ChunkOutcome>(TaskNames.PromoteChunk, (a, input, ct) => a.Promotion().ChunkAsync(input, ct)),
        WorkflowTask.Activity<WriteVersionInput, DatasetVersion>(TaskNames.WriteVersion, (a, input, ct) => a.Promotion().WriteVersionAsync(input, ct)),
        WorkflowTask.Activity<PromotionPlan, PublishOutcome>(TaskNames.PublishVersion, (a, input, ct) => a.Promotion().PublishAsync(input, ct)),
        WorkflowTask.Activity<FinishPromotionInput, PromotionResult>(TaskNames.FinishPromotion, (a, input, ct) => a.Promotion().FinishAsync(input, ct)),
        WorkflowTask.Activity<LineageEventInput, string>(TaskNames.EmitLineage, (a, input, ct) => a.Promotion().EmitLineageAsync(input, ct)),
        WorkflowTask.Orchestration<HealthRunInput?, IReadOnlyList<HealthCheckOutput>>(TaskNames.CheckHealth, HealthOrchestration.RunAsync),
        WorkflowTask.Activity<string, List<string>>(TaskNames.ListDatasets, (a, _, ct) => a.Maintenance().ListDatasetsAsync(ct)),
        WorkflowTask.Activity<string, HealthCheckOutput>(TaskNames.CheckDatasetHealth, (a, dataset, ct) => a.Maintenance().CheckHealthAsync(dataset, ct)),
        WorkflowTask.Orchestration<BackfillInput, BackfillReport?>(TaskNames.Backfill, BackfillOrchestration.RunAsync),
        WorkflowTask.Activity<BackfillPlanInput, BackfillPlan>(TaskNames.PlanBackfill, (a, input, ct) => a.Maintenance().PlanBackfillAsync(input, ct)),
        WorkflowTask.Activity<BackfillChunkInput, BackfillCounts>(TaskNames.CheckBackfillChunk, (a, input, ct) => a.Maintenance().CheckBackfillChunkAsync(input, ct)),
        WorkflowTask.Activity<BackfillPlan, BackfillReport>(TaskNames.FinishBackfill, (a, plan, ct) => a.Maintenance().FinishBackfillAsync(plan, ct)),
    ];

    /// <summary>Every task, with its input and output types; the function app must adapt each one.</summary>
    public static IReadOnlyList<TaskDescriptor> Tasks { get; } = [.. Declared.Select(t => t.Descriptor)];

    /// <summary>Registers every declared task, its activities resolved through <paramref name="activities"/>.</summary>
    public static DurableTaskRegistry AddPipelineWorkflows(this DurableTaskRegistry registry, WorkflowActivities activities)
    {
        foreach (var task in Declared)
        {
            task.Register(registry, activities);
        }

        return registry;
    }

    /// <param name="registry">The worker's registry.</param>
    /// <param name="reconcile">Resolves the reconciliation activities (from the host's container).</param>
    /// <param name="labels">Resolves the label QA activities.</param>
    /// <param name="promotion">Resolves the promotion activities.</param>
    /// <param name="maintenance">Resolves the health and backfill activities.</param>
    public static DurableTaskRegistry AddPipelineWorkflows(
        this DurableTaskRegistry registry, Func<ReconcileActivities> reconcile, Func<LabelQaActivities> labels, Func<PromotionActivities> promotion, Func<MaintenanceActivities> maintenance) =>
        registry.AddPipelineWorkflows(new WorkflowActivities(reconcile, labels, promotion, maintenance));

    /// <summary>Registers every declared task with activities from a host's container.</summary>
    public static DurableTaskRegistry AddPipelineWorkflows(this DurableTaskRegistry registry, IServiceProvider services) =>
        registry.AddPipelineWorkflows(
            services.GetRequiredService<ReconcileActivities>, services.GetRequiredService<LabelQaActivities>,
            services.GetRequiredService<PromotionActivities>, services.GetRequiredService<MaintenanceActivities>);
}

/// <summary>Where a worker's activities come from: one factory per group (the host's container, or a test's own).</summary>
public sealed record WorkflowActivities(
    Func<ReconcileActivities> Reconcile, Func<LabelQaActivities> Labels, Func<PromotionActivities> Promotion, Func<MaintenanceActivities> Maintenance);

/// <summary>One declared task: what it is, and how a worker registers it.</summary>
public sealed class WorkflowTask
{
    private readonly Action<DurableTaskRegistry, WorkflowActivities> register;

    private WorkflowTask(TaskDescriptor descriptor, Action<DurableTaskRegistry, WorkflowActivities> register)
    {
        Descriptor = descriptor;
        this.register = register;
    }

    /// <summary>Name, kind, input and output.</summary>
    public TaskDescriptor Descriptor { get; }

    /// <summary>An orchestration that runs <paramref name="run"/>.</summary>
    public static WorkflowTask Orchestration<TInput, TOutput>(string name, Func<TaskOrchestrationContext, TInput, Task<TOutput>> run) =>
        new(new TaskDescriptor(name, TaskKind.Orchestration, typeof(TInput), typeof(TOutput)), (registry, _) => registry.AddOrchestratorFunc(name, run));

    /// <summary>An activity that runs <paramref name="run"/> on the host's activities (the worker gives activities no cancellation).</summary>
    public static WorkflowTask Activity<TInput, TOutput>(string name, Func<WorkflowActivities, TInput, CancellationToken, Task<TOutput>> run) =>
        new(
            new TaskDescriptor(name, TaskKind.Activity, typeof(TInput), typeof(TOutput)),
            (registry, activities) => registry.AddActivityFunc<TInput, TOutput>(name, (_, input) => run(activities, input, CancellationToken.None)));

    /// <summary>Adds this task to <paramref name="registry"/>.</summary>
    public void Register(DurableTaskRegistry registry, WorkflowActivities activities) => register(registry, activities);
}

/// <summary>Whether a task is an orchestration or an activity.</summary>
public enum TaskKind
{
    Orchestration,
    Activity,
}

/// <summary>One registered task: its name, kind and the types it takes and returns.</summary>
public sealed record TaskDescriptor(string Name, TaskKind Kind, Type Input, Type Output);
