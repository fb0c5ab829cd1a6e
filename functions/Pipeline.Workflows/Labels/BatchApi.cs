using System.Text.Json;
using Microsoft.DurableTask.Client;
using Pipeline.Core;
using Pipeline.Core.Ingest;
using Pipeline.Core.Labels;
using Pipeline.Workflows.Promotion;

namespace Pipeline.Workflows.Labels;

/// <summary>A batch's label QA as a caller sees it.</summary>
/// <param name="InstanceId">The orchestration.</param>
/// <param name="RuntimeStatus">Pending, Running, Completed, Failed, Terminated.</param>
/// <param name="Progress">Units done of the total, while running.</param>
/// <param name="Summary">The counts, once completed.</param>
/// <param name="Report">Where the full report is (<c>reports/…/qa.json</c>), once completed.</param>
/// <param name="Failure">Why it failed.</param>
public sealed record LabelQaStatus(string InstanceId, string RuntimeStatus, LabelQaProgress? Progress, LabelQaSummary? Summary, string? Report, string? Failure);

/// <summary>The batch routes, host-agnostic like <see cref="DatasetApi"/>: start a batch's label QA, and read its status.</summary>
public static class BatchApi
{
    /// <summary>POST batches/{batch}/label-qa.</summary>
    public static async Task<ApiResult> StartLabelQaAsync(DurableTaskClient client, IExclusiveLease locks, string batch, CancellationToken cancellationToken)
    {
        if (BatchProblem(batch) is { } problem)
        {
            return problem;
        }

        var (id, started) = await LabelQaStarter.StartAsync(client, locks, batch, cancellationToken);
        return started
            ? new ApiResult(202, new { instanceId = id, status = "started", statusUrl = $"/api/batches/{Uri.EscapeDataString(batch)}/label-qa" })
            : ApiResult.Conflict($"Label QA of batch '{batch}' is already running.", new { instanceId = id });
    }

    /// <summary>GET batches/{batch}/label-qa.</summary>
    public static async Task<ApiResult> GetLabelQaAsync(DurableTaskClient client, string batch, CancellationToken cancellationToken)
    {
        if (BatchProblem(batch) is { } problem)
        {
            return problem;
        }

        var instance = await client.GetInstanceAsync(LabelQaOrchestration.InstanceIdFor(batch), getInputsAndOutputs: true, cancellationToken);
        if (instance is null)
        {
            return ApiResult.NotFound($"Batch '{batch}' has had no label QA.");
        }

        var completed = instance.RuntimeStatus == OrchestrationRuntimeStatus.Completed;
        return new ApiResult(200, new LabelQaStatus(
            instance.InstanceId, instance.RuntimeStatus.ToString(),
            string.IsNullOrEmpty(instance.SerializedCustomStatus) ? null : JsonSerializer.Deserialize<LabelQaProgress>(instance.SerializedCustomStatus, PipelineJson.Options),
            completed ? instance.ReadOutputAs<LabelQaSummary>() : null,
            completed ? "reports/" + LabelQaService.ResultName(batch) : null,
            instance.FailureDetails?.ErrorMessage));
    }

    /// <summary>Why <paramref name="batch"/> is not a batch name, or null.</summary>
    public static ApiResult? BatchProblem(string batch) => BlobNames.BatchProblem(batch) is { } problem ? ApiResult.BadRequest(problem) : null;
}
