using Pipeline.Core.Datasets;
using Pipeline.Core.Findings;
using Pipeline.Core.Gates;
using Pipeline.Core.Images;
using Pipeline.Core.Ingest;
using Pipeline.Core.Labels;
using Pipeline.Core.Telemetry;

namespace Pipeline.Core.Backfill;

/// <summary>A backfill's plan: the rules it applies and how its images were cut into chunks (the names are report blobs).</summary>
/// <param name="Dataset">The dataset.</param>
/// <param name="Rules">The image rules' version (<see cref="RulesVersions.Images"/>).</param>
/// <param name="Folder">Its work folder in <c>reports</c>.</param>
/// <param name="Images">Accepted images of the dataset (staged, and with them every published one).</param>
/// <param name="Chunks">Chunks.</param>
/// <param name="LabelRules">The label rules' version (<see cref="RulesVersions.Labels"/>).</param>
/// <param name="LabelBatches">Batches whose label QA result was made under other label rules: their label QA runs again, its result beside the old.</param>
public sealed record BackfillPlan(string Dataset, string Rules, string Folder, int Images, int Chunks, string LabelRules = "", IReadOnlyList<string>? LabelBatches = null);

/// <summary>What re-running label QA changed, over the batches it ran on.</summary>
/// <param name="Rules">The label rules applied.</param>
/// <param name="Batches">Batches checked again.</param>
/// <param name="Before">Label findings per code under the old rules.</param>
/// <param name="After">Label findings per code under the new rules.</param>
public sealed record LabelBackfill(string Rules, int Batches, IReadOnlyDictionary<string, int> Before, IReadOnlyDictionary<string, int> After)
{
    /// <summary>Codes found more often now, and by how many.</summary>
    public IReadOnlyDictionary<string, int> More => After.Where(a => a.Value > Before.GetValueOrDefault(a.Key)).ToDictionary(a => a.Key, a => a.Value - Before.GetValueOrDefault(a.Key));

    /// <summary>Codes found less often now, and by how many.</summary>
    public IReadOnlyDictionary<string, int> Fewer => Before.Where(b => b.Value > After.GetValueOrDefault(b.Key)).ToDictionary(b => b.Key, b => b.Value - After.GetValueOrDefault(b.Key));
}

/// <summary>One image whose findings changed.</summary>
/// <param name="Name">The incoming blob it came in as.</param>
/// <param name="Added">Codes the new rules raise that ingest did not.</param>
/// <param name="Removed">Codes ingest raised that the new rules do not.</param>
/// <param name="Verdict">What the new rules decide (accepted or rejected).</param>
/// <param name="Published">The version it was published in, if it was.</param>
public sealed record ChangedImage(string Name, IReadOnlyList<string> Added, IReadOnlyList<string> Removed, string Verdict, string? Published);

/// <summary>What a chunk (or a whole backfill) found.</summary>
/// <param name="Images">Images re-checked.</param>
/// <param name="Unchanged">Same finding codes as before.</param>
/// <param name="Changed">Other finding codes, same verdict.</param>
/// <param name="VerdictChanged">Accepted at ingest, rejected by the new rules.</param>
/// <param name="Missing">Staged bytes not found (left alone, counted).</param>
/// <param name="CodesAdded">Per code, images that gained it.</param>
/// <param name="CodesRemoved">Per code, images that lost it.</param>
/// <param name="Examples">Changed images, verdict changes first, at most <see cref="BackfillService.MaxExamples"/>.</param>
public sealed record BackfillCounts(
    int Images, int Unchanged, int Changed, int VerdictChanged, int Missing,
    IReadOnlyDictionary<string, int> CodesAdded, IReadOnlyDictionary<string, int> CodesRemoved, IReadOnlyList<ChangedImage> Examples)
{
    /// <summary>Nothing counted.</summary>
    public static BackfillCounts Empty { get; } = new(0, 0, 0, 0, 0, new Dictionary<string, int>(), new Dictionary<string, int>(), []);

    /// <summary>Both sets of counts together.</summary>
    public BackfillCounts Plus(BackfillCounts other) => new(
        Images + other.Images, Unchanged + other.Unchanged, Changed + other.Changed, VerdictChanged + other.VerdictChanged, Missing + other.Missing,
        Sum(CodesAdded, other.CodesAdded), Sum(CodesRemoved, other.CodesRemoved),
        [.. Examples.Concat(other.Examples).OrderByDescending(e => e.Verdict == "rejected").ThenBy(e => e.Name, StringComparer.Ordinal).Take(BackfillService.MaxExamples)]);

    private static SortedDictionary<string, int> Sum(IReadOnlyDictionary<string, int> a, IReadOnlyDictionary<string, int> b)
    {
        var sum = new SortedDictionary<string, int>(a.ToDictionary(), StringComparer.Ordinal);
        foreach (var (code, n) in b)
        {
            sum[code] = sum.GetValueOrDefault(code) + n;
        }

        return sum;
    }
}

/// <summary>What the gate says about the current production version under the ingest findings and under the new ones.</summary>
/// <param name="Version">The version judged.</param>
/// <param name="GateFile">The gate file used.</param>
/// <param name="PassedBefore">The verdict with the findings the version was published with.</param>
/// <param name="PassedAfter">The verdict with the new findings.</param>
/// <param name="Changed">Expectations whose result differs (kind and what they look at).</param>
public sealed record GateImpact(int Version, string GateFile, bool PassedBefore, bool PassedAfter, IReadOnlyList<string> Changed)
{
    /// <summary>Whether the verdict would change.</summary>
    public bool VerdictChanged => PassedBefore != PassedAfter;
}

/// <summary><c>reports/backfill/{dataset}/{rules}/report.json</c>: what a backfill changed.</summary>
/// <param name="Dataset">The dataset.</param>
/// <param name="Rules">The rules' version applied.</param>
/// <param name="Counts">Totals.</param>
/// <param name="Gate">The gate's verdict on the current version before and after, when there is a current version.</param>
/// <param name="FinishedAt">When it finished.</param>
/// <param name="Labels">What re-running label QA changed, when some batch's result was made under other label rules.</param>
public sealed record BackfillReport(string Dataset, string Rules, BackfillCounts Counts, GateImpact? Gate, DateTimeOffset FinishedAt, LabelBackfill? Labels = null)
{
    /// <summary>A sentence for people.</summary>
    public string Summary =>
        $"{Counts.Images:N0} images re-checked under rules {Rules}: {Counts.Changed + Counts.VerdictChanged:N0} with other findings, {Counts.VerdictChanged:N0} that would now be rejected"
        + (Counts.Missing > 0 ? $", {Counts.Missing:N0} missing from staging" : string.Empty)
        + (Labels is null ? string.Empty : $"; label QA of {Labels.Batches:N0} batch(es) re-run under {Labels.Rules}: {Labels.Before.Values.Sum():N0} → {Labels.After.Values.Sum():N0} label findings")
        + (Gate is null ? "." : Gate.VerdictChanged
            ? $". The gate would now {(Gate.PassedAfter ? "pass" : "fail")} version {Gate.Version} (it {(Gate.PassedBefore ? "passed" : "failed")}); the version is unchanged: the next promotion decides."
            : $". The gate's verdict on version {Gate.Version} is unchanged ({(Gate.PassedAfter ? "passed" : "failed")}).");
}

/// <summary>
/// Re-runs the current image rules over a dataset's accepted images (every published image is one of them) and
/// records the findings beside the ingest's (<see cref="CatalogEntry.Recheck"/>, with the rules' version); the
/// batches whose label QA result was made under other label rules have it re-run beside the old
/// (<c>qa.{rules}.json</c>, by the orchestration). The ingest findings, the staged bytes, the batches' own label QA
/// results and published versions are never changed. Promotion reads the newest
/// findings, so its gate decides what a changed verdict means. Three steps, each one activity: plan (names cut
/// into chunks, written as report blobs), check a chunk (idempotent: a row already checked under these rules is
/// counted from the row, not checked again), and finish (totals, and the gate's verdict on the current version
/// under the old and the new findings).
/// </summary>
public sealed class BackfillService(
    IImageCatalog catalog,
    IDatasetRegistry registry,
    IPromotionBlobs blobs,
    IReportStore reports,
    ImageGuard guard,
    LabelQaService labelQa,
    TimeProvider time,
    PipelineTelemetry? telemetry = null)
{
    /// <summary>Images per chunk.</summary>
    public const int DefaultChunkSize = 200;

    /// <summary>Changed images listed per report.</summary>
    public const int MaxExamples = 50;

    /// <summary>Findings ingest raises from other images (duplicates, the dataset's sizes): kept as they were, since the guard alone cannot raise them.</summary>
    private static readonly HashSet<string> Relational = new(StringComparer.Ordinal)
    {
        FindingCodes.ImageExactDuplicate, FindingCodes.ImageNearDuplicate, FindingCodes.ImageOddSize,
    };

    /// <summary>The image rules in force.</summary>
    public string Rules => RulesVersions.Images(guard.Options);

    /// <summary>A backfill's work folder in <c>reports</c>.</summary>
    public static string Folder(string dataset, string rules) => $"backfill/{dataset}/{rules}/";

    /// <summary>Where a finished backfill's report is.</summary>
    public static string ReportName(string folder) => folder + "report.json";

    private static string ChunkName(string folder, int chunk) => $"{folder}chunks/{chunk:D6}.json";

    private static string ResultName(string folder, int chunk) => $"{folder}results/{chunk:D6}.json";

    /// <summary>Lists the dataset's accepted images into chunks of <paramref name="chunkSize"/>, and the batches whose label QA is due again.</summary>
    public async Task<BackfillPlan> PlanAsync(string dataset, int chunkSize, CancellationToken cancellationToken)
    {
        var rules = Rules;
        var labelRules = labelQa.Rules;
        var labelBatches = new List<string>();
        var folder = Folder(dataset, rules);
        var chunk = new List<string>(chunkSize);
        int images = 0, chunks = 0;
        await foreach (var (batch, _, _) in registry.ListBatchesAsync(dataset, cancellationToken))
        {
            if (await LabelQaService.ReadCurrentAsync(reports, batch, labelRules, cancellationToken) is { } qa && qa.Result.Rules != labelRules)
            {
                labelBatches.Add(batch);
            }

            await foreach (var row in catalog.ListBatchAsync(batch, cancellationToken))
            {
                if (row is not { Status: IngestStatus.Accepted, Kind: CatalogKinds.Image, StagedPath: not null } || row.Dataset != dataset)
                {
                    continue;
                }

                chunk.Add(row.Name);
                images++;
                if (chunk.Count == Math.Max(1, chunkSize))
                {
                    await reports.WriteJsonAsync(ChunkName(folder, chunks++), chunk, cancellationToken);
                    chunk.Clear();
                }
            }
        }

        if (chunk.Count > 0)
        {
            await reports.WriteJsonAsync(ChunkName(folder, chunks++), chunk, cancellationToken);
        }

        var plan = new BackfillPlan(dataset, rules, folder, images, chunks, labelRules, labelBatches);
        await reports.WriteJsonAsync(folder + "plan.json", plan, cancellationToken);
        return plan;
    }

    /// <summary>Re-checks one chunk; returns (and keeps) its counts.</summary>
    public async Task<BackfillCounts> CheckChunkAsync(BackfillPlan plan, int index, CancellationToken cancellationToken)
    {
        if (plan.Rules != Rules)
        {
            // The rules changed under a running backfill: its chunks would mix two versions.
            throw new InvalidOperationException($"The image rules changed from {plan.Rules} to {Rules} during the backfill; start a new one.");
        }

        var names = await reports.ReadJsonAsync<List<string>>(ChunkName(plan.Folder, index), cancellationToken)
            ?? throw new InvalidOperationException($"Backfill chunk {index} of '{plan.Dataset}' is missing.");
        int unchanged = 0, changed = 0, verdicts = 0, missing = 0;
        var added = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var removed = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var examples = new List<ChangedImage>();
        foreach (var name in names)
        {
            if (await catalog.GetAsync(name, cancellationToken) is not { Value: { Status: IngestStatus.Accepted, StagedPath: { } staged } row })
            {
                missing++;
                continue;
            }

            var earlier = row.Recheck is { } done && done.Rules == plan.Rules ? done : null; // checked by an earlier run (or attempt) under these rules
            var recheck = earlier ?? await RecheckAsync(row, staged, plan.Rules, cancellationToken);
            if (recheck is null)
            {
                missing++;
                continue;
            }

            var ingested = row.Findings.Select(f => f.Code).ToHashSet(StringComparer.Ordinal);
            var now = recheck.Findings.Select(f => f.Code).ToHashSet(StringComparer.Ordinal);
            var gained = now.Except(ingested).Order(StringComparer.Ordinal).ToList();
            var lost = ingested.Except(now).Order(StringComparer.Ordinal).ToList();
            foreach (var code in gained)
            {
                added[code] = added.GetValueOrDefault(code) + 1;
            }

            foreach (var code in lost)
            {
                removed[code] = removed.GetValueOrDefault(code) + 1;
            }

            string change;
            if (recheck.Verdict != IngestStatus.Accepted)
            {
                (verdicts, change) = (verdicts + 1, "verdict");
            }
            else if (gained.Count + lost.Count > 0)
            {
                (changed, change) = (changed + 1, "findings");
            }
            else
            {
                (unchanged, change) = (unchanged + 1, "unchanged");
            }

            if (change != "unchanged" && examples.Count < MaxExamples)
            {
                examples.Add(new ChangedImage(name, gained, lost, recheck.Verdict.Name(), row.Promoted));
            }

            if (earlier is null)
            {
                telemetry?.BackfillImages.Add(1, new KeyValuePair<string, object?>("pipeline.change", change));
            }
        }

        var counts = BackfillCounts.Empty.Plus(new BackfillCounts(names.Count - missing, unchanged, changed, verdicts, missing, added, removed, examples));
        await reports.WriteJsonAsync(ResultName(plan.Folder, index), counts, cancellationToken);
        return counts;
    }

    /// <summary>Adds the chunks' counts, judges the current version with the gate before and after, and writes the report.</summary>
    public async Task<BackfillReport> FinishAsync(BackfillPlan plan, CancellationToken cancellationToken)
    {
        var totals = BackfillCounts.Empty;
        for (var i = 0; i < plan.Chunks; i++)
        {
            totals = totals.Plus(await reports.ReadJsonAsync<BackfillCounts>(ResultName(plan.Folder, i), cancellationToken)
                ?? throw new InvalidOperationException($"Backfill chunk {i} of '{plan.Dataset}' has no result."));
        }

        LabelBackfill? labels = null;
        if (plan.LabelBatches is { Count: > 0 } batches)
        {
            var before = new SortedDictionary<string, int>(StringComparer.Ordinal);
            var after = new SortedDictionary<string, int>(StringComparer.Ordinal);
            foreach (var batch in batches)
            {
                Count(before, await reports.ReadJsonAsync<LabelQaResult>(LabelQaService.ResultName(batch), cancellationToken));
                Count(after, await reports.ReadJsonAsync<LabelQaResult>(LabelQaService.ResultName(batch, plan.LabelRules), cancellationToken)
                    ?? throw new InvalidOperationException($"Label QA of batch '{batch}' under {plan.LabelRules} left no result."));
            }

            labels = new LabelBackfill(plan.LabelRules, batches.Count, before, after);
        }

        static void Count(SortedDictionary<string, int> into, LabelQaResult? result)
        {
            foreach (var code in result?.Codes ?? [])
            {
                into[code.Code] = into.GetValueOrDefault(code.Code) + code.Count;
            }
        }

        var report = new BackfillReport(plan.Dataset, plan.Rules, totals, await GateImpactAsync(plan.Dataset, plan.LabelRules, cancellationToken), time.GetUtcNow(), labels);
        await reports.WriteJsonAsync(ReportName(plan.Folder), report, cancellationToken);
        return report;
    }

    private async Task<ImageRecheck?> RecheckAsync(CatalogEntry row, string staged, string rules, CancellationToken cancellationToken)
    {
        if (await blobs.ReadStagedAsync(staged, cancellationToken) is not { } bytes)
        {
            return null;
        }

        var inspection = await guard.InspectAsync(bytes, BlobNames.FileNameOf(row.Name), cancellationToken, row.Sha256);
        IReadOnlyList<Finding> findings = [.. inspection.Findings, .. row.Findings.Where(f => Relational.Contains(f.Code))];
        var verdict = findings.Any(f => f.Severity == Severity.Error) ? IngestStatus.Rejected : IngestStatus.Accepted;
        var recheck = new ImageRecheck(rules, time.GetUtcNow(), findings, verdict);
        await catalog.RecordRecheckAsync(row.Name, recheck, cancellationToken);
        return recheck;
    }

    private async Task<GateImpact?> GateImpactAsync(string dataset, string labelRules, CancellationToken cancellationToken)
    {
        var pointer = await registry.GetPointerAsync(dataset, cancellationToken);
        if (pointer.Current is not { } version)
        {
            return null;
        }

        // An invalid gate file would fail any promotion; the verdicts are then the built-in default's, and say so.
        var loaded = await LoadedGate.ReadAsync(blobs, dataset, cancellationToken);
        var (gate, gateFile, gateSha) = loaded.Gate is { } valid
            ? (valid, loaded.File, loaded.Sha256)
            : (QualityGate.Default, $"default ({loaded.File} is invalid: {string.Join("; ", loaded.Problems)})", string.Empty);

        // The version's images with the findings they were published with, and with the newest ones.
        var before = new GateObservations();
        var after = new GateObservations();
        var images = 0;
        var sources = await PromotionService.ReadSourcesAsync(
            blobs,
            dataset,
            version,
            entry =>
            {
                images++;
                before.AddLabelledImage(entry.Labels.Select(l => l.Label));
                after.AddLabelledImage(entry.Labels.Select(l => l.Label));
            },
            cancellationToken);
        if (sources is null)
        {
            return null;
        }

        foreach (var (batch, names) in sources)
        {
            await foreach (var row in catalog.ListBatchAsync(batch, cancellationToken))
            {
                if (names.TryGetValue(row.Name, out var fileName))
                {
                    before.AddImage(fileName, row.Findings);
                    after.AddImage(fileName, row.CurrentFindings);
                }
            }

            if (await reports.ReadJsonAsync<LabelQaResult>(LabelQaService.ResultName(batch), cancellationToken) is { } own)
            {
                before.AddLabelReport(own);
            }

            if (await LabelQaService.ReadCurrentAsync(reports, batch, labelRules, cancellationToken) is { } current)
            {
                after.AddLabelReport(current.Result);
            }
        }

        foreach (var seen in new[] { before, after })
        {
            (seen.VersionImages, seen.ParentImages) = (images, images);
        }

        var now = time.GetUtcNow();
        var was = GateEvaluator.Evaluate(dataset, gate, gateFile, gateSha, before, now);
        var becomes = GateEvaluator.Evaluate(dataset, gate, gateFile, gateSha, after, now);
        var changed = was.Expectations.Zip(becomes.Expectations)
            .Where(p => p.First.Success != p.Second.Success)
            .Select(p => $"{p.Second.Expectation.Expect}: {(p.Second.Success ? "now holds" : "now fails")} ({p.Second.Summary})")
            .ToList();
        return new GateImpact(version, gateFile, was.Passed, becomes.Passed, changed);
    }
}
