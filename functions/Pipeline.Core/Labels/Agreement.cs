namespace Pipeline.Core.Labels;

/// <summary>Options for agreement between annotators.</summary>
public sealed class AgreementOptions
{
    /// <summary>Two boxes are the same object at this IoU or above (the usual detection-matching threshold).</summary>
    public double Iou { get; set; } = 0.5;

    /// <summary>
    /// How many annotators must have drawn an object for it to be in the consensus; 0 means a majority of those
    /// who annotated the image.
    /// </summary>
    public int Quorum { get; set; }

    /// <summary>Images listed as most disputed.</summary>
    public int WorstImages { get; set; } = 10;
}

/// <summary>One annotator's scorecard against the reference (the consensus, or the ground truth).</summary>
/// <param name="Annotator">Who.</param>
/// <param name="Images">Images they annotated.</param>
/// <param name="Boxes">Boxes they drew.</param>
/// <param name="TruePositives">Their boxes matching a reference box of the same label.</param>
/// <param name="FalsePositives">Their boxes matching none (extra boxes, or the wrong label).</param>
/// <param name="FalseNegatives">Reference boxes on their images that they did not draw.</param>
public sealed record AnnotatorScore(string Annotator, int Images, int Boxes, int TruePositives, int FalsePositives, int FalseNegatives)
{
    /// <summary>TP ÷ (TP + FP); 1 for an annotator who drew nothing.</summary>
    public double Precision => TruePositives + FalsePositives == 0 ? 1 : (double)TruePositives / (TruePositives + FalsePositives);

    /// <summary>TP ÷ (TP + FN); 1 when there was nothing to find.</summary>
    public double Recall => TruePositives + FalseNegatives == 0 ? 1 : (double)TruePositives / (TruePositives + FalseNegatives);

    /// <summary>Harmonic mean of precision and recall.</summary>
    public double F1 => Precision + Recall == 0 ? 0 : 2 * Precision * Recall / (Precision + Recall);
}

/// <summary>An image where annotators disagree: its file name and the annotators' mean F1 on it (lower is worse).</summary>
public sealed record DisputedImage(string Image, double MeanF1, int Annotators);

/// <summary>Agreement over a set of images: a scorecard per annotator and the most disputed images.</summary>
/// <param name="Reference">"consensus" or "ground truth".</param>
/// <param name="Annotators">Scorecards, best F1 first.</param>
/// <param name="Disputed">The images with the lowest mean F1.</param>
public sealed record AgreementReport(string Reference, IReadOnlyList<AnnotatorScore> Annotators, IReadOnlyList<DisputedImage> Disputed);

/// <summary>
/// Agreement between annotators who labelled the same images. Each annotator's boxes are matched to the
/// reference by IoU, greedily, highest IoU first, one to one; a match counts only with the same label. The
/// reference is either a ground-truth set, or the consensus: boxes of different annotators on one image are
/// grouped (at most one per annotator, IoU with the group's first box at or above the threshold), a group
/// drawn by at least the quorum is a consensus object, and its label is the group's most common one.
/// </summary>
public static class Agreement
{
    /// <summary>Scores the annotators of <paramref name="document"/> (boxes with an <see cref="LabelBox.Annotator"/>).</summary>
    /// <param name="document">The annotations, several annotators per image.</param>
    /// <param name="groundTruth">Reference boxes by image id (annotator ignored), or null for the consensus.</param>
    /// <param name="options">Threshold, quorum, list length.</param>
    public static AgreementReport Score(LabelDocument document, IReadOnlyDictionary<long, IReadOnlyList<LabelBox>>? groundTruth, AgreementOptions options)
    {
        var names = document.Images.GroupBy(i => i.Id).ToDictionary(g => g.Key, g => g.First().FileName);
        var totals = new Dictionary<string, (int Images, int Boxes, int Tp, int Fp, int Fn)>(StringComparer.Ordinal);
        var disputed = new List<DisputedImage>();
        foreach (var image in document.Boxes.Where(b => b.Annotator is not null).GroupBy(b => b.ImageId))
        {
            var byAnnotator = image.GroupBy(b => b.Annotator!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
            var reference = groundTruth is null
                ? Consensus(byAnnotator, options)
                : groundTruth.GetValueOrDefault(image.Key) ?? [];
            var f1s = new List<double>();
            foreach (var (annotator, boxes) in byAnnotator)
            {
                var tp = Match(boxes, reference, options.Iou);
                var score = new AnnotatorScore(annotator, 1, boxes.Count, tp, boxes.Count - tp, reference.Count - tp);
                f1s.Add(score.F1);
                var t = totals.GetValueOrDefault(annotator);
                totals[annotator] = (t.Images + 1, t.Boxes + boxes.Count, t.Tp + tp, t.Fp + boxes.Count - tp, t.Fn + reference.Count - tp);
            }

            if (byAnnotator.Count > 1 || groundTruth is not null)
            {
                disputed.Add(new DisputedImage(names.GetValueOrDefault(image.Key) ?? $"image #{image.Key}", f1s.Average(), byAnnotator.Count));
            }
        }

        return new AgreementReport(
            groundTruth is null ? "consensus" : "ground truth",
            [.. totals.Select(t => new AnnotatorScore(t.Key, t.Value.Images, t.Value.Boxes, t.Value.Tp, t.Value.Fp, t.Value.Fn)).OrderByDescending(s => s.F1).ThenBy(s => s.Annotator, StringComparer.Ordinal)],
            [.. disputed.Where(d => d.MeanF1 < 1).OrderBy(d => d.MeanF1).ThenBy(d => d.Image, StringComparer.Ordinal).Take(options.WorstImages)]);
    }

    /// <summary>The consensus objects of one image.</summary>
    private static List<LabelBox> Consensus(Dictionary<string, List<LabelBox>> byAnnotator, AgreementOptions options)
    {
        var quorum = options.Quorum > 0 ? options.Quorum : (byAnnotator.Count / 2) + 1;
        var groups = new List<List<LabelBox>>();
        foreach (var box in byAnnotator.OrderBy(a => a.Key, StringComparer.Ordinal).SelectMany(a => a.Value))
        {
            // Join the group whose first box overlaps most, among groups this annotator is not in yet.
            var best = groups
                .Where(g => g.TrueForAll(b => b.Annotator != box.Annotator))
                .Select(g => (Group: g, Iou: LabelChecks.Iou(g[0], box)))
                .Where(c => c.Iou >= options.Iou)
                .OrderByDescending(c => c.Iou)
                .Select(c => c.Group)
                .FirstOrDefault();
            if (best is null)
            {
                groups.Add([box]);
            }
            else
            {
                best.Add(box);
            }
        }

        return
        [
            .. groups.Where(g => g.Count >= quorum).Select(g =>
            {
                var label = g.GroupBy(b => b.CategoryId).OrderByDescending(l => l.Count()).ThenBy(l => l.Key).First().Key;
                return g[0] with { CategoryId = label, Annotator = null };
            }),
        ];
    }

    /// <summary>True positives: one-to-one matches, highest IoU first, same label, IoU at or above the threshold.</summary>
    private static int Match(List<LabelBox> boxes, IReadOnlyList<LabelBox> reference, double threshold)
    {
        var pairs = new List<(int Box, int Reference, double Iou)>();
        for (var i = 0; i < boxes.Count; i++)
        {
            for (var j = 0; j < reference.Count; j++)
            {
                if (boxes[i].CategoryId == reference[j].CategoryId && LabelChecks.Iou(boxes[i], reference[j]) is var iou && iou >= threshold)
                {
                    pairs.Add((i, j, iou));
                }
            }
        }

        var usedBoxes = new HashSet<int>();
        var usedReference = new HashSet<int>();
        var matched = 0;
        foreach (var (box, match, _) in pairs.OrderByDescending(p => p.Iou))
        {
            if (!usedBoxes.Contains(box) && !usedReference.Contains(match))
            {
                usedBoxes.Add(box);
                usedReference.Add(match);
                matched++;
            }
        }

        return matched;
    }
}

/// <summary>
/// Annotations of the same images delivered as one file per annotator (<c>annotators/{name}/…</c>), and
/// optionally a ground-truth file (<c>ground-truth/…</c>), merged into one model for <see cref="Agreement"/>:
/// labels unified by name, images by file name, every box marked with its annotator.
/// </summary>
public static class AnnotatorFiles
{
    /// <summary>The folder that names an annotator.</summary>
    public const string AnnotatorsFolder = "annotators/";

    /// <summary>The folder of the reference annotations.</summary>
    public const string GroundTruthFolder = "ground-truth/";

    /// <summary>The annotator a file's path names (<c>…annotators/{name}/…</c>), or null.</summary>
    public static string? AnnotatorOf(string path)
    {
        var at = path.IndexOf(AnnotatorsFolder, StringComparison.Ordinal);
        if (at < 0 || (at > 0 && path[at - 1] != '/'))
        {
            return null;
        }

        var rest = path[(at + AnnotatorsFolder.Length)..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 ? rest[..slash] : null;
    }

    /// <summary>A path inside an annotator's or the ground truth's folder, relative to that folder.</summary>
    public static string WithinFolder(string path)
    {
        if (AnnotatorOf(path) is { } annotator)
        {
            var marker = AnnotatorsFolder + annotator + "/";
            return path[(path.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..];
        }

        var truth = path.IndexOf(GroundTruthFolder, StringComparison.Ordinal);
        return truth >= 0 ? path[(truth + GroundTruthFolder.Length)..] : path;
    }

    /// <summary>Whether a file's path is under <c>ground-truth/</c>.</summary>
    public static bool IsGroundTruth(string path) => path.StartsWith(GroundTruthFolder, StringComparison.Ordinal) || path.Contains("/" + GroundTruthFolder, StringComparison.Ordinal);

    /// <summary>Merges the annotators' documents (and the ground truth, kept apart by image id) into one id space.</summary>
    public static (LabelDocument Merged, Dictionary<long, IReadOnlyList<LabelBox>>? GroundTruth) Merge(
        IReadOnlyList<(string Annotator, LabelDocument Document)> annotators, LabelDocument? groundTruth)
    {
        var merged = new LabelDocument { Format = annotators.Count > 0 ? annotators[0].Document.Format : LabelFormat.Coco };
        var categories = new Dictionary<string, long>(StringComparer.Ordinal);
        var images = new Dictionary<string, long>(StringComparer.Ordinal);
        long CategoryOf(string name)
        {
            if (!categories.TryGetValue(name, out var id))
            {
                categories[name] = id = categories.Count + 1;
                merged.Categories.Add(new LabelCategory(id, name));
            }

            return id;
        }

        long ImageOf(LabelImage image)
        {
            if (!images.TryGetValue(image.FileName, out var id))
            {
                images[image.FileName] = id = images.Count + 1;
                merged.Images.Add(image with { Id = id });
            }

            return id;
        }

        List<LabelBox> Map(LabelDocument document, string? annotator)
        {
            var names = document.CategoryNames();
            var files = document.Images.GroupBy(i => i.Id).ToDictionary(g => g.Key, g => g.First());
            return
            [
                .. document.Boxes.Where(b => files.ContainsKey(b.ImageId)).Select(b => b with
                {
                    ImageId = ImageOf(files[b.ImageId]),
                    CategoryId = CategoryOf(names.GetValueOrDefault(b.CategoryId) ?? $"#{b.CategoryId}"),
                    Annotator = annotator ?? b.Annotator,
                }),
            ];
        }

        foreach (var (annotator, document) in annotators)
        {
            merged.Boxes.AddRange(Map(document, annotator));
            merged.Findings.AddRange(document.Findings);
        }

        Dictionary<long, IReadOnlyList<LabelBox>>? truth = null;
        if (groundTruth is not null)
        {
            truth = Map(groundTruth, null).GroupBy(b => b.ImageId).ToDictionary(g => g.Key, g => (IReadOnlyList<LabelBox>)[.. g]);
        }

        return (merged, truth);
    }
}
