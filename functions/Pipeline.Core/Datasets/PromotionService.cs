using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Pipeline.Core.Findings;
using Pipeline.Core.Gates;
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
    IOptions<IngestOptions> ingestOptions,
    IOptions<LabelQaOptions> labelOptions,
    IOptions<PromotionOptions> promotionOptions,
    TimeProvider time,
    Telemetry.PipelineTelemetry? telemetry = null)
{
    /// <summary>The label rules in force: a batch's label QA result under them (a backfill's) counts when it is newer than the batch's own.</summary>
    private string LabelRules => Findings.RulesVersions.Labels(labelOptions.Value);

    /// <summary>How many blobs one chunk step moves at once.</summary>
    private const int Parallelism = 8;

    /// <summary>A dataset's folder in <c>production</c>.</summary>
    public static string DatasetFolder(string dataset) => dataset + "/";

    /// <summary>The work folder of version <paramref name="version"/> of a dataset's promotion, in <c>reports</c>.</summary>
    public static string WorkFolder(string dataset, int version) => $"promotions/{dataset}/v{version}/";

    /// <summary>Where the gate result of a planned version is kept.</summary>
    public static string GateResultName(string workFolder) => workFolder + "gate-result.json";

    private static string PlanLinesName(string workFolder) => workFolder + "plan.jsonl";

    private static string PlanName(string workFolder) => workFolder + "plan.json";

    private static string DoneName(string workFolder) => workFolder + "done.json";

    private static string ChunkName(string workFolder, int chunk) => $"{workFolder}chunks/{chunk:D6}.json";

    private static string CopiedName(string workFolder, int chunk) => $"{workFolder}copied/{chunk:D6}.json";

    /// <summary>One line of the plan: the version's entry (published hash, path and size empty for a new image) and whether it is new.</summary>
    private sealed record PlanLine(ManifestEntry Entry, bool New);

    private sealed class Candidate
    {
        public required CatalogEntry Row { get; init; }

        public required string FileName { get; init; }

        public List<string> Names { get; } = [];

        public List<ManifestBox>? Labels { get; set; }

        /// <summary>When the upload whose annotations gave <see cref="Labels"/> was ingested: a later upload of the same bytes with boxes relabels it.</summary>
        public DateTimeOffset LabelledAt { get; set; }
    }

    /// <summary>
    /// Plans the next version of <paramref name="request"/>'s dataset and evaluates its gate: reads the current
    /// version's manifest, the batches' catalog rows, annotation files and label QA reports, writes the plan
    /// (one line per image, ordered by ingested hash), the copy chunks and the gate result to the work folder.
    /// </summary>
    public async Task<PromotionPlan> PlanAsync(PromotionRequest request, CancellationToken cancellationToken)
    {
        var dataset = request.Dataset;
        var pointer = await registry.GetPointerAsync(dataset, cancellationToken);

        // The current version published by a run that stopped before it marked its rows: finish that first.
        if (pointer.Current is { } published && await OpenJsonAsync<PromotionPlan>(PlanName(WorkFolder(dataset, published)), cancellationToken) is { } unfinished
            && await OpenJsonAsync<PromotionResult>(DoneName(unfinished.WorkFolder), cancellationToken) is null)
        {
            return unfinished with { Resumed = true };
        }

        var version = pointer.Latest + 1;
        var folder = WorkFolder(dataset, version);
        PromotionPlan Invalid(string problem) =>
            new(dataset, version, pointer.Current, null, folder, 0, 0, 0, 0, 0, false, 0, false, [], 0, [], problem);

        // The gate: the dataset's file, or the built-in default.
        var loaded = await LoadedGate.ReadAsync(blobs, dataset, cancellationToken);
        if (loaded.Gate is not { } gate)
        {
            return Invalid($"The gate file gates/{dataset}.json is invalid: {string.Join("; ", loaded.Problems)}.");
        }

        var (gateFile, gateSha) = (loaded.File, loaded.Sha256);

        var removals = new HashSet<string>(request.Remove ?? [], StringComparer.Ordinal);
        var known = new List<string>();
        await foreach (var b in registry.ListBatchesAsync(dataset, cancellationToken))
        {
            known.Add(b);
        }

        var batches = (request.Batches ?? known).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var unknown = batches.Except(known, StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            return Invalid($"No images of dataset '{dataset}' were ingested from batch(es) {string.Join(", ", unknown.Select(b => $"'{b}'"))}.");
        }

        // The batches' accepted images (one candidate per content; later uploads of the same bytes add their names).
        var seen = new GateObservations();
        var candidates = new Dictionary<string, Candidate>(StringComparer.Ordinal);
        var qaReports = new List<string>();
        foreach (var batch in batches)
        {
            var labelFiles = new List<CatalogEntry>();
            var images = new List<Candidate>();
            var again = new List<(Candidate First, Candidate Here)>();
            await foreach (var row in catalog.ListBatchAsync(batch, cancellationToken))
            {
                if (row.Status != IngestStatus.Accepted || row.Dataset != dataset || row.StagedPath is null)
                {
                    continue;
                }

                if (row.Kind == CatalogKinds.Labels)
                {
                    labelFiles.Add(row);
                }
                else if (row is not { Width: not null, Height: not null })
                {
                    continue;
                }
                else if (candidates.TryGetValue(row.Sha256, out var first))
                {
                    // The same bytes uploaded again (here or in another batch): one image, whose boxes may be updated here.
                    first.Names.Add(row.Name);
                    var here = new Candidate { Row = row, FileName = Relative(batch, row.Name) };
                    images.Add(here);
                    again.Add((first, here));
                }
                else
                {
                    var candidate = new Candidate { Row = row, FileName = Relative(batch, row.Name), LabelledAt = row.IngestedAt };
                    candidate.Names.Add(row.Name);
                    candidates[row.Sha256] = candidate;
                    images.Add(candidate);
                }
            }

            if (labelFiles.Count > 0)
            {
                await AttachLabelsAsync(batch, images, labelFiles, cancellationToken);
                foreach (var (first, here) in again.Where(a => a.Here.Labels is { Count: > 0 } && a.Here.Row.IngestedAt >= a.First.LabelledAt))
                {
                    (first.Labels, first.LabelledAt) = (here.Labels, here.Row.IngestedAt);
                }
            }

            if (await LabelQaService.ReadCurrentAsync(reports, batch, LabelRules, cancellationToken) is { } qa)
            {
                seen.AddLabelReport(qa.Result);
                qaReports.Add(qa.Name);
            }
        }

        // Near-duplicate partners, by hash (the finding names the earlier upload's incoming blob).
        var partners = new Dictionary<string, (string FileName, List<(string Sha, string FileName)> Later)>(StringComparer.Ordinal);
        foreach (var candidate in candidates.Values)
        {
            foreach (var subject in candidate.Row.Findings.Where(f => f.Code == FindingCodes.ImageNearDuplicate && f.Subject is not null).Select(f => f.Subject!).Distinct())
            {
                if (await catalog.GetAsync(subject, cancellationToken) is { Value: { Status: IngestStatus.Accepted } other } && other.Sha256 != candidate.Row.Sha256)
                {
                    (partners.TryGetValue(other.Sha256, out var pair) ? pair : partners[other.Sha256] = (Relative(other.Batch, other.Name), [])).Later.Add((candidate.Row.Sha256, candidate.FileName));
                }
            }
        }

        // Merge the parent's manifest with the candidates, both in hash order, writing the plan as it goes.
        var ratios = gate.SplitRatios;
        var totals = new ManifestTotals();
        int added = 0, removed = 0, relabelled = 0, parentImages = 0;
        var copies = new List<PlannedCopy>();
        var inVersion = new HashSet<string>(StringComparer.Ordinal);
        string? parentId = null;
        var ordered = candidates.Values.OrderBy(c => c.Row.Sha256, StringComparer.Ordinal).ToList();
        var tempPath = Path.GetTempFileName();
        try
        {
            await using (var planFile = new FileStream(tempPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                async Task WriteLine(ManifestEntry entry, bool isNew)
                {
                    await JsonSerializer.SerializeAsync(planFile, new PlanLine(entry, isNew), PipelineJson.Options, cancellationToken);
                    planFile.WriteByte((byte)'\n');
                    totals.Add(entry);
                    if (partners.ContainsKey(entry.OriginalSha256))
                    {
                        inVersion.Add(entry.OriginalSha256);
                    }
                }

                IAsyncEnumerable<ManifestEntry> parent = AsyncEnumerable.Empty<ManifestEntry>();
                Stream? parentStream = null;
                if (pointer.Current is { } current)
                {
                    parentId = (await ReadVersionAsync(dataset, current, cancellationToken))?.Id;
                    parentStream = await blobs.OpenProductionAsync(VersionFile(dataset, current, "manifest.jsonl"), cancellationToken)
                        ?? throw new InvalidOperationException($"Version {current} of '{dataset}' has no manifest.");
                    parent = DatasetManifest.ReadAsync(parentStream, cancellationToken);
                }

                await using (parentStream)
                {
                    await using var p = parent.GetAsyncEnumerator(cancellationToken);
                    var hasP = await p.MoveNextAsync();
                    var i = 0;
                    while (hasP || i < ordered.Count)
                    {
                        var order = !hasP ? 1 : i >= ordered.Count ? -1 : string.CompareOrdinal(p.Current.OriginalSha256, ordered[i].Row.Sha256);
                        if (order <= 0)
                        {
                            parentImages++;
                        }

                        if (order < 0)
                        {
                            if (removals.Remove(p.Current.OriginalSha256))
                            {
                                removed++;
                            }
                            else
                            {
                                await WriteLine(p.Current with { Split = ratios.Assign(p.Current.OriginalSha256) }, false);
                            }

                            hasP = await p.MoveNextAsync();
                        }
                        else if (order > 0)
                        {
                            var c = ordered[i++];
                            var entry = new ManifestEntry(string.Empty, c.Row.Sha256, string.Empty, 0, ExtensionOf(c.Row.StagedPath!), c.Row.Width!.Value, c.Row.Height!.Value,
                                ratios.Assign(c.Row.Sha256), c.Labels ?? [], c.Row.Name, c.FileName);
                            await WriteLine(entry, true);
                            added++;
                            seen.AddImage(c.FileName, c.Row.CurrentFindings);
                            copies.Add(new PlannedCopy(c.Row.Sha256, c.Row.StagedPath!, entry.Format, c.Names, c.Row.TraceParent));
                        }
                        else
                        {
                            var c = ordered[i++];
                            var entry = p.Current with { Split = ratios.Assign(p.Current.OriginalSha256) };
                            if (removals.Remove(entry.OriginalSha256))
                            {
                                removed++;
                            }
                            else
                            {
                                if (c.Labels is not null && !entry.SameLabels(entry with { Labels = c.Labels }))
                                {
                                    entry = entry with { Labels = c.Labels };
                                    relabelled++;
                                }

                                await WriteLine(entry, false);
                            }

                            hasP = await p.MoveNextAsync();
                        }
                    }
                }
            }

            if (removals.Count > 0)
            {
                return Invalid($"Cannot remove {string.Join(", ", removals.Take(5))}: not in the current version of '{dataset}'.");
            }

            await using (var planRead = File.OpenRead(tempPath))
            {
                await blobs.WriteWorkAsync(PlanLinesName(folder), planRead, cancellationToken);
            }
        }
        finally
        {
            File.Delete(tempPath);
        }

        // Leakage: near-duplicate pairs with both images in the version, split apart.
        foreach (var (earlier, (earlierName, laters)) in partners)
        {
            if (!inVersion.Contains(earlier))
            {
                continue;
            }

            foreach (var (sha, fileName) in laters)
            {
                seen.AddNearDuplicatePair(fileName, ratios.Assign(sha), earlierName, ratios.Assign(earlier));
            }
        }

        seen.VersionImages = totals.Images;
        seen.ParentImages = parentImages;
        foreach (var (label, count) in totals.ImagesPerLabel)
        {
            seen.ImagesPerLabel[label] = count;
        }

        foreach (var (label, count) in totals.BoxesPerLabel)
        {
            seen.BoxesPerLabel[label] = count;
        }

        var gateResult = GateEvaluator.Evaluate(dataset, gate, gateFile, gateSha, seen, time.GetUtcNow());
        telemetry?.GateEvaluations.Add(1, new System.Diagnostics.TagList
        {
            { "pipeline.gate.result", gateResult.Passed ? "passed" : "failed" },
            { "pipeline.gate.approval_required", gateResult.ApprovalRequired },
        });
        await WriteJsonAsync(GateResultName(folder), gateResult, cancellationToken);

        var chunks = copies.Chunk(promotionOptions.Value.ChunkSize).ToList();
        for (var k = 0; k < chunks.Count; k++)
        {
            await WriteJsonAsync(ChunkName(folder, k), chunks[k], cancellationToken);
        }

        var plan = new PromotionPlan(
            dataset, version, pointer.Current, parentId, folder, totals.Images, added, removed, relabelled, chunks.Count,
            gateResult.Passed, gateResult.Warnings, gateResult.ApprovalRequired, gateResult.ApprovalReasons, gate.ApprovalPolicy.TimeoutHours,
            [.. batches]);
        await WriteJsonAsync(PlanName(folder), plan, cancellationToken);
        return plan;
    }

    /// <summary>Records that the promotion of a version finished (its rows are marked); a later plan starts a new version.</summary>
    public async Task<PromotionResult> FinishAsync(PromotionPlan plan, PromotionResult result, CancellationToken cancellationToken)
    {
        await WriteJsonAsync(DoneName(plan.WorkFolder), result, cancellationToken);
        telemetry?.PromotedImages.Add(plan.Added);
        return result;
    }

    /// <summary>
    /// Copies a chunk's images to <c>production/{dataset}/images/{sha256}.{ext}</c>, location
    /// stripped when the dataset says so, each written only if absent; records the published hashes.
    /// </summary>
    public async Task<ChunkOutcome> CopyChunkAsync(ChunkRef plan, CancellationToken cancellationToken)
    {
        var items = await ReadJsonAsync<List<PlannedCopy>>(ChunkName(plan.WorkFolder, plan.Chunk), cancellationToken);
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

        await WriteJsonAsync(CopiedName(plan.WorkFolder, plan.Chunk), copied, cancellationToken);
        return new ChunkOutcome(items.Count, written, copied.Sum(c => c.Size));
    }

    /// <summary>
    /// Reads back every image of a copied chunk and checks its size and SHA-256. A blob that does not match (a
    /// torn or tampered copy) is deleted and written again from staging, then checked once more; a second
    /// mismatch is an error.
    /// </summary>
    public async Task<ChunkOutcome> VerifyChunkAsync(ChunkRef plan, CancellationToken cancellationToken)
    {
        var items = await ReadJsonAsync<List<PlannedCopy>>(ChunkName(plan.WorkFolder, plan.Chunk), cancellationToken);
        var copied = await ReadJsonAsync<List<CopiedImage>>(CopiedName(plan.WorkFolder, plan.Chunk), cancellationToken);
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
    /// Writes the version's files: <c>manifest.jsonl</c> (the plan with the published hashes), <c>annotations.coco.json</c>,
    /// <c>yolo.tar</c>, the gate and its result, and <c>dataset.json</c> last. A version the pointer has ever named is
    /// never written again: its <c>dataset.json</c> is returned as it is.
    /// </summary>
    public async Task<DatasetVersion> WriteVersionAsync(WriteVersionInput input, CancellationToken cancellationToken)
    {
        var plan = input.Plan;
        if (await registry.GetVersionAsync(plan.Dataset, plan.Version, cancellationToken) is not null)
        {
            return await ReadVersionAsync(plan.Dataset, plan.Version, cancellationToken)
                ?? throw new InvalidOperationException($"Version {plan.Version} of '{plan.Dataset}' is published but has no dataset.json.");
        }

        var manifestPath = Path.GetTempFileName();
        try
        {
            ManifestTotals totals;
            var stripped = 0;
            await using (var manifest = new FileStream(manifestPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                totals = await DatasetManifest.WriteAsync(PublishedEntriesAsync(plan, () => stripped++, cancellationToken), manifest, cancellationToken);
            }

            await UploadFileAsync(VersionFile(plan.Dataset, plan.Version, "manifest.jsonl"), manifestPath, "application/x-ndjson", cancellationToken);
            await WriteExportAsync(plan, "annotations.coco.json", "application/json", manifestPath, VersionExports.WriteCocoAsync, cancellationToken);
            await WriteExportAsync(plan, "yolo.tar", "application/x-tar", manifestPath, VersionExports.WriteYoloAsync, cancellationToken);

            var gateResult = await ReadJsonAsync<GateResult>(GateResultName(plan.WorkFolder), cancellationToken);
            await using (var gateResultStream = await blobs.OpenWorkAsync(GateResultName(plan.WorkFolder), cancellationToken))
            {
                await blobs.WriteProductionAsync(VersionFile(plan.Dataset, plan.Version, "gate-result.json"), gateResultStream!, "application/json", cancellationToken);
            }

            if (await blobs.ReadGateAsync(plan.Dataset, cancellationToken) is { } gateBytes)
            {
                await blobs.WriteProductionAsync(VersionFile(plan.Dataset, plan.Version, "gate.json"), new MemoryStream(gateBytes), "application/json", cancellationToken);
            }

            var files = new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                ["manifest"] = $"{DatasetVersion.Folder(plan.Version)}/manifest.jsonl",
                ["coco"] = $"{DatasetVersion.Folder(plan.Version)}/annotations.coco.json",
                ["yolo"] = $"{DatasetVersion.Folder(plan.Version)}/yolo.tar",
                ["gateResult"] = $"{DatasetVersion.Folder(plan.Version)}/gate-result.json",
            };
            var version = new DatasetVersion(
                totals.Id, plan.Dataset, plan.Version, plan.Parent, plan.ParentId, time.GetUtcNow(), gateResult.Passed, gateResult.Warnings, input.Approval,
                new VersionCounts(totals.Images, totals.Bytes, totals.Boxes, plan.Added, plan.Removed, plan.Relabelled, stripped, totals.Splits, totals.BoxesPerLabel),
                files,
                new VersionLineage(plan.Batches, await QaReportsAsync(plan.Batches, cancellationToken), gateResult.GateFile, GateResultName(plan.WorkFolder), input.RunId, input.InstanceId),
                DatasetVersion.CurrentCodeVersion);
            await blobs.WriteProductionAsync(
                VersionFile(plan.Dataset, plan.Version, "dataset.json"),
                new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(version, PipelineJson.Options)), "application/json", cancellationToken);
            return version;
        }
        finally
        {
            File.Delete(manifestPath);
        }
    }

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

        return await registry.PublishAsync(plan.Dataset, new VersionListing(plan.Version, version.Id, version.CreatedAt, version.Counts.Images, true), pointer.ETag, cancellationToken);
    }

    /// <summary>Marks the catalog rows of a chunk's images as promoted into the version.</summary>
    public async Task<ChunkOutcome> MarkChunkAsync(ChunkRef plan, CancellationToken cancellationToken)
    {
        var items = await ReadJsonAsync<List<PlannedCopy>>(ChunkName(plan.WorkFolder, plan.Chunk), cancellationToken);
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

    private async IAsyncEnumerable<ManifestEntry> PublishedEntriesAsync(PromotionPlan plan, Action countStripped, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var lines = await blobs.OpenWorkAsync(PlanLinesName(plan.WorkFolder), cancellationToken)
            ?? throw new InvalidOperationException($"No plan in {plan.WorkFolder}.");
        using var reader = new StreamReader(lines);
        var chunk = 0;
        List<CopiedImage> copied = [];
        var next = 0;
        while (await reader.ReadLineAsync(cancellationToken) is { Length: > 0 } text)
        {
            var line = JsonSerializer.Deserialize<PlanLine>(text, PipelineJson.Options)!;
            if (!line.New)
            {
                if (line.Entry.Rewritten)
                {
                    countStripped();
                }

                yield return line.Entry;
                continue;
            }

            if (next == copied.Count)
            {
                copied = await ReadJsonAsync<List<CopiedImage>>(CopiedName(plan.WorkFolder, chunk++), cancellationToken);
                next = 0;
            }

            var image = copied[next++];
            if (image.OriginalSha256 != line.Entry.OriginalSha256)
            {
                throw new InvalidOperationException($"Copy results out of step with the plan at {line.Entry.OriginalSha256}.");
            }

            if (image.LocationStripped)
            {
                countStripped();
            }

            yield return line.Entry with { Sha256 = image.Sha256, Path = ManifestEntry.ImagePath(image.Sha256, line.Entry.Format), Size = image.Size };
        }
    }

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

    private async Task AttachLabelsAsync(string batch, List<Candidate> images, List<CatalogEntry> labelRows, CancellationToken cancellationToken)
    {
        // The published labels: the batch's own annotation files and its ground truth, not the individual annotators'.
        var rows = labelRows.Where(r => AnnotatorFiles.AnnotatorOf(Relative(batch, r.Name)) is null).ToList();
        var held = new List<byte[]>();
        var files = new List<LabelFile>();
        foreach (var row in rows)
        {
            var bytes = await blobs.ReadStagedAsync(row.StagedPath!, cancellationToken) ?? throw new InvalidOperationException($"staging/{row.StagedPath} is missing.");
            held.Add(bytes);
            var relative = AnnotatorFiles.IsGroundTruth(Relative(batch, row.Name)) ? AnnotatorFiles.WithinFolder(Relative(batch, row.Name)) : Relative(batch, row.Name);
            files.Add(new LabelFile(relative, row.Length, () => new MemoryStream(bytes, writable: false)));
        }

        var byName = images.ToDictionary(i => i.FileName, StringComparer.Ordinal);
        var pairing = new ImagePairing(byName.Keys);
        foreach (var image in images)
        {
            image.Labels = [];
        }

        foreach (var source in LabelFiles.Read(files, [.. byName.Keys], labelOptions.Value))
        {
            var document = source.Document;
            var categories = document.Categories.GroupBy(c => c.Id).ToDictionary(g => g.Key, g => g.First().Name);
            var imageOf = document.Images.GroupBy(i => i.Id).ToDictionary(g => g.Key, g => g.First());
            foreach (var box in document.Boxes)
            {
                if (!imageOf.TryGetValue(box.ImageId, out var labelled) || pairing.Resolve(labelled.FileName) is not { } real
                    || !categories.TryGetValue(box.CategoryId, out var label))
                {
                    continue;
                }

                var image = byName[real];
                var (sx, sy) = document.Normalized ? (image.Row.Width!.Value, image.Row.Height!.Value) : (1, 1);
                var published = new ManifestBox(label, box.X * sx, box.Y * sy, box.Width * sx, box.Height * sy);
                // Boxes the checks flag as unusable (not finite, no area) are left out of the published labels.
                if (double.IsFinite(published.X) && double.IsFinite(published.Y) && published.Width > 0 && published.Height > 0 && double.IsFinite(published.Width) && double.IsFinite(published.Height))
                {
                    image.Labels!.Add(published);
                }
            }
        }
    }

    private async Task<List<string>> QaReportsAsync(IReadOnlyList<string> batches, CancellationToken cancellationToken)
    {
        var found = new List<string>();
        foreach (var batch in batches)
        {
            if (await LabelQaService.ReadCurrentAsync(reports, batch, LabelRules, cancellationToken) is { } qa)
            {
                found.Add("reports/" + qa.Name);
            }
        }

        return found;
    }

    private async Task WriteExportAsync(PromotionPlan plan, string file, string contentType, string manifestPath, Func<Func<Stream>, Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        var path = Path.GetTempFileName();
        try
        {
            await using (var output = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                await write(() => File.OpenRead(manifestPath), output, cancellationToken);
            }

            await UploadFileAsync(VersionFile(plan.Dataset, plan.Version, file), path, contentType, cancellationToken);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private async Task UploadFileAsync(string name, string path, string contentType, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(path);
        await blobs.WriteProductionAsync(name, stream, contentType, cancellationToken);
    }

    private async Task WriteJsonAsync<T>(string name, T value, CancellationToken cancellationToken) =>
        await blobs.WriteWorkAsync(name, new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(value, PipelineJson.Options)), cancellationToken);

    private async Task<T?> OpenJsonAsync<T>(string name, CancellationToken cancellationToken)
        where T : class
    {
        await using var stream = await blobs.OpenWorkAsync(name, cancellationToken);
        return stream is null ? null : await JsonSerializer.DeserializeAsync<T>(stream, PipelineJson.Options, cancellationToken);
    }

    private async Task<T> ReadJsonAsync<T>(string name, CancellationToken cancellationToken)
    {
        await using var stream = await blobs.OpenWorkAsync(name, cancellationToken) ?? throw new InvalidOperationException($"reports/{name} is missing.");
        return await JsonSerializer.DeserializeAsync<T>(stream, PipelineJson.Options, cancellationToken) ?? throw new InvalidDataException($"reports/{name} is empty.");
    }

    private static string Relative(string batch, string name) => name.StartsWith(batch + "/", StringComparison.Ordinal) ? name[(batch.Length + 1)..] : name;

    private static string ExtensionOf(string stagedPath) => Path.GetExtension(stagedPath).TrimStart('.');

    private static string ContentTypeOf(string extension) => ImageFormats.FromExtension("x." + extension)?.ContentType() ?? "application/octet-stream";
}
