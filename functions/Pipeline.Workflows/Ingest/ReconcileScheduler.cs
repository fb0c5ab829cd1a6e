using System.ComponentModel.DataAnnotations;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace Pipeline.Workflows.Ingest;

/// <summary>Reconciliation on a timer, bound from <c>Pipeline:Reconcile</c>.</summary>
public sealed class ReconcileOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Pipeline:Reconcile";

    /// <summary>Blobs younger than this are left to their own events (Event Grid delivers within seconds, retries for up to a day).</summary>
    [Range(0, 7 * 24 * 60)]
    public int MinAgeMinutes { get; set; } = 10;
}

/// <summary>
/// Starts one reconciliation over every batch (<see cref="ReconcileBatchOrchestration"/> with an empty batch)
/// for blobs older than <see cref="ReconcileOptions.MinAgeMinutes"/>, under one fixed instance id, so a round
/// that is still running is never doubled by the next tick. Called by the timer function and on demand.
/// </summary>
public sealed class ReconcileScheduler(TimeProvider time, IOptions<ReconcileOptions> options, Pipeline.Core.IExclusiveLease locks)
{
    /// <summary>The instance id of the all-batches reconciliation.</summary>
    public const string InstanceId = "reconcile-all";

    /// <summary>
    /// Starts label QA for the sealed batches the previous round found without one (their seal marker's event was
    /// lost), then schedules a round; null when the previous one is still running.
    /// </summary>
    public async Task<string?> StartAsync(DurableTaskClient client, CancellationToken cancellationToken)
    {
        var previous = await client.GetInstanceAsync(InstanceId, getInputsAndOutputs: true, cancellationToken);
        if (previous is { RuntimeStatus: OrchestrationRuntimeStatus.Completed }
            && InstanceJson.Read<ReconcileTotals>(previous.SerializedOutput)?.SealedWithoutLabelQa is { } sealedBatches)
        {
            foreach (var batch in sealedBatches)
            {
                await Labels.LabelQaStarter.StartAsync(client, locks, batch, cancellationToken);
            }
        }

        var cutoff = time.GetUtcNow() - TimeSpan.FromMinutes(options.Value.MinAgeMinutes);
        var started = await SingleInstance.StartAsync(
            client, locks, TaskNames.ReconcileBatch, new ReconcileBatchInput(string.Empty, OlderThan: cutoff), InstanceId, cancellationToken);
        return started ? InstanceId : null;
    }
}
