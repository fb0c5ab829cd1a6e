using System.Text.Json;
using Pipeline.Core.Findings;
using Pipeline.Core.Images;
using Pipeline.Core.Ingest;

namespace Pipeline.Core.Labels;

/// <summary>The <c>reports</c> container: label QA results, health profiles, backfill work and reports.</summary>
public interface IReportStore
{
    /// <summary>Writes <c>reports/{name}</c> whole (a single PUT: readers never see half of it).</summary>
    Task WriteReportAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>Reads <c>reports/{name}</c>, or null.</summary>
    Task<byte[]?> ReadReportAsync(string name, CancellationToken cancellationToken);

    /// <summary>Whether a report blob exists (without reading it where the store can tell).</summary>
    async Task<bool> ExistsAsync(string name, CancellationToken cancellationToken) => await ReadReportAsync(name, cancellationToken) is not null;
}

/// <summary>JSON documents in <c>reports</c>, as every service that keeps work or results there reads and writes them.</summary>
public static class ReportStoreJson
{
    /// <summary>Reads <c>reports/{name}</c> as <typeparamref name="T"/>, or null when it is not there.</summary>
    public static async Task<T?> ReadJsonAsync<T>(this IReportStore reports, string name, CancellationToken cancellationToken)
        where T : class =>
        await reports.ReadReportAsync(name, cancellationToken) is { } bytes ? JsonSerializer.Deserialize<T>(bytes, PipelineJson.Options) : null;

    /// <summary>Writes <paramref name="value"/> as <c>reports/{name}</c> whole.</summary>
    public static Task WriteJsonAsync<T>(this IReportStore reports, string name, T value, CancellationToken cancellationToken) =>
        reports.WriteReportAsync(name, JsonSerializer.SerializeToUtf8Bytes(value, PipelineJson.Options), cancellationToken);
}

/// <summary>Where label QA reads staged files and writes its reports. Implemented over Blob and Table storage in Pipeline.Storage.</summary>
public interface ILabelQaStore : IReportStore
{
    /// <summary>Opens a staged blob (<c>staging/{path}</c>) for reading.</summary>
    Task<Stream> OpenStagedAsync(string stagedPath, CancellationToken cancellationToken);

    /// <summary>Records the batch's summary row (replacing an earlier run's).</summary>
    Task RecordSummaryAsync(LabelQaSummary summary, CancellationToken cancellationToken);
}

/// <summary>An image of the batch, as label QA pairs annotations with it.</summary>
public sealed record PlannedImage(string Name, int Width, int Height, string? TraceParent = null);

/// <summary>An accepted annotation file of the batch.</summary>
public sealed record PlannedLabelFile(string Name, string StagedPath, long Length);

/// <summary>The plan of one label QA run, written to <c>reports/{batch}/qa-plan.json</c>: what each unit reads.</summary>
/// <param name="Batch">The batch.</param>
/// <param name="Images">Its accepted images.</param>
/// <param name="Files">Its accepted annotation files.</param>
/// <param name="Units">Per unit, indexes into <paramref name="Files"/> (from <paramref name="FirstMaskUnit"/> on, into <paramref name="Masks"/>).</param>
/// <param name="Masks">Its staged segmentation masks (their colours) and label maps, when it has any.</param>
/// <param name="FirstMaskUnit">The first unit that reads masks; the units before it read annotation files.</param>
public sealed record LabelQaPlan(
    string Batch, IReadOnlyList<PlannedImage> Images, IReadOnlyList<PlannedLabelFile> Files, IReadOnlyList<int[]> Units,
    IReadOnlyList<PlannedLabelFile>? Masks = null, int? FirstMaskUnit = null);

/// <summary>What one unit found, written to <c>reports/{batch}/qa-units/{index}.json</c>.</summary>
/// <param name="Index">The unit.</param>
/// <param name="Files">Its files.</param>
/// <param name="Boxes">Their boxes.</param>
/// <param name="BoxesPerLabel">Boxes per label name (an undefined id as <c>#id</c>).</param>
/// <param name="FindingsPerLabel">Finding counts per label and code.</param>
/// <param name="Codes">Its findings by code, without the dataset-wide ones (<see cref="LabelTally.DatasetWideCodes"/>).</param>
/// <param name="Annotators">Agreement per annotator.</param>
/// <param name="Disputed">The images annotators disagree on most.</param>
/// <param name="Defined">Each label its files define (files with boxes), with the first file defining it: finish judges unused labels over the whole batch.</param>
/// <param name="MaskKey">What its annotation files say the batch's masks hold (VOC objects, panoptic segments); finish checks the masks against it.</param>
/// <param name="Masks">A mask unit's masks (path within the batch, colours).</param>
/// <param name="LabelMaps">A mask unit's label maps (path within the batch, entries).</param>
public sealed record LabelQaUnitResult(
    int Index, IReadOnlyList<string> Files, int Boxes, IReadOnlyDictionary<string, int> BoxesPerLabel,
    IReadOnlyDictionary<string, Dictionary<string, int>> FindingsPerLabel, IReadOnlyList<CodeSummary> Codes, IReadOnlyList<AnnotatorScore> Annotators, IReadOnlyList<DisputedImage> Disputed,
    IReadOnlyDictionary<string, string>? Defined = null, MaskKeyParts? MaskKey = null, IReadOnlyList<UnitMask>? Masks = null, IReadOnlyList<UnitLabelMap>? LabelMaps = null);

/// <summary>A mask a unit read: its path within the batch and its colours.</summary>
public sealed record UnitMask(string Path, MaskPixels Pixels);

/// <summary>A label map a unit read: its path within the batch and its labels.</summary>
public sealed record UnitLabelMap(string Path, IReadOnlyList<LabelMapEntry> Entries);

/// <summary>
/// The batch's label QA result, <c>reports/{batch}/qa.json</c> (a backfill's: <c>qa.{rules}.json</c>); <c>Rules</c>
/// is the label rules' version it was checked under (null in results written before it was recorded).
/// </summary>
public sealed record LabelQaResult(
    string Batch, int Images, int LabelFiles, int Boxes, int Errors, int Warnings, int Infos,
    IReadOnlyList<CodeSummary> Codes, IReadOnlyDictionary<string, int> BoxesPerLabel,
    IReadOnlyDictionary<string, Dictionary<string, int>> FindingsPerLabel, IReadOnlyList<AnnotatorScore> Annotators, IReadOnlyList<DisputedImage> Disputed, DateTimeOffset CheckedAt,
    string? Rules = null);

/// <summary>The batch's summary row: counts only.</summary>
public sealed record LabelQaSummary(string Batch, int Images, int LabelFiles, int Boxes, int Errors, int Warnings, int Infos, DateTimeOffset CheckedAt);

/// <summary>
/// Label QA over one batch in three steps, each small enough for one activity: plan (the batch's accepted
/// images and annotation files, cut into units), check one unit (its files read and checked against the
/// batch's images; agreement when boxes carry annotators), and finish (units merged; label-count
/// statistics — few samples, imbalance, dominance — recomputed over the whole batch). Everything passes
/// through report blobs, so activity inputs and outputs are names and counts.
/// </summary>
public sealed class LabelQaService(
    IImageCatalog catalog, ILabelQaStore store, Microsoft.Extensions.Options.IOptions<LabelQaOptions> options, TimeProvider time, Telemetry.PipelineTelemetry? telemetry = null)
{
    /// <summary>YOLO label files or VOC files read by one unit.</summary>
    public const int FilesPerUnit = 500;

    /// <summary>Segmentation masks (their staged colours, a few hundred bytes each) read by one unit.</summary>
    public const int MasksPerUnit = 2000;

    /// <summary>
    /// The report blob names of a batch's run. A backfill's run under rules <paramref name="rules"/> keeps its
    /// work and its result beside the batch's own (<c>qa.{rules}.json</c>), never over them.
    /// </summary>
    public static string PlanName(string batch, string? rules = null) => $"{Folder(batch, rules)}qa-plan.json";

    /// <inheritdoc cref="PlanName"/>
    public static string UnitName(string batch, int index, string? rules = null) => $"{Folder(batch, rules)}qa-units/{index:D6}.json";

    /// <inheritdoc cref="PlanName"/>
    public static string ResultName(string batch, string? rules = null) => rules is null ? $"{Escape(batch)}/qa.json" : $"{Escape(batch)}/qa.{rules}.json";

    /// <summary>The rules in force (<see cref="RulesVersions.Labels"/>).</summary>
    public string Rules => RulesVersions.Labels(options.Value);

    /// <summary>
    /// The batch's newest QA result and its blob name: its own (<c>qa.json</c>), or a backfill's under the rules in
    /// force when that was checked later. Null when the batch was never checked.
    /// </summary>
    public static async Task<(string Name, LabelQaResult Result)?> ReadCurrentAsync(IReportStore reports, string batch, string rules, CancellationToken cancellationToken)
    {
        (string, LabelQaResult)? newest = null;
        foreach (var name in new[] { ResultName(batch), ResultName(batch, rules) })
        {
            if (await reports.ReadJsonAsync<LabelQaResult>(name, cancellationToken) is { } result
                && (newest is null || result.CheckedAt > newest.Value.Item2.CheckedAt))
            {
                newest = (name, result);
            }
        }

        return newest;
    }

    /// <summary>Plans the run: returns the number of units.</summary>
    public async Task<LabelQaPlan> PlanAsync(string batch, CancellationToken cancellationToken, string? rules = null)
    {
        var images = new List<PlannedImage>();
        var files = new List<PlannedLabelFile>();
        var masks = new List<PlannedLabelFile>();
        await foreach (var row in catalog.ListBatchAsync(batch, cancellationToken))
        {
            if (row.Status != IngestStatus.Accepted || row.StagedPath is null)
            {
                continue;
            }

            if (row.Kind == CatalogKinds.Labels)
            {
                files.Add(new PlannedLabelFile(row.Name, row.StagedPath, row.Length));
            }
            else if (row.Kind == CatalogKinds.Layout)
            {
                if (row.StagedPath.StartsWith(IngestService.StagedMaskFolder, StringComparison.Ordinal) || SegmentationMasks.IsLabelMap(row.Name))
                {
                    masks.Add(new PlannedLabelFile(row.Name, row.StagedPath, row.Length));
                }
            }
            else if (row is { Width: { } w, Height: { } h })
            {
                images.Add(new PlannedImage(row.Name, w, h, row.TraceParent));
            }
        }

        images.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        files.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        var units = new List<int[]>();
        var indexed = files.Select((f, i) => (File: f, Index: i)).ToList();
        // A COCO file per unit, YOLO and VOC files 500 to a unit; the files of annotators and the ground truth
        // (annotators/{name}/…, ground-truth/…) all in one unit, read together for agreement.
        bool Agreement(string name) => AnnotatorFiles.AnnotatorOf(name) is not null || AnnotatorFiles.IsGroundTruth(name);
        var panel = indexed.Where(f => Agreement(f.File.Name)).ToList();
        indexed = [.. indexed.Except(panel)];
        units.AddRange(indexed.Where(f => LabelFiles.FormatOf(f.File.Name) == LabelFormat.Coco).Select(f => new[] { f.Index }));
        units.AddRange(indexed.Where(f => LabelFiles.FormatOf(f.File.Name) == LabelFormat.Voc).Chunk(FilesPerUnit).Select(c => c.Select(f => f.Index).ToArray()));
        var yolo = indexed.Where(f => LabelFiles.FormatOf(f.File.Name) == LabelFormat.Yolo).ToList();
        var classLists = yolo.Where(f => YoloFormat.IsClassList(f.File.Name)).Select(f => f.Index).ToArray();
        units.AddRange(yolo.Where(f => !classLists.Contains(f.Index)).Chunk(FilesPerUnit).Select(c => classLists.Concat(c.Select(f => f.Index)).ToArray()));
        if (panel.Count > 0)
        {
            // The annotators' files (any format) and the ground truth are read together, with the batch's class lists.
            units.Add([.. classLists, .. panel.Select(f => f.Index)]);
        }

        // Masks in units of their own, each with the batch's label maps; finish checks them against what the annotation units found.
        masks.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        int? firstMaskUnit = null;
        var maps = masks.Select((m, i) => (m, i)).Where(p => SegmentationMasks.IsLabelMap(p.m.Name)).Select(p => p.i).ToArray();
        var maskIndexes = Enumerable.Range(0, masks.Count).Except(maps).ToList();
        if (maskIndexes.Count > 0)
        {
            firstMaskUnit = units.Count;
            units.AddRange(maskIndexes.Chunk(MasksPerUnit).Select(c => maps.Concat(c).ToArray()));
        }

        var plan = new LabelQaPlan(batch, images, files, units, masks.Count > 0 ? masks : null, firstMaskUnit);
        await store.WriteJsonAsync(PlanName(batch, rules), plan, cancellationToken);
        return plan;
    }

    /// <summary>Checks one unit of the plan and writes its result; returns it.</summary>
    public async Task<LabelQaUnitResult> CheckUnitAsync(string batch, int index, CancellationToken cancellationToken, string? rules = null)
    {
        var plan = await store.ReadJsonAsync<LabelQaPlan>(PlanName(batch, rules), cancellationToken) ?? throw new InvalidOperationException($"No label QA plan for batch '{batch}'.");
        using var span = Telemetry.PipelineTelemetry.StartLinked("labelqa.unit", plan.Images.Select(i => i.TraceParent), ("pipeline.batch", batch), ("pipeline.unit", index));
        var prefix = batch + "/";
        string Relative(string name) => name.StartsWith(prefix, StringComparison.Ordinal) ? name[prefix.Length..] : name;
        if (plan.FirstMaskUnit is { } firstMask && index >= firstMask)
        {
            var read = await ReadMasksAsync(index, plan, Relative, cancellationToken);
            await store.WriteJsonAsync(UnitName(batch, index, rules), read, cancellationToken);
            return read;
        }

        // Each staged file is opened as a stream the readers consume once (a COCO file is never held whole).
        var streams = new List<Stream>();
        var files = new List<LabelFile>();
        foreach (var file in plan.Units[index].Select(i => plan.Files[i]))
        {
            var stream = await store.OpenStagedAsync(file.StagedPath, cancellationToken);
            streams.Add(stream);
            if (YoloFormat.IsClassList(file.Name))
            {
                // A class list may serve several groups of the unit: held (it is small) and opened afresh each time.
                using var copy = new MemoryStream();
                await stream.CopyToAsync(copy, cancellationToken);
                var bytes = copy.ToArray();
                files.Add(new LabelFile(Relative(file.Name), file.Length, () => new MemoryStream(bytes, writable: false)));
            }
            else
            {
                files.Add(new LabelFile(Relative(file.Name), file.Length, () => stream));
            }
        }

        try
        {
            var result = await CheckFilesAsync(index, plan, files, Relative);
            await store.WriteJsonAsync(UnitName(batch, index, rules), result, cancellationToken);
            return result;
        }
        finally
        {
            foreach (var stream in streams)
            {
                await stream.DisposeAsync();
            }
        }
    }

    private async Task<LabelQaUnitResult> CheckFilesAsync(int index, LabelQaPlan plan, List<LabelFile> files, Func<string, string> relative)
    {
        var real = new Dictionary<string, (int Width, int Height)>(StringComparer.Ordinal);
        foreach (var image in plan.Images)
        {
            real.TryAdd(relative(image.Name), (image.Width, image.Height));
        }

        var codes = new List<LabelFinding>();
        var boxesPerLabel = new Dictionary<string, int>(StringComparer.Ordinal);
        var annotators = new List<AnnotatorScore>();
        var disputed = new List<DisputedImage>();
        var boxes = 0;
        var tally = new LabelTally();
        var maskKey = new MaskKey();
        var panel = new List<(string Annotator, LabelDocument Document)>();
        LabelDocument? truth = null;
        var agreementOptions = new AgreementOptions { Iou = options.Value.AgreementIou, Quorum = options.Value.AgreementQuorum };
        // Files are read in groups: each annotator's, the ground truth's, and the rest; a group's paths are taken
        // relative to its folder (so annotators/ann/labels/x.txt pairs with images/x.jpg like labels/x.txt does),
        // and a group without a class list of its own uses the batch's.
        static string GroupOf(string path) => AnnotatorFiles.AnnotatorOf(path) is { } a ? "a:" + a : AnnotatorFiles.IsGroundTruth(path) ? "t" : string.Empty;
        var groups = files.GroupBy(f => GroupOf(f.Path)).ToList();
        var shared = groups.Where(g => g.Key.Length == 0).SelectMany(g => g).Where(f => YoloFormat.IsClassList(f.Path)).ToList();
        var imageNames = plan.Images.Select(i => relative(i.Name)).ToList();
        foreach (var group in groups)
        {
            var members = group.Key.Length == 0
                ? group.Where(f => groups.Count == 1 || !YoloFormat.IsClassList(f.Path)).ToList() // shared class lists serve the other groups
                : [.. group.Select(f => f with { Path = AnnotatorFiles.WithinFolder(f.Path) })];
            if (group.Key.Length > 0 && !members.Any(f => YoloFormat.IsClassList(f.Path)) && members.Any(f => LabelFiles.FormatOf(f.Path) == LabelFormat.Yolo))
            {
                members.AddRange(shared);
            }

            if (members.All(f => YoloFormat.IsClassList(f.Path)))
            {
                continue;
            }

            foreach (var source in LabelFiles.Read(members, imageNames, options.Value))
            {
                var document = source.Document;
                if (group.Key.StartsWith("a:", StringComparison.Ordinal))
                {
                    panel.Add((group.Key[2..], document));
                }
                else if (group.Key == "t")
                {
                    truth ??= document;
                }

                boxes += document.Boxes.Count;
                tally.Add(document, source.Source);
                maskKey.Add(document);
                codes.AddRange(LabelChecks.Run(document, real, options.Value).Where(f => !LabelTally.DatasetWideCodes.Contains(f.Finding.Code)));
                var names = document.CategoryNames();
                foreach (var box in document.Boxes)
                {
                    var label = names.GetValueOrDefault(box.CategoryId) ?? $"#{box.CategoryId}";
                    boxesPerLabel[label] = boxesPerLabel.GetValueOrDefault(label) + 1;
                }

                if (group.Key.Length == 0 && document.Boxes.Any(b => b.Annotator is not null))
                {
                    var agreement = Agreement.Score(document, null, agreementOptions);
                    annotators.AddRange(agreement.Annotators);
                    disputed.AddRange(agreement.Disputed);
                }
            }
        }

        if (panel.Count > 0)
        {
            // One file per annotator: merged into one model, scored against the ground truth when there is one.
            var (merged, reference) = AnnotatorFiles.Merge(panel, truth);
            var agreement = Agreement.Score(merged, reference, agreementOptions);
            annotators.AddRange(agreement.Annotators);
            disputed.AddRange(agreement.Disputed);
        }

        var report = LabelReport.Build(new LabelDocument { Format = LabelFormat.Coco }, codes);
        var perLabel = codes.Where(f => f.Label is not null).GroupBy(f => f.Label!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.GroupBy(f => f.Finding.Code, StringComparer.Ordinal).ToDictionary(c => c.Key, c => c.Count(), StringComparer.Ordinal), StringComparer.Ordinal);
        return new LabelQaUnitResult(
            index, [.. files.Select(f => f.Path)], boxes, boxesPerLabel, perLabel, report.Codes, annotators, disputed, tally.Defined, maskKey.IsEmpty ? null : maskKey.Parts);
    }

    /// <summary>A mask unit: its masks' staged colours and its label maps read (a label map's own problems found here); finish checks the masks.</summary>
    private async Task<LabelQaUnitResult> ReadMasksAsync(int index, LabelQaPlan plan, Func<string, string> relative, CancellationToken cancellationToken)
    {
        var masks = new List<UnitMask>();
        var maps = new List<UnitLabelMap>();
        var findings = new List<LabelFinding>();
        foreach (var file in plan.Units[index].Select(i => plan.Masks![i]))
        {
            await using var stream = await store.OpenStagedAsync(file.StagedPath, cancellationToken);
            if (SegmentationMasks.IsLabelMap(file.Name))
            {
                using var reader = new StreamReader(stream);
                var map = LabelMap.Parse(await reader.ReadToEndAsync(cancellationToken), relative(file.Name));
                maps.Add(new UnitLabelMap(relative(file.Name), map.Entries));
                findings.AddRange(map.Findings.Select(f => new LabelFinding(f)));
            }
            else
            {
                var pixels = await JsonSerializer.DeserializeAsync<MaskPixels>(stream, PipelineJson.Options, cancellationToken)
                    ?? throw new InvalidOperationException($"staging/{file.StagedPath} holds no mask.");
                masks.Add(new UnitMask(relative(file.Name), pixels));
            }
        }

        // Label maps are in every mask unit; their problems are counted by the first only.
        var codes = index == plan.FirstMaskUnit ? LabelReport.Build(new LabelDocument { Format = LabelFormat.Coco }, findings).Codes : [];
        return new LabelQaUnitResult(index, [.. plan.Units[index].Select(i => relative(plan.Masks![i].Name))], 0, new Dictionary<string, int>(), new Dictionary<string, Dictionary<string, int>>(), codes, [], [], Masks: masks, LabelMaps: maps);
    }

    /// <summary>The batch's masks checked against what its annotation files say, its images' sizes and its label maps (<see cref="SegmentationMasks.CheckAll"/>).</summary>
    private static List<LabelFinding> CheckMasks(LabelQaPlan plan, IReadOnlyList<LabelQaUnitResult> results)
    {
        var masks = results.SelectMany(r => r.Masks ?? []).ToList();
        if (masks.Count == 0)
        {
            return [];
        }

        var key = new MaskKey();
        foreach (var parts in results.Select(r => r.MaskKey).OfType<MaskKeyParts>())
        {
            key.Add(parts);
        }

        var prefix = plan.Batch + "/";
        var maps = results.SelectMany(r => r.LabelMaps ?? []).DistinctBy(m => m.Path).Select(m => (m.Path, new LabelMap(m.Entries, [])));
        var images = plan.Images.Select(i => (i.Name.StartsWith(prefix, StringComparison.Ordinal) ? i.Name[prefix.Length..] : i.Name, i.Width, i.Height));
        return [.. SegmentationMasks.CheckAll(masks.Select(m => (m.Path, m.Pixels)), key, maps, images).Select(f => new LabelFinding(f))];
    }

    /// <summary>
    /// Merges the units' results into <c>qa.json</c> and the summary row (a backfill's run: into
    /// <c>qa.{rules}.json</c> only; the summary row and the metrics stay the batch's own run's).
    /// </summary>
    public async Task<LabelQaSummary> FinishAsync(string batch, int units, CancellationToken cancellationToken, string? rules = null)
    {
        var plan = await store.ReadJsonAsync<LabelQaPlan>(PlanName(batch, rules), cancellationToken) ?? throw new InvalidOperationException($"No label QA plan for batch '{batch}'.");
        var results = new List<LabelQaUnitResult>();
        for (var i = 0; i < units; i++)
        {
            results.Add(await store.ReadJsonAsync<LabelQaUnitResult>(UnitName(batch, i, rules), cancellationToken) ?? throw new InvalidOperationException($"Unit {i} of batch '{batch}' has no result."));
        }

        var boxesPerLabel = results.SelectMany(r => r.BoxesPerLabel).GroupBy(p => p.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(p => p.Value), StringComparer.Ordinal);
        // Unused labels and the count statistics are judged over the whole batch (a unit sees only part of it); a unit
        // written before units recorded their labels counts every label it saw as defined.
        var tally = new LabelTally();
        foreach (var r in results)
        {
            tally.Merge(r.Defined is { } defined ? r.BoxesPerLabel.Where(p => defined.ContainsKey(p.Key)).ToDictionary() : r.BoxesPerLabel, r.Defined ?? new Dictionary<string, string>());
        }

        var statistics = tally.Findings(options.Value);
        var codes = results.SelectMany(r => r.Codes)
            .Concat(LabelReport.Build(new LabelDocument { Format = LabelFormat.Coco }, [.. statistics, .. CheckMasks(plan, results)]).Codes)
            .GroupBy(c => c.Code, StringComparer.Ordinal)
            .Select(g => new CodeSummary(
                g.Key, g.Max(c => c.Severity), g.Sum(c => c.Count),
                [.. g.SelectMany(c => c.Examples).OrderByDescending(f => f.Finding.Value is { } v ? Math.Abs(v) : double.NegativeInfinity).Take(LabelReport.ExamplesPerCode)]))
            .OrderByDescending(c => c.Severity).ThenByDescending(c => c.Count).ThenBy(c => c.Code, StringComparer.Ordinal)
            .ToList();
        var findingsPerLabel = results.SelectMany(r => r.FindingsPerLabel)
            .Concat(statistics.Where(f => f.Label is not null).Select(f => new KeyValuePair<string, Dictionary<string, int>>(f.Label!, new() { [f.Finding.Code] = 1 })))
            .GroupBy(p => p.Key, StringComparer.Ordinal)
            .ToDictionary(
                g => g.Key,
                g => g.SelectMany(p => p.Value).GroupBy(c => c.Key, StringComparer.Ordinal).ToDictionary(c => c.Key, c => c.Sum(x => x.Value), StringComparer.Ordinal),
                StringComparer.Ordinal);
        var annotators = results.SelectMany(r => r.Annotators).GroupBy(a => a.Annotator, StringComparer.Ordinal)
            .Select(g => new AnnotatorScore(g.Key, g.Sum(a => a.Images), g.Sum(a => a.Boxes), g.Sum(a => a.TruePositives), g.Sum(a => a.FalsePositives), g.Sum(a => a.FalseNegatives)))
            .OrderByDescending(a => a.F1).ThenBy(a => a.Annotator, StringComparer.Ordinal).ToList();
        var disputed = results.SelectMany(r => r.Disputed).OrderBy(d => d.MeanF1).ThenBy(d => d.Image, StringComparer.Ordinal).Take(new AgreementOptions().WorstImages).ToList();
        int Count(Severity severity) => codes.Where(c => c.Severity == severity).Sum(c => c.Count);

        var now = time.GetUtcNow();
        var result = new LabelQaResult(
            batch, plan.Images.Count, plan.Files.Count, results.Sum(r => r.Boxes), Count(Severity.Error), Count(Severity.Warning), Count(Severity.Info),
            codes, boxesPerLabel, findingsPerLabel, annotators, disputed, now, Rules);
        await store.WriteJsonAsync(ResultName(batch, rules), result, cancellationToken);
        var summary = new LabelQaSummary(batch, result.Images, result.LabelFiles, result.Boxes, result.Errors, result.Warnings, result.Infos, now);
        if (rules is not null)
        {
            return summary;
        }

        await store.RecordSummaryAsync(summary, cancellationToken);
        foreach (var code in codes)
        {
            telemetry?.LabelFindings.Add(code.Count, new System.Diagnostics.TagList { { "pipeline.finding.code", code.Code }, { "pipeline.finding.severity", code.Severity.ToString().ToLowerInvariant() } });
        }

        return summary;
    }

    /// <summary>Batch names may hold characters a blob path would misread ('/' among them); escape them once.</summary>
    private static string Escape(string batch) => Uri.EscapeDataString(batch);

    private static string Folder(string batch, string? rules) => rules is null ? $"{Escape(batch)}/" : $"{Escape(batch)}/backfill-{rules}/";
}
