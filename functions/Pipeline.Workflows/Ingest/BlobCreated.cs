using Microsoft.DurableTask.Client;
using Pipeline.Core.Ingest;
using Pipeline.Workflows.Labels;

namespace Pipeline.Workflows.Ingest;

/// <summary>
/// What an upload to <c>incoming</c> sets off, on every host (the function app's Event Grid blob trigger, the local
/// runner's BlobCreated endpoint and watcher): a batch's seal marker (<c>{batch}/_SEALED</c>) starts the batch's
/// label QA; any other blob is ingested.
/// </summary>
public static class BlobCreated
{
    /// <summary>Handles the upload of <paramref name="name"/> (relative to <c>incoming</c>); returns its catalog row (none for a seal marker).</summary>
    public static async Task<CatalogEntry?> HandleAsync(IngestService ingest, DurableTaskClient client, Pipeline.Core.IExclusiveLease locks, string name, CancellationToken cancellationToken)
    {
        var outcome = await ingest.IngestAsync(name, cancellationToken);
        if (outcome.SealMarker)
        {
            await LabelQaStarter.StartAsync(client, locks, BlobNames.BatchOf(name), cancellationToken);
        }

        return outcome.Entry;
    }

    /// <summary>
    /// The blob an Event Grid BlobCreated event names (its subject is
    /// <c>/blobServices/default/containers/{container}/blobs/{name}</c>), when it is in <paramref name="container"/>.
    /// </summary>
    public static string? BlobNameOf(string? subject, string container)
    {
        var prefix = $"/blobServices/default/containers/{container}/blobs/";
        return subject is not null && subject.StartsWith(prefix, StringComparison.Ordinal) && subject.Length > prefix.Length ? subject[prefix.Length..] : null;
    }
}
