using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using DurableTask.Core.Exceptions;
using Pipeline.Core;

namespace Pipeline.Workflows;

/// <summary>
/// Orchestrations that run at most once at a time under a fixed instance id.
/// </summary>
/// <remarks>
/// The engine's own create-if-absent is not enough on its own: the Azure Storage provider reads the instance's
/// status, then queues the start, then writes the status with a condition whose failure it does not report, so
/// two callers at the same moment are both told they started it. The whole check-purge-schedule therefore runs
/// inside an exclusive lease on the instance id (<see cref="IExclusiveLease"/>): a caller that finds the lease
/// taken is refused at once. The schedule itself still asks the engine to refuse an active instance
/// (<see cref="StartOrchestrationOptions.DedupeStatuses"/>), so a lease that expired under a very slow
/// holder cannot start a second run either.
/// </remarks>
public static class SingleInstance
{
    /// <summary>The states in which an instance holds its id: a start is refused while it is in one of them.</summary>
    public static readonly IReadOnlyList<OrchestrationRuntimeStatus> Active =
        [OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Suspended];

    /// <summary>
    /// Schedules <paramref name="orchestration"/> under <paramref name="instanceId"/> unless an instance with that
    /// id is active or another caller is starting it at this moment (then false). A finished earlier instance is
    /// purged first: its results live in storage and telemetry, and the id must be free for the new run.
    /// </summary>
    public static async Task<bool> StartAsync(
        DurableTaskClient client, IExclusiveLease locks, string orchestration, object input, string instanceId, CancellationToken cancellationToken)
    {
        await using var held = await locks.TryAcquireAsync($"start/{instanceId}", cancellationToken);
        if (held is null)
        {
            return false;
        }

        var previous = await client.GetInstanceAsync(instanceId, cancellationToken);
        if (previous is not null && Active.Contains(previous.RuntimeStatus))
        {
            return false;
        }

        if (previous is not null)
        {
            await client.PurgeInstanceAsync(instanceId, cancellation: cancellationToken);
        }

        try
        {
            var options = new StartOrchestrationOptions(instanceId) { DedupeStatuses = [.. Active.Select(s => s.ToString())] };
            await client.ScheduleNewOrchestrationInstanceAsync(orchestration, input, options, cancellationToken);
            return true;
        }
        catch (OrchestrationAlreadyExistsException)
        {
            return false;
        }
    }
}
