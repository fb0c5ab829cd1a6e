using System.Collections.Concurrent;
using System.Text.Json;
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
    public static readonly TimeSpan ClockMargin = TimeSpan.FromMinutes(5);

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

        var batches = new List<string>();
        await foreach (var batch in registry.ListBatchesAsync(dataset, cancellationToken))
        {
            batches.Add(batch);
        }

        // Each batch's profile: the cached one unless a row of the batch changed since it was made.
        var cached = await ReadJsonAsync<Dictionary<string, BatchProfile>>(reports.ReadReportAsync(BatchProfilesName(dataset), cancellationToken)) ?? [];
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
            await reports.WriteReportAsync(BatchProfilesName(dataset), JsonSerializer.SerializeToUtf8Bytes(profiles.ToDictionary(), PipelineJson.Options), cancellationToken);
        }

        var snapshot = HealthRules.Evaluate(dataset, [.. profiles.Values.OrderBy(p => p.Batch, StringComparer.Ordinal)], classes, version, options.Value, now);
        await store.RecordAsync(snapshot, cancellationToken);
        telemetry?.RecordHealth(snapshot);
        return snapshot;
    }

    private async Task<VersionProfile?> VersionProfileAsync(string dataset, int version, CancellationToken cancellationToken)
    {
        DatasetVersion? published;
        await using (var json = await production.OpenProductionAsync($"{PromotionService.DatasetFolder(dataset)}{DatasetVersion.Folder(version)}/dataset.json", cancellationToken))
        {
            published = json is null ? null : await JsonSerializer.DeserializeAsync<DatasetVersion>(json, PipelineJson.Options, cancellationToken);
        }

        if (published is null)
        {
            return null;
        }

        var name = VersionProfileName(dataset, version, published.Id);
        if (await ReadJsonAsync<VersionProfile>(reports.ReadReportAsync(name, cancellationToken)) is { } cached)
        {
            return cached;
        }

        // Classes from the manifest; quality and mode from the catalog rows the manifest's images came from.
        var profile = new DataProfile();
        var sources = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        await using (var manifest = await production.OpenProductionAsync($"{PromotionService.DatasetFolder(dataset)}{DatasetVersion.Folder(version)}/manifest.jsonl", cancellationToken))
        {
            if (manifest is not null)
            {
                await foreach (var entry in DatasetManifest.ReadAsync(manifest, cancellationToken))
                {
                    foreach (var box in entry.Labels)
                    {
                        profile.AddBoxes(box.Label, 1);
                    }

                    var batch = BlobNames.BatchOf(entry.Source);
                    (sources.TryGetValue(batch, out var names) ? names : sources[batch] = new HashSet<string>(StringComparer.Ordinal)).Add(entry.Source);
                }
            }
        }

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
                else if (names.Contains(row.Name))
                {
                    profile.AddImage(row);
                }
            }
        }

        var result = new VersionProfile(dataset, version, published.Id, published.CreatedAt, published.Lineage.RunId, profile);
        await reports.WriteReportAsync(name, JsonSerializer.SerializeToUtf8Bytes(result, PipelineJson.Options), cancellationToken);
        return result;
    }

    private static async Task<T?> ReadJsonAsync<T>(Task<byte[]?> read)
        where T : class =>
        await read is { } bytes ? JsonSerializer.Deserialize<T>(bytes, PipelineJson.Options) : null;
}
