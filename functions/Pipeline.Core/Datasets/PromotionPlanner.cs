using System.Collections.Concurrent;
using System.Text.Json;
using Pipeline.Core.Gates;
using Pipeline.Core.Ingest;
using Pipeline.Core.Labels;

namespace Pipeline.Core.Datasets;

/// <summary>
/// Plans the next version of a dataset and evaluates its gate. Its reads grow with the batches it promotes, not
/// with the dataset: a batch a version took whole, unchanged since (one probe of its catalog partition), is
/// not read again; the parent's manifest is merged in as a stream (<see cref="ManifestMerge"/>); near-duplicate
/// findings carry their partner's hash, so no look-up is needed to judge split leakage (by the split the version
/// gives each image: the dataset's own where its lists or folders give one, else the gate's ratios), and the parent's plan
/// hands on its pairs (<see cref="NearPairWatch"/>), so pairs in skipped batches are judged too.
/// </summary>
internal sealed class PromotionPlanner(
    IImageCatalog catalog,
    IDatasetRegistry registry,
    IPromotionBlobs blobs,
    ILabelQaStore reports,
    Reviews.IReviewStore reviews,
    LabelQaOptions labelOptions,
    PromotionOptions promotionOptions,
    TimeProvider time,
    Telemetry.PipelineTelemetry? telemetry)
{
    /// <summary>Probes of the catalog in flight at once when choosing the batches to read.</summary>
    private const int ProbeParallelism = 8;

    private readonly PromotionWork work = new(blobs);

    public async Task<PromotionPlan> PlanAsync(PromotionRequest request, CancellationToken cancellationToken)
    {
        var dataset = request.Dataset;
        var plannedAt = time.GetUtcNow();
        var pointer = await registry.GetPointerAsync(dataset, cancellationToken);

        // The current version published by a run that stopped before it marked its rows: finish that first.
        if (pointer.Current is { } published && await work.OpenJsonAsync<PromotionPlan>(PromotionWork.Plan(PromotionWork.Folder(dataset, published)), cancellationToken) is { } unfinished
            && await work.OpenJsonAsync<PromotionResult>(PromotionWork.Done(unfinished.WorkFolder), cancellationToken) is null)
        {
            return unfinished with { Resumed = true };
        }

        var version = pointer.Latest + 1;
        var folder = PromotionWork.Folder(dataset, version);
        PromotionPlan Invalid(string problem) =>
            new(dataset, version, pointer.Current, null, folder, 0, 0, 0, 0, 0, false, 0, false, [], 0, [], problem);

        // The gate: the dataset's file, or the built-in default.
        var loaded = await LoadedGate.ReadAsync(blobs, dataset, cancellationToken);
        if (loaded.Gate is not { } gate)
        {
            return Invalid($"The gate file gates/{dataset}.json is invalid: {string.Join("; ", loaded.Problems)}.");
        }

        var recorded = await registry.ListBatchesAsync(dataset, cancellationToken).ToListAsync(cancellationToken);
        List<string> batches;
        var skipped = 0;
        if (request.Batches is { } named)
        {
            batches = [.. named.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
            var unknown = batches.Except(recorded.Select(b => b.Batch), StringComparer.Ordinal).ToList();
            if (unknown.Count > 0)
            {
                return Invalid($"No images of dataset '{dataset}' were ingested from batch(es) {string.Join(", ", unknown.Select(b => $"'{b}'"))}.");
            }
        }
        else
        {
            var whole = await UnchangedSincePromotedAsync(dataset, pointer.Current, recorded, cancellationToken);
            batches = [.. recorded.Select(b => b.Batch).Where(b => !whole.Contains(b)).Order(StringComparer.Ordinal)];
            skipped = whole.Count;
        }

        // Waivers in force when the plan is made: the gate leaves out what they cover, and its result names them.
        var seen = new GateObservations { Waivers = new Reviews.Waivers(await reviews.ListAsync(dataset, cancellationToken), plannedAt) };
        var candidates = new PromotionCandidates(catalog, blobs, reports, labelOptions);
        foreach (var batch in batches)
        {
            await candidates.ReadBatchAsync(dataset, batch, seen, cancellationToken);
        }

        var pairs = new NearPairWatch();
        await candidates.AddPairsAsync(pairs, cancellationToken);
        if (pointer.Current is { } parentVersion
            && await work.OpenJsonAsync<List<NearPair>>(PromotionWork.NearPairs(PromotionWork.Folder(dataset, parentVersion)), cancellationToken) is { } carried)
        {
            carried.ForEach(pairs.Add);
        }

        var merged = await MergeAsync(request, gate.SplitRatios, pointer.Current, candidates, pairs, seen, folder, cancellationToken);
        if (merged.Problem is { } problem)
        {
            return Invalid(problem);
        }

        foreach (var pair in pairs.InVersion)
        {
            seen.AddNearDuplicatePair(pair.LaterFile, pairs.SplitOf(pair.LaterSha256), pair.EarlierFile, pairs.SplitOf(pair.EarlierSha256));
        }

        var totals = merged.Totals;
        seen.AddVersion(totals, merged.Merge.ParentImages);

        var gateResult = GateEvaluator.Evaluate(dataset, gate, loaded.File, loaded.Sha256, seen, time.GetUtcNow());
        telemetry?.GateEvaluations.Add(1, new System.Diagnostics.TagList
        {
            { "pipeline.gate.result", gateResult.Passed ? "passed" : "failed" },
            { "pipeline.gate.approval_required", gateResult.ApprovalRequired },
        });
        await work.WriteJsonAsync(PromotionWork.GateResult(folder), gateResult, cancellationToken);
        await work.WriteJsonAsync(PromotionWork.NearPairs(folder), pairs.Carried, cancellationToken);
        await work.WriteJsonAsync(PromotionWork.BatchRows(folder), candidates.RowsRead, cancellationToken);

        var chunks = merged.Copies.Chunk(promotionOptions.ChunkSize).ToList();
        for (var k = 0; k < chunks.Count; k++)
        {
            await work.WriteJsonAsync(PromotionWork.Chunk(folder, k), chunks[k], cancellationToken);
        }

        var merge = merged.Merge;
        var plan = new PromotionPlan(
            dataset, version, pointer.Current, merged.ParentId, folder, totals.Images, merge.Added, merge.Removed, merge.Relabelled, chunks.Count,
            gateResult.Passed, gateResult.Warnings, gateResult.ApprovalRequired, gateResult.ApprovalReasons, gate.ApprovalPolicy.TimeoutHours,
            [.. batches], PlannedAt: plannedAt, BatchesSkipped: skipped);
        await work.WriteJsonAsync(PromotionWork.Plan(folder), plan, cancellationToken);
        return plan;
    }

    /// <summary>
    /// The batches a version on the current line took whole and that have not changed since: marked by a version
    /// the current one descends from (a rolled-back version's marks do not count), with no catalog row written
    /// after the mark (one probe of at most one key per batch).
    /// </summary>
    private async Task<HashSet<string>> UnchangedSincePromotedAsync(string dataset, int? current, List<RecordedBatch> recorded, CancellationToken cancellationToken)
    {
        var marked = recorded.Where(b => b is { PromotedIn: not null, PromotedThrough: not null }).ToList();
        var unchanged = new ConcurrentBag<string>();
        if (marked.Count == 0)
        {
            return [];
        }

        var line = await registry.AncestryAsync(dataset, current, cancellationToken);
        await Parallel.ForEachAsync(
            marked.Where(b => line.Contains(b.PromotedIn!.Value)),
            new ParallelOptions { MaxDegreeOfParallelism = ProbeParallelism, CancellationToken = cancellationToken },
            async (b, ct) =>
            {
                if (!await catalog.ChangedSinceAsync(b.Batch, b.PromotedThrough!.Value, ct))
                {
                    unchanged.Add(b.Batch);
                }
            });
        return new HashSet<string>(unchanged, StringComparer.Ordinal);
    }

    private sealed record Merged(ManifestMerge Merge, ManifestTotals Totals, List<PlannedCopy> Copies, string? ParentId, string? Problem);

    /// <summary>Merges the parent's manifest with the candidates into the plan's lines (written to the work folder as they come), noting what the gate and the pairs need.</summary>
    private async Task<Merged> MergeAsync(
        PromotionRequest request, SplitRatios ratios, int? parentVersion, PromotionCandidates candidates, NearPairWatch pairs, GateObservations seen, string folder, CancellationToken cancellationToken)
    {
        var dataset = request.Dataset;
        var merge = new ManifestMerge(ratios, request.Remove ?? []);
        var totals = new ManifestTotals();
        var copies = new List<PlannedCopy>();
        string? parentId = null;
        var tempPath = Path.GetTempFileName();
        try
        {
            Stream? parentStream = null;
            var parent = AsyncEnumerable.Empty<ManifestEntry>();
            if (parentVersion is { } current)
            {
                parentId = (await PromotionService.ReadVersionAsync(blobs, dataset, current, cancellationToken))?.Id;
                parentStream = await blobs.OpenProductionAsync(PromotionService.VersionFile(dataset, current, "manifest.jsonl"), cancellationToken)
                    ?? throw new InvalidOperationException($"Version {current} of '{dataset}' has no manifest.");
                parent = DatasetManifest.ReadAsync(parentStream, cancellationToken);
            }

            await using (parentStream)
            await using (var planFile = new FileStream(tempPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                await foreach (var line in merge.MergeAsync(parent, candidates.Ordered(), cancellationToken))
                {
                    await JsonSerializer.SerializeAsync(planFile, line, PipelineJson.Options, cancellationToken);
                    planFile.WriteByte((byte)'\n');
                    totals.Add(line.Entry);
                    pairs.Observe(line.Entry.OriginalSha256, line.Entry.Split);
                    if (line.New)
                    {
                        var c = candidates.BySha[line.Entry.OriginalSha256];
                        seen.AddImage(c.FileName, c.Row.CurrentFindings, c.Row.Sha256, c.Row.Batch);
                        copies.Add(new PlannedCopy(c.Row.Sha256, c.Row.StagedPath!, line.Entry.Format, c.Names, c.Row.TraceParent));
                    }
                }
            }

            if (merge.UnmatchedRemovals.Count > 0)
            {
                return new Merged(merge, totals, copies, parentId, $"Cannot remove {string.Join(", ", merge.UnmatchedRemovals.Take(5))}: not in the current version of '{dataset}'.");
            }

            await using (var planRead = File.OpenRead(tempPath))
            {
                await blobs.WriteWorkAsync(PromotionWork.PlanLines(folder), planRead, cancellationToken);
            }

            return new Merged(merge, totals, copies, parentId, null);
        }
        finally
        {
            File.Delete(tempPath);
        }
    }
}
