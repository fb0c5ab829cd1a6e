using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Pipeline.Workflows;

/// <summary>Orchestrations that run at most once at a time under a fixed instance id.</summary>
public static class SingleInstance
{
    /// <summary>
    /// Schedules <paramref name="orchestration"/> under <paramref name="instanceId"/> unless an instance with that
    /// id is pending or running (then false). A finished earlier instance is purged first: its results live in
    /// storage and telemetry, and the id must be free for the new run.
    /// </summary>
    public static async Task<bool> StartAsync(DurableTaskClient client, string orchestration, object input, string instanceId, CancellationToken cancellationToken)
    {
        var previous = await client.GetInstanceAsync(instanceId, cancellationToken);
        if (previous is { RuntimeStatus: OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending })
        {
            return false;
        }

        if (previous is not null)
        {
            await client.PurgeInstanceAsync(instanceId, cancellation: cancellationToken);
        }

        await client.ScheduleNewOrchestrationInstanceAsync(orchestration, input, new StartOrchestrationOptions(instanceId), cancellationToken);
        return true;
    }
}
