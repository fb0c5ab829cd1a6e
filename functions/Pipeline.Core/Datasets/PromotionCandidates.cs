using Pipeline.Core.Findings;
using Pipeline.Core.Gates;
using Pipeline.Core.Ingest;
using Pipeline.Core.Labels;

namespace Pipeline.Core.Datasets;

/// <summary>
/// The images a promotion takes from the batches it reads: one candidate per content (later uploads of the same
/// bytes add their names, and their boxes when they are newer), with the boxes of the batch's annotation files,
/// the batch's label QA report for the gate, and every row as the plan saw it (so the promotion can tell, when it
/// finishes, whether a batch changed under it). Everything here grows with the batches read, never with the dataset.
/// </summary>
internal sealed class PromotionCandidates(IImageCatalog catalog, IPromotionBlobs blobs, ILabelQaStore reports, LabelQaOptions labelOptions)
{
    private readonly string labelRules = RulesVersions.Labels(labelOptions);

    /// <summary>One image read from the batches.</summary>
    internal sealed class Candidate
    {
        public required CatalogEntry Row { get; init; }

        public required string FileName { get; init; }

        public List<string> Names { get; } = [];

        public List<ManifestBox>? Labels { get; set; }

        /// <summary>When the upload whose annotations gave <see cref="Labels"/> was ingested: a later upload of the same bytes with boxes relabels it.</summary>
        public DateTimeOffset LabelledAt { get; set; }

        /// <summary>The split its batch's own lists or folders give it (<see cref="DatasetSplits"/>), if any.</summary>
        public string? Split { get; set; }

        public MergeCandidate ToMerge() => new(
            new ManifestEntry(string.Empty, Row.Sha256, string.Empty, 0, Path.GetExtension(Row.StagedPath!).TrimStart('.'), Row.Width!.Value, Row.Height!.Value,
                Split ?? string.Empty, Labels ?? [], Row.Name, FileName, Split is null ? null : ManifestEntry.SplitFromDataset),
            Labels is not null);
    }

    /// <summary>The candidates by ingested SHA-256.</summary>
    public Dictionary<string, Candidate> BySha { get; } = new(StringComparer.Ordinal);

    /// <summary>Every row read, per batch: name → <see cref="PromotionWork.RowState"/>.</summary>
    public SortedDictionary<string, Dictionary<string, string>> RowsRead { get; } = new(StringComparer.Ordinal);

    /// <summary>The label QA reports of the batches read (their names in <c>reports</c>).</summary>
    public List<string> QaReports { get; } = [];

    /// <summary>The candidates in SHA-256 order, as the merge wants them.</summary>
    public List<MergeCandidate> Ordered() => [.. BySha.Values.OrderBy(c => c.Row.Sha256, StringComparer.Ordinal).Select(c => c.ToMerge())];

    /// <summary>Reads one batch's rows of <paramref name="dataset"/>; its label QA report goes to <paramref name="seen"/>.</summary>
    public async Task ReadBatchAsync(string dataset, string batch, GateObservations seen, CancellationToken cancellationToken)
    {
        var rows = RowsRead[batch] = new Dictionary<string, string>(StringComparer.Ordinal);
        var labelFiles = new List<CatalogEntry>();
        var splitLists = new List<CatalogEntry>();
        var images = new List<Candidate>();
        var again = new List<(Candidate First, Candidate Here)>();
        await foreach (var row in catalog.ListBatchAsync(batch, cancellationToken))
        {
            rows[row.Name] = PromotionWork.RowState(row.Status, row.Sha256);
            if (row.Status != IngestStatus.Accepted || row.Dataset != dataset || row.StagedPath is null)
            {
                continue;
            }

            if (row.Kind == CatalogKinds.Labels)
            {
                labelFiles.Add(row);
            }
            else if (row.Kind == CatalogKinds.Layout)
            {
                if (row.StagedPath.StartsWith(IngestService.StagedSplitListFolder, StringComparison.Ordinal))
                {
                    splitLists.Add(row); // a split list (label maps and masks are staged too, for label QA)
                }
            }
            else if (row is not { Width: not null, Height: not null })
            {
                continue;
            }
            else if (BySha.TryGetValue(row.Sha256, out var first))
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
                BySha[row.Sha256] = candidate;
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

        await AttachSplitsAsync(batch, rows.Keys, images, splitLists, labelFiles, cancellationToken);
        foreach (var (first, here) in again.Where(a => a.Here.Split is not null))
        {
            first.Split ??= here.Split;
        }

        if (await LabelQaService.ReadCurrentAsync(reports, batch, labelRules, cancellationToken) is { } qa)
        {
            seen.AddLabelReport(qa.Result, batch);
            QaReports.Add(qa.Name);
        }
    }

    /// <summary>
    /// The near-duplicate pairs the candidates take part in as the later image. The finding names the earlier
    /// image and its hash; a finding written before hashes were recorded costs one catalog read.
    /// </summary>
    public async Task AddPairsAsync(NearPairWatch watch, CancellationToken cancellationToken)
    {
        foreach (var candidate in BySha.Values)
        {
            foreach (var finding in candidate.Row.Findings.Where(f => f.Code == FindingCodes.ImageNearDuplicate && f.Subject is not null))
            {
                var earlier = finding.Subject!;
                var sha = finding.SubjectSha256;
                if (sha is null && await catalog.GetAsync(earlier, cancellationToken) is { Value: { Status: IngestStatus.Accepted } other })
                {
                    sha = other.Sha256;
                }

                if (sha is not null)
                {
                    watch.Add(new NearPair(candidate.Row.Sha256, candidate.FileName, sha, Relative(BlobNames.BatchOf(earlier), earlier)));
                }
            }
        }
    }

    /// <summary>A blob's name within its batch.</summary>
    public static string Relative(string batch, string name) => name.StartsWith(batch + "/", StringComparison.Ordinal) ? name[(batch.Length + 1)..] : name;

    /// <summary>
    /// The split the batch's layout gives each of its images: its staged split lists (VOC ImageSets, YOLO list files)
    /// and split folders, read as <see cref="DatasetSplits"/> reads a folder. Nothing is read for a batch with neither.
    /// </summary>
    private async Task AttachSplitsAsync(
        string batch, IEnumerable<string> names, List<Candidate> images, List<CatalogEntry> listRows, List<CatalogEntry> labelRows, CancellationToken cancellationToken)
    {
        var paths = names.Select(n => Relative(batch, n)).ToList();
        if (listRows.Count == 0 && !paths.Any(p => p.Split('/')[..^1].Any(f => DatasetSplits.Normalise(f) is not null)))
        {
            return;
        }

        // Lists a data.yaml names for its splits (train: train2017.txt), then every list its name or its config places.
        var named = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var config in labelRows.Where(r => DatasetSplits.IsConfig(r.Name)))
        {
            var text = await blobs.ReadStagedAsync(config.StagedPath!, cancellationToken) ?? throw new InvalidOperationException($"staging/{config.StagedPath} is missing.");
            foreach (var (list, split) in DatasetSplits.NamedByConfig(Relative(batch, config.Name), System.Text.Encoding.UTF8.GetString(text), paths))
            {
                named.TryAdd(list, split);
            }
        }

        var lists = new List<SplitList>();
        foreach (var row in listRows.Where(r => DatasetSplits.SplitOf(r.Name) is not null || named.ContainsKey(Relative(batch, r.Name))))
        {
            var bytes = await blobs.ReadStagedAsync(row.StagedPath!, cancellationToken) ?? throw new InvalidOperationException($"staging/{row.StagedPath} is missing.");
            lists.Add(new SplitList(Relative(batch, row.Name), System.Text.Encoding.UTF8.GetString(bytes), named.GetValueOrDefault(Relative(batch, row.Name))));
        }

        var assignment = DatasetSplits.Assign([.. images.Select(i => i.FileName)], paths, lists);
        foreach (var image in images)
        {
            image.Split = assignment.ByImage.GetValueOrDefault(image.FileName);
        }
    }

    private async Task AttachLabelsAsync(string batch, List<Candidate> images, List<CatalogEntry> labelRows, CancellationToken cancellationToken)
    {
        // The published labels: the batch's own annotation files and its ground truth, not the individual annotators'.
        var rows = labelRows.Where(r => AnnotatorFiles.AnnotatorOf(Relative(batch, r.Name)) is null).ToList();
        var files = new List<LabelFile>();
        foreach (var row in rows)
        {
            var bytes = await blobs.ReadStagedAsync(row.StagedPath!, cancellationToken) ?? throw new InvalidOperationException($"staging/{row.StagedPath} is missing.");
            var relative = AnnotatorFiles.IsGroundTruth(Relative(batch, row.Name)) ? AnnotatorFiles.WithinFolder(Relative(batch, row.Name)) : Relative(batch, row.Name);
            files.Add(new LabelFile(relative, row.Length, () => new MemoryStream(bytes, writable: false)));
        }

        var byName = images.ToDictionary(i => i.FileName, StringComparer.Ordinal);
        var pairing = new ImagePairing(byName.Keys);
        foreach (var image in images)
        {
            image.Labels = [];
        }

        foreach (var source in LabelFiles.Read(files, [.. byName.Keys], labelOptions))
        {
            var document = source.Document;
            var categories = document.CategoryNames();
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
}
