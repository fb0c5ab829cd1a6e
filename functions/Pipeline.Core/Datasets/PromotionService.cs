using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Pipeline.Core.Images;
using Pipeline.Core.Ingest;
using Pipeline.Core.Labels;

namespace Pipeline.Core.Datasets;

/// <summary>
/// The steps of a promotion, each small enough for one activity and each idempotent, so a crash anywhere is
/// repaired by running the promotion again: plan and gate (a pure function of storage), copy a chunk (If-None-Match
/// on names that are content hashes), verify a chunk (size and SHA-256, repairing a bad copy), write the version's
/// files (before the pointer names it, a version is a draft nobody reads), publish (the version row and the
/// pointer in one ETag-guarded transaction), and mark the catalog rows promoted. Bulky data goes through the
/// work folder; steps take and return small records.
/// </summary>
public sealed class PromotionService(
    IImageCatalog catalog,
    IDatasetRegistry registry,
    IPromotionBlobs blobs,
    ILabelQaStore reports,
    Reviews.IReviewStore reviews,
    IOptions<IngestOptions> ingestOptions,
    IOptions<LabelQaOptions> labelOptions,
    IOptions<PromotionOptions> promotionOptions,
    TimeProvider time,
    Telemetry.PipelineTelemetry? telemetry = null)
{
    private readonly PromotionWork work = new(blobs);

    /// <summary>The label rules in force: a batch's label QA result under them (a backfill's) counts when it is newer than the batch's own.</summary>
    private string LabelRules => Findings.RulesVersions.Labels(labelOptions.Value);

    /// <summary>How many blobs one chunk step moves at once.</summary>
    private const int Parallelism = 8;

    /// <summary>A dataset's folder in <c>production</c>.</summary>
    public static string DatasetFolder(string dataset) => dataset + "/";

    /// <summary>The work folder of version <paramref name="version"/> of a dataset's promotion, in <c>reports</c>.</summary>
    public static string WorkFolder(string dataset, int version) => PromotionWork.Folder(dataset, version);

    /// <summary>Where the gate result of a planned version is kept.</summary>
    public static string GateResultName(string workFolder) => PromotionWork.GateResult(workFolder);

    /// <summary>
    /// Plans the next version of <paramref name="request"/>'s dataset and evaluates its gate (see
    /// <see cref="PromotionPlanner"/>): writes the plan (one line per image, ordered by ingested hash), the copy
    /// chunks and the gate result to the work folder.
    /// </summary>
    public Task<PromotionPlan> PlanAsync(PromotionRequest request, CancellationToken cancellationToken) =>
        new PromotionPlanner(catalog, registry, blobs, reports, reviews, labelOptions.Value, promotionOptions.Value, time, telemetry).PlanAsync(request, cancellationToken);

    /// <summary>
    /// Records that the promotion of a version finished (its rows are marked): marks the batches it took whole
    /// (see <see cref="MarkBatchesAsync"/>); a later plan starts a new version.
    /// </summary>
    public async Task<PromotionResult> FinishAsync(PromotionPlan plan, PromotionResult result, CancellationToken cancellationToken)
    {
        await MarkBatchesAsync(plan, cancellationToken);
        await work.WriteJsonAsync(PromotionWork.Done(plan.WorkFolder), result, cancellationToken);
        telemetry?.PromotedImages.Add(plan.Added);
        return result;
    }

    /// <summary>
    /// Marks each batch the plan read as wholly in the version, unless it changed since the plan read it: every
    /// row written after the plan began (less <see cref="CatalogClock.Margin"/>) must be one the plan saw with the
    /// same verdict and content (the promoted marks just written are such rows). The mark holds storage's
    /// timestamp of the last of those writes; a row written after it makes the next plan read the batch again.
    /// </summary>
    /// <returns>The batches marked.</returns>
    public async Task<int> MarkBatchesAsync(PromotionPlan plan, CancellationToken cancellationToken)
    {
        if (plan.PlannedAt is not { } plannedAt
            || await work.OpenJsonAsync<Dictionary<string, Dictionary<string, string>>>(PromotionWork.BatchRows(plan.WorkFolder), cancellationToken) is not { } read)
        {
            return 0;
        }

        var since = plannedAt - CatalogClock.Margin;
        var marked = 0;
        foreach (var (batch, rows) in read)
        {
            var through = since;
            var whole = true;
            await foreach (var change in catalog.ListChangedSinceAsync(batch, since, cancellationToken))
            {
                if (!rows.TryGetValue(change.Name, out var state) || state != PromotionWork.RowState(change.Status, change.Sha256))
                {
                    whole = false;
                    break;
                }

                through = change.ChangedAt > through ? change.ChangedAt : through;
            }

            if (whole)
            {
                await registry.MarkBatchPromotedAsync(plan.Dataset, batch, plan.Version, through, cancellationToken);
                marked++;
            }
        }

        return marked;
    }

    /// <summary>
    /// Copies a chunk's images to <c>production/{dataset}/images/{sha256}.{ext}</c>, location
    /// stripped when the dataset says so, each written only if absent; records the published hashes.
    /// </summary>
    public async Task<ChunkOutcome> CopyChunkAsync(ChunkRef plan, CancellationToken cancellationToken)
    {
        var items = await work.ReadJsonAsync<List<PlannedCopy>>(PromotionWork.Chunk(plan.WorkFolder, plan.Chunk), cancellationToken);
        using var span = Telemetry.PipelineTelemetry.StartLinked(
            "promotion.copy", items.Select(i => i.TraceParent), ("pipeline.dataset", plan.Dataset), ("pipeline.version", plan.Version), ("pipeline.chunk", plan.Chunk));
        var strip = ingestOptions.Value.StripsLocation(plan.Dataset);
        var copied = new CopiedImage[items.Count];
        var written = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, items.Count), new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            var (image, bytes) = await PublishedBytesAsync(items[i], strip, ct);
            copied[i] = image;
            if (await blobs.PutProductionIfAbsentAsync(ImageBlob(plan.Dataset, image.Sha256, items[i].Format), bytes, ContentTypeOf(items[i].Format), ct))
            {
                Interlocked.Increment(ref written);
            }
        });

        await work.WriteJsonAsync(PromotionWork.Copied(plan.WorkFolder, plan.Chunk), copied, cancellationToken);
        return new ChunkOutcome(items.Count, written, copied.Sum(c => c.Size));
    }

    /// <summary>
    /// Reads back every image of a copied chunk and checks its size and SHA-256. A blob that does not match (a
    /// torn or tampered copy) is deleted and written again from staging, then checked once more; a second
    /// mismatch is an error.
    /// </summary>
    public async Task<ChunkOutcome> VerifyChunkAsync(ChunkRef plan, CancellationToken cancellationToken)
    {
        var items = await work.ReadJsonAsync<List<PlannedCopy>>(PromotionWork.Chunk(plan.WorkFolder, plan.Chunk), cancellationToken);
        var copied = await work.ReadJsonAsync<List<CopiedImage>>(PromotionWork.Copied(plan.WorkFolder, plan.Chunk), cancellationToken);
        var strip = ingestOptions.Value.StripsLocation(plan.Dataset);
        var repaired = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, items.Count), new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            var name = ImageBlob(plan.Dataset, copied[i].Sha256, items[i].Format);
            if (await MatchesAsync(name, copied[i], ct))
            {
                return;
            }

            await blobs.DeleteProductionAsync(name, ct);
            var (_, bytes) = await PublishedBytesAsync(items[i], strip, ct);
            await blobs.PutProductionIfAbsentAsync(name, bytes, ContentTypeOf(items[i].Format), ct);
            if (!await MatchesAsync(name, copied[i], ct))
            {
                throw new InvalidDataException($"production/{name} does not match its size and SHA-256 even after it was written again.");
            }

            Interlocked.Increment(ref repaired);
        });

        return new ChunkOutcome(items.Count, repaired, copied.Sum(c => c.Size));
    }

    /// <summary>
    /// Writes the version's files (see <see cref="VersionWriter"/>). A version the pointer has ever named is never
    /// written again: its <c>dataset.json</c> is returned as it is.
    /// </summary>
    public Task<DatasetVersion> WriteVersionAsync(WriteVersionInput input, CancellationToken cancellationToken) =>
        new VersionWriter(registry, blobs, reports, LabelRules, time).WriteAsync(input, cancellationToken);

    /// <summary>
    /// Publishes the written version: its row and the pointer, in one transaction guarded by the pointer's ETag.
    /// Publishing a version that is already published changes nothing; a pointer moved since the plan (a
    /// rollback meanwhile) is refused.
    /// </summary>
    public async Task<PublishOutcome> PublishAsync(PromotionPlan plan, CancellationToken cancellationToken)
    {
        var version = await ReadVersionAsync(plan.Dataset, plan.Version, cancellationToken)
            ?? throw new InvalidOperationException($"Version {plan.Version} of '{plan.Dataset}' has no dataset.json; it cannot be published.");
        var pointer = await registry.GetPointerAsync(plan.Dataset, cancellationToken);
        if (await registry.GetVersionAsync(plan.Dataset, plan.Version, cancellationToken) is { } listed)
        {
            return listed.Id == version.Id ? PublishOutcome.AlreadyPublished
                : throw new InvalidOperationException($"Version {plan.Version} of '{plan.Dataset}' was published with another id ({listed.Id}).");
        }

        if (pointer.Current != plan.Parent)
        {
            return PublishOutcome.PointerMoved;
        }

        return await registry.PublishAsync(plan.Dataset, new VersionListing(plan.Version, version.Id, version.CreatedAt, version.Counts.Images, true), plan.Parent, pointer.ETag, cancellationToken);
    }

    /// <summary>Marks the catalog rows of a chunk's images as promoted into the version.</summary>
    public async Task<ChunkOutcome> MarkChunkAsync(ChunkRef plan, CancellationToken cancellationToken)
    {
        var items = await work.ReadJsonAsync<List<PlannedCopy>>(PromotionWork.Chunk(plan.WorkFolder, plan.Chunk), cancellationToken);
        var names = items.SelectMany(i => i.CatalogNames).ToList();
        await catalog.MarkPromotedAsync(names, plan.Dataset, plan.Version, cancellationToken);
        return new ChunkOutcome(items.Count, names.Count, 0);
    }

    /// <summary>The <c>dataset.json</c> of a version, or null.</summary>
    public Task<DatasetVersion?> ReadVersionAsync(string dataset, int version, CancellationToken cancellationToken) =>
        ReadVersionAsync(blobs, dataset, version, cancellationToken);

    /// <summary>A version's <c>dataset.json</c> from <paramref name="production"/>, or null.</summary>
    public static async Task<DatasetVersion?> ReadVersionAsync(IPromotionBlobs production, string dataset, int version, CancellationToken cancellationToken)
    {
        await using var stream = await production.OpenProductionAsync(VersionFile(dataset, version, "dataset.json"), cancellationToken);
        return stream is null ? null : await JsonSerializer.DeserializeAsync<DatasetVersion>(stream, PipelineJson.Options, cancellationToken);
    }

    /// <summary>
    /// Reads a version's manifest once: calls <paramref name="onEntry"/> for every entry and returns, per source
    /// batch, the incoming names of its images with their file names, so the caller can meet each image's catalog row
    /// with one scan of each batch. Null when the version has no manifest.
    /// </summary>
    public static async Task<Dictionary<string, Dictionary<string, string>>?> ReadSourcesAsync(
        IPromotionBlobs production, string dataset, int version, Action<ManifestEntry> onEntry, CancellationToken cancellationToken)
    {
        await using var manifest = await production.OpenProductionAsync(VersionFile(dataset, version, "manifest.jsonl"), cancellationToken);
        if (manifest is null)
        {
            return null;
        }

        var sources = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        await foreach (var entry in DatasetManifest.ReadAsync(manifest, cancellationToken))
        {
            onEntry(entry);
            var batch = BlobNames.BatchOf(entry.Source);
            (sources.TryGetValue(batch, out var names) ? names : sources[batch] = new Dictionary<string, string>(StringComparer.Ordinal))[entry.Source] = entry.FileName;
        }

        return sources;
    }

    /// <summary>A file of a version, as a <c>production</c> blob name.</summary>
    public static string VersionFile(string dataset, int version, string file) => $"{DatasetFolder(dataset)}{DatasetVersion.Folder(version)}/{file}";

    /// <summary>A published image, as a <c>production</c> blob name.</summary>
    public static string ImageBlob(string dataset, string sha256, string format) => DatasetFolder(dataset) + ManifestEntry.ImagePath(sha256, format);

    private async Task<(CopiedImage Image, byte[] Bytes)> PublishedBytesAsync(PlannedCopy item, bool strip, CancellationToken cancellationToken)
    {
        var bytes = await blobs.ReadStagedAsync(item.StagedPath, cancellationToken)
            ?? throw new InvalidOperationException($"staging/{item.StagedPath} is missing; it cannot be promoted.");
        if (Convert.ToHexStringLower(SHA256.HashData(bytes)) != item.OriginalSha256)
        {
            throw new InvalidDataException($"staging/{item.StagedPath} no longer has the SHA-256 it was staged with.");
        }

        var stripped = false;
        if (strip && ImageFormats.FromExtension(item.StagedPath) is { } format)
        {
            switch (LocationStripper.Strip(bytes, format))
            {
                case LocationStripResult.Stripped:
                    stripped = true;
                    break;
                case LocationStripResult.Unreadable:
                    throw new InvalidDataException($"staging/{item.StagedPath}: its EXIF block cannot be walked safely, so its location cannot be removed; remove it from the version or keep location for this dataset.");
            }
        }

        var sha = stripped ? Convert.ToHexStringLower(SHA256.HashData(bytes)) : item.OriginalSha256;
        return (new CopiedImage(item.OriginalSha256, sha, bytes.Length, stripped), bytes);
    }

    /// <summary>Reads the blob once, counting and hashing as it goes.</summary>
    private async Task<bool> MatchesAsync(string name, CopiedImage expected, CancellationToken cancellationToken)
    {
        await using var stream = await blobs.OpenProductionAsync(name, cancellationToken);
        if (stream is null)
        {
            return false;
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        long size = 0;
        for (int read; (read = await stream.ReadAsync(buffer, cancellationToken)) > 0; size += read)
        {
            hash.AppendData(buffer, 0, read);
        }

        return size == expected.Size && Convert.ToHexStringLower(hash.GetHashAndReset()) == expected.Sha256;
    }

    private static string ContentTypeOf(string extension) => ImageFormats.FromExtension("x." + extension)?.ContentType() ?? "application/octet-stream";
}
