using Microsoft.DurableTask;

namespace Pipeline.Workflows.Ingest;

/// <summary>
/// Finds the blobs of one batch in <c>incoming</c> that have no verdict for their current version and ingests
/// them: the safety net for lost events and for blobs that existed before the Event Grid subscription.
/// One page of the listing per generation (ContinueAsNew keeps the history bounded), ingests fanned out
/// in bounded chunks, progress in the custom status.
/// </summary>
public static class ReconcileBatchOrchestration
{
    /// <summary>Blobs listed per page (and so per orchestration generation).</summary>
    public const int PageSize = 100;

    /// <summary>Sealed batches without label QA a round reports (the rest are found again next round).</summary>
    public const int MaxSealedPerRound = 100;

    /// <summary>Ingests in flight at once.</summary>
    public const int Parallelism = 16;

    private static readonly TaskOptions Retry = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 4, firstRetryInterval: TimeSpan.FromSeconds(1), backoffCoefficient: 2));

    public static async Task<ReconcileTotals> RunAsync(TaskOrchestrationContext context, ReconcileBatchInput input)
    {
        var totals = input.Totals ?? ReconcileTotals.Zero;
        var page = await context.CallActivityAsync<FindUnjudgedOutput>(
            TaskNames.FindUnjudgedBlobs, new FindUnjudgedInput(input.Batch, input.Continuation, input.OlderThan), Retry);
        totals = totals with
        {
            Scanned = totals.Scanned + page.Scanned,
            Pages = totals.Pages + 1,
            SealedWithoutLabelQa = (totals.SealedWithoutLabelQa ?? []).Concat(page.SealedWithoutLabelQa ?? []).Distinct().Take(MaxSealedPerRound).ToList() is { Count: > 0 } found ? found : null,
        };

        foreach (var chunk in page.Names.Chunk(Parallelism))
        {
            var results = await Task.WhenAll(chunk.Select(name =>
                context.CallActivityAsync<IngestBlobOutput>(TaskNames.IngestIncomingBlob, name, Retry)));
            totals = totals with
            {
                Ingested = totals.Ingested + results.Length,
                Accepted = totals.Accepted + results.Count(r => r.Status == "accepted"),
                Rejected = totals.Rejected + results.Count(r => r.Status == "rejected"),
                Failed = totals.Failed + results.Count(r => r.Status is not "accepted" and not "rejected"),
            };
            context.SetCustomStatus(totals);
        }

        context.SetCustomStatus(totals);
        if (page.Continuation is not null)
        {
            context.ContinueAsNew(input with { Continuation = page.Continuation, Totals = totals });
        }

        return totals;
    }
}
