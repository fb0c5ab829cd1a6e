using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Pipeline.Workflows.Ingest;

namespace Pipeline.Functions;

/// <summary>The reconciliation timer: every 15 minutes, one round over every batch (see <see cref="ReconcileScheduler"/>).</summary>
public sealed class ReconcileTimer(ReconcileScheduler scheduler)
{
    /// <summary>The schedule (NCRONTAB, seconds first).</summary>
    public const string Schedule = "0 */15 * * * *";

    [Function(nameof(ReconcileTimer))]
    public Task Run([TimerTrigger(Schedule)] TimerInfo timer, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken) =>
        scheduler.StartAsync(client, cancellationToken);
}
