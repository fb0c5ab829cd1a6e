using Microsoft.DurableTask.Client;
using Pipeline.Workflows.Promotion;
using Xunit;

namespace Pipeline.Testing;

/// <summary>
/// The one way tests wait for an orchestration: polls until the awaited state, and fails at once, with the
/// orchestration's failure details, when the instance ends another way (never a spin until the test's timeout).
/// </summary>
public static class OrchestrationWaits
{
    /// <summary>Waits until the dataset's promotion asks for approval; returns its status.</summary>
    public static async Task<PromotionStatus> ApprovalAsync(DurableTaskClient client, string dataset, CancellationToken cancellationToken)
    {
        while (true)
        {
            var status = await PromotionClient.GetAsync(client, dataset, cancellationToken);
            if (status?.Progress?.Stage == PromotionProgress.AwaitingApproval)
            {
                return status;
            }

            if (status is { RuntimeStatus: not (nameof(OrchestrationRuntimeStatus.Running) or nameof(OrchestrationRuntimeStatus.Pending)) })
            {
                Assert.Fail($"The promotion of '{dataset}' ended {status.RuntimeStatus} instead of asking for approval: {status.Failure}");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>
    /// Waits until <paramref name="instanceId"/> ends; fails unless it completed (or, with <paramref name="allowFailed"/>,
    /// failed). Returns it with its inputs and outputs.
    /// </summary>
    public static async Task<OrchestrationMetadata> CompletedAsync(DurableTaskClient client, string instanceId, CancellationToken cancellationToken, bool allowFailed = false)
    {
        var done = await client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, cancellationToken);
        var expected = done.RuntimeStatus == OrchestrationRuntimeStatus.Completed || (allowFailed && done.RuntimeStatus == OrchestrationRuntimeStatus.Failed);
        Assert.True(expected, $"{instanceId} ended {done.RuntimeStatus}: {done.FailureDetails?.ErrorType} {done.FailureDetails?.ErrorMessage}\n{done.FailureDetails?.StackTrace}");
        return done;
    }
}
