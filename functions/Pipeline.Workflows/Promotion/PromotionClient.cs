using Microsoft.DurableTask.Client;
using Pipeline.Core.Datasets;

namespace Pipeline.Workflows.Promotion;

/// <summary>A promotion as a caller sees it.</summary>
/// <param name="InstanceId">The orchestration instance.</param>
/// <param name="RuntimeStatus">Pending, Running, Completed, Failed, Terminated.</param>
/// <param name="Progress">The custom status: stage, version, the approval being waited for.</param>
/// <param name="ChunksDone">During a chunk step, chunks done of <see cref="PromotionProgress.Chunks"/>.</param>
/// <param name="Result">How it ended, once completed.</param>
/// <param name="Failure">Why it failed, once failed.</param>
/// <param name="CreatedAt">When it started.</param>
/// <param name="LastUpdatedAt">When it last changed.</param>
public sealed record PromotionStatus(
    string InstanceId, string RuntimeStatus, PromotionProgress? Progress, int? ChunksDone, PromotionResult? Result, string? Failure,
    DateTimeOffset CreatedAt, DateTimeOffset LastUpdatedAt);

/// <summary>What an approve or reject call did.</summary>
public enum DecisionOutcome
{
    /// <summary>The decision was delivered to the waiting promotion.</summary>
    Delivered,

    /// <summary>No promotion of the dataset is waiting for approval.</summary>
    NotWaiting,
}

/// <summary>Starting, watching and deciding promotions through a Durable Task client (HTTP, CLI and the local runner use it).</summary>
public static class PromotionClient
{
    /// <summary>Starts a promotion unless one is running for the dataset; returns the instance id and whether this call started it.</summary>
    public static async Task<(string InstanceId, bool Started)> StartAsync(DurableTaskClient client, Pipeline.Core.IExclusiveLease locks, PromoteInput input, CancellationToken cancellationToken)
    {
        var id = PromoteOrchestration.InstanceIdFor(input.Request.Dataset);
        return (id, await SingleInstance.StartAsync(client, locks, TaskNames.Promote, input, id, cancellationToken));
    }

    /// <summary>The dataset's latest promotion, or null when it never had one.</summary>
    public static async Task<PromotionStatus?> GetAsync(DurableTaskClient client, string dataset, CancellationToken cancellationToken)
    {
        var instance = await client.GetInstanceAsync(PromoteOrchestration.InstanceIdFor(dataset), getInputsAndOutputs: true, cancellationToken);
        if (instance is null)
        {
            return null;
        }

        var progress = InstanceJson.Read<PromotionProgress>(instance.SerializedCustomStatus);
        int? done = null;
        if (instance.RuntimeStatus == OrchestrationRuntimeStatus.Running && progress?.ChunkInstance is { } child
            && await client.GetInstanceAsync(child, getInputsAndOutputs: true, cancellationToken) is { } chunks)
        {
            done = InstanceJson.Read<ChunkProgress>(chunks.SerializedCustomStatus)?.Done ?? 0;
        }

        return new PromotionStatus(
            instance.InstanceId, instance.RuntimeStatus.ToString(), progress, done,
            instance.RuntimeStatus == OrchestrationRuntimeStatus.Completed ? InstanceJson.Read<PromotionResult>(instance.SerializedOutput) : null,
            instance.FailureDetails?.ErrorMessage, instance.CreatedAt, instance.LastUpdatedAt);
    }

    /// <summary>Delivers an approval or rejection to the dataset's promotion, if it is waiting for one.</summary>
    public static async Task<DecisionOutcome> DecideAsync(DurableTaskClient client, string dataset, ApprovalDecision decision, CancellationToken cancellationToken)
    {
        var status = await GetAsync(client, dataset, cancellationToken);
        if (status is not { RuntimeStatus: nameof(OrchestrationRuntimeStatus.Running), Progress: { Stage: PromotionProgress.AwaitingApproval, ApprovalEvent: { } name } })
        {
            return DecisionOutcome.NotWaiting;
        }

        await client.RaiseEventAsync(status.InstanceId, name, decision, cancellationToken);
        return DecisionOutcome.Delivered;
    }
}
