using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Pipeline.Core.Datasets;
using Pipeline.Core.Ingest;
using Pipeline.Core.Labels;
using Pipeline.Core.Telemetry;

namespace Pipeline.Core.Health;

/// <summary>One stored health check: when, the headline numbers, and the whole snapshot.</summary>
/// <param name="Dataset">The dataset.</param>
/// <param name="At">When.</param>
/// <param name="Status">healthy or unhealthy.</param>
/// <param name="Snapshot">The snapshot.</param>
public sealed record HealthRecord(string Dataset, DateTimeOffset At, string Status, HealthSnapshot Snapshot);

/// <summary>The health time series (the <c>health</c> table); profiles are report blobs under <c>health/</c>.</summary>
public interface IHealthStore
{
    /// <summary>Adds one point to the dataset's time series.</summary>
    Task RecordAsync(HealthSnapshot snapshot, CancellationToken cancellationToken);

    /// <summary>The dataset's points from <paramref name="since"/> on, oldest first.</summary>
    IAsyncEnumerable<HealthRecord> ListAsync(string dataset, DateTimeOffset since, CancellationToken cancellationToken);

    /// <summary>The dataset's newest point (one read, however long the series), or null before its first check.</summary>
    Task<HealthRecord?> LatestAsync(string dataset, CancellationToken cancellationToken);
}

/// <summary>
/// Checks one dataset's five pillars: builds (or reuses) each batch's profile and the current version's,
/// evaluates the thresholds (<see cref="HealthRules"/>), stores the snapshot as a point of the dataset's time
/// series and emits it as metrics. Called by the timer for every dataset and on demand for one.
/// </summary>
public sealed class HealthService(
    IImageCatalog catalog,
    IDatasetRegistry registry,
    IPromotionBlobs production,
    IReportStore reports,
    IHealthStore store,
    IOptions<HealthOptions> options,
    IOptions<LabelQaOptions> labelOptions,
    TimeProvider time,
    PipelineTelemetry? telemetry = null)
{
    /// <summary>Profiles are rebuilt when catalog rows changed after this long before they were computed (clock skew between us and storage).</summary>
    public static readonly TimeSpan ClockMargin = CatalogClock.Margin;

    /// <summary>Where the dataset's batch profiles are kept, all in one blob (in <c>reports</c>): one read per check, however many batches.</summary>
    public static string BatchProfilesName(string dataset) => $"health/{dataset}/batches.json";

    /// <summary>Where a version's profile is kept (in <c>reports</c>); the id makes it immutable with the version.</summary>
    public static string VersionProfileName(string dataset, int version, string id) => $"health/{dataset}/versions/{version}-{id[..Math.Min(16, id.Length)]}.json";

    /// <summary>Checks one dataset now; the snapshot is stored and emitted before it is returned.</summary>
    public async Task<HealthSnapshot> CheckAsync(string dataset, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var pointer = await registry.GetPointerAsync(dataset, cancellationToken);
        var version = pointer.Current is { } current ? await VersionProfileAsync(dataset, current, cancellationToken) : null;

        var batches = await registry.ListBatchesAsync(dataset, cancellationToken).Select(b => b.Batch).ToListAsync(cancellationToken);

        // Each batch's profile: the cached one unless a row of the batch changed since it was made.
        var cached = await reports.ReadJsonAsync<Dictionary<string, BatchProfile>>(BatchProfilesName(dataset), cancellationToken) ?? [];
        var labelRules = Findings.RulesVersions.Labels(labelOptions.Value);
        var profiles = new ConcurrentDictionary<string, BatchProfile>(StringComparer.Ordinal);
        var rebuilt = 0;
        var classes = new ConcurrentDictionary<string, IReadOnlyDictionary<string, long>>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (batch, ct) =>
        {
            var profile = cached.GetValueOrDefault(batch);
            if (profile is null || await catalog.ChangedSinceAsync(batch, profile.ComputedAt - ClockMargin, ct))
            {
                profile = await BatchProfile.BuildAsync(batch, dataset, catalog.ListBatchAsync(batch, ct), now, ct);
                Interlocked.Increment(ref rebuilt);
            }

            profiles[batch] = profile;

            // Classes matter only against a published version (distribution and taxonomy).
            if (version is not null && profile.Pending.Images > 0 && await LabelQaService.ReadCurrentAsync(reports, batch, labelRules, ct) is { } qa)
            {
                classes[batch] = qa.Result.BoxesPerLabel.ToDictionary(b => b.Key, b => (long)b.Value, StringComparer.Ordinal);
            }
        });

        if (rebuilt > 0 || cached.Count != profiles.Count)
        {
            await reports.WriteJsonAsync(BatchProfilesName(dataset), profiles.ToDictionary(), cancellationToken);
        }

        var snapshot = HealthRules.Evaluate(dataset, [.. profiles.Values.OrderBy(p => p.Batch, StringComparer.Ordinal)], classes, version, options.Value, now);
        await store.RecordAsync(snapshot, cancellationToken);
        telemetry?.RecordHealth(snapshot);
        return snapshot;
    }

    private async Task<VersionProfile?> VersionProfileAsync(string dataset, int version, CancellationToken cancellationToken)
    {
        if (await PromotionService.ReadVersionAsync(production, dataset, version, cancellationToken) is not { } published)
        {
            return null;
        }

        var name = VersionProfileName(dataset, version, published.Id);
        if (await reports.ReadJsonAsync<VersionProfile>(name, cancellationToken) is { } cached)
        {
            return cached;
        }

        // Classes from the manifest; quality and mode from the catalog rows the manifest's images came from.
        var profile = new DataProfile();
        void CountBoxes(ManifestEntry entry)
        {
            foreach (var box in entry.Labels)
            {
                profile.AddBoxes(box.Label, 1);
            }
        }

        var sources = await PromotionService.ReadSourcesAsync(production, dataset, version, CountBoxes, cancellationToken) ?? [];
        foreach (var (batch, names) in sources)
        {
            await foreach (var row in catalog.ListBatchAsync(batch, cancellationToken))
            {
                if (row.Status != IngestStatus.Accepted || row.Dataset != dataset)
                {
                    continue;
                }

                if (row.Kind == CatalogKinds.Labels)
                {
                    profile.AddAnnotationFile(row.Format);
                }
                else if (row.Kind == CatalogKinds.Image && names.ContainsKey(row.Name))
                {
                    profile.AddImage(row);
                }
            }
        }

        var result = new VersionProfile(dataset, version, published.Id, published.CreatedAt, published.Lineage.RunId, profile);
        await reports.WriteJsonAsync(name, result, cancellationToken);
        return result;
    }
}
