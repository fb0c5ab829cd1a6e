using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Pipeline.Core;
using Pipeline.Core.Ingest;
using Pipeline.Core.Labels;
using Pipeline.Workflows.Ingest;

namespace Pipeline.Local;

/// <summary>
/// One upload handled at a time per name, whoever noticed it (an announcement or <see cref="UploadWatcher"/>): the
/// second to come waits, then finds the verdict written (ingest answers a judged version from the catalog), so a
/// file announced by <c>pipeline upload</c> and seen by the watcher is ingested once.
/// </summary>
internal sealed class IngestTurns
{
    private readonly SemaphoreSlim[] stripes = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

    public async Task<T> RunAsync<T>(string name, Func<Task<T>> work, CancellationToken cancellationToken)
    {
        var stripe = stripes[(StringComparer.Ordinal.GetHashCode(name) & int.MaxValue) % stripes.Length];
        await stripe.WaitAsync(cancellationToken);
        try
        {
            return await work();
        }
        finally
        {
            stripe.Release();
        }
    }
}

/// <summary>
/// Locally there is no Event Grid: every <see cref="LocalRunnerOptions.NoticeSeconds"/> this lists <c>incoming</c>
/// and handles what it has not seen judged, whoever uploaded it (Azure Storage Explorer, azcopy, an SDK), as the
/// BlobCreated route would. What it knows judged (name and ETag) it keeps in memory, so each blob costs one catalog
/// read the first time it is seen (after a restart too), and a listing after that; a seal marker starts its batch's
/// label QA unless a run of it started before. The listing grows with the container: fine for a workspace, and
/// why Azure uses Event Grid instead.
/// </summary>
internal sealed class UploadWatcher(
    LocalRunner.Engine engine, IngestService ingest, IIngestBlobStore blobs, IImageCatalog catalog, IReportStore reports, IExclusiveLease locks, IngestTurns turns,
    IOptions<LocalRunnerOptions> options, ILogger<UploadWatcher> logger) : LocalRunner.Periodic(logger)
{
    private readonly ConcurrentDictionary<string, string> judged = new(StringComparer.Ordinal);

    protected override TimeSpan? Interval => options.Value.NoticeSeconds == 0 ? null : TimeSpan.FromSeconds(options.Value.NoticeSeconds);

    protected override async Task TickAsync(CancellationToken cancellationToken)
    {
        string? continuation = null;
        do
        {
            var page = await blobs.ListIncomingAsync(string.Empty, continuation, 1000, cancellationToken);
            foreach (var blob in page.Blobs.Where(b => !judged.TryGetValue(b.Name, out var etag) || etag != b.ETag))
            {
                if (await AlreadyHandledAsync(blob, cancellationToken))
                {
                    judged[blob.Name] = blob.ETag;
                    continue;
                }

                System.Diagnostics.Activity.Current = null; // each upload its own trace, as an Event Grid delivery
                await turns.RunAsync(blob.Name, () => BlobCreated.HandleAsync(ingest, engine.Client, locks, blob.Name, cancellationToken), cancellationToken);
                judged[blob.Name] = blob.ETag;
            }

            continuation = page.Continuation;
        }
        while (!string.IsNullOrEmpty(continuation));
    }

    private async Task<bool> AlreadyHandledAsync(IncomingBlob blob, CancellationToken cancellationToken)
    {
        if (BlobNames.IsSealMarker(blob.Name))
        {
            return await reports.ExistsAsync(LabelQaService.PlanName(BlobNames.BatchOf(blob.Name)), cancellationToken);
        }

        return await catalog.GetAsync(blob.Name, cancellationToken) is { } row && row.Value.SourceETag == blob.ETag && row.Value.Status != IngestStatus.Failed;
    }
}
