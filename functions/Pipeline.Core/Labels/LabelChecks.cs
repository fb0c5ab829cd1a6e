using System.ComponentModel.DataAnnotations;
using Pipeline.Core.Findings;

namespace Pipeline.Core.Labels;

/// <summary>Label QA thresholds, bound from <c>Pipeline:Labels</c>. Defaults follow Datumaro's validator where it has one.</summary>
public sealed class LabelQaOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Pipeline:Labels";

    /// <summary>Annotation files larger than this are not read.</summary>
    [Range(1, long.MaxValue)]
    public long MaxFileBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>How far (in pixels) a box may reach past its image's edge before it is out of bounds.</summary>
    [Range(0.0, 1000.0)]
    public double BoundsTolerancePixels { get; set; } = 1.0;

    /// <summary>The same tolerance for normalised (YOLO) boxes whose image size is unknown, as a fraction of the image.</summary>
    [Range(0.0, 0.5)]
    public double BoundsToleranceFraction { get; set; } = 0.002;

    /// <summary>Two boxes on one image by one annotator are duplicates (same label) or conflicting (other label) at this IoU or above.</summary>
    [Range(0.0, 1.0)]
    public double DuplicateIou { get; set; } = 0.95;

    /// <summary>A label with at most this many boxes has few samples (Datumaro: 1).</summary>
    [Range(0, int.MaxValue)]
    public int FewSamples { get; set; } = 1;

    /// <summary>Imbalance: most common label ÷ rarest used label at or above this (Datumaro: 50).</summary>
    [Range(1.0, double.MaxValue)]
    public double ImbalanceRatio { get; set; } = 50;

    /// <summary>Dominance: one label's share of all boxes at or above this.</summary>
    [Range(0.0, 1.0)]
    public double DominanceShare { get; set; } = 0.8;

    /// <summary>A box whose area or aspect ratio is more than this many standard deviations from its label's mean is far from the mean (Datumaro: 5).</summary>
    [Range(0.0, 100.0)]
    public double FarFromMeanSigma { get; set; } = 5;

    /// <summary>Labels with fewer boxes than this are not judged for far-from-mean boxes (too few for a standard deviation).</summary>
    [Range(2, int.MaxValue)]
    public int FarFromMeanMinimumBoxes { get; set; } = 20;

    /// <summary>Agreement: boxes of two annotators are the same object at this IoU or above.</summary>
    [Range(0.01, 1.0)]
    public double AgreementIou { get; set; } = 0.5;

    /// <summary>Agreement: annotators who must have drawn an object for the consensus; 0 for a majority of those who annotated the image.</summary>
    [Range(0, 1000)]
    public int AgreementQuorum { get; set; }

    /// <summary>Boxes per image beyond which the pairwise duplicate check stops (and says so).</summary>
    [Range(2, 100_000)]
    public int MaxBoxesPairedPerImage { get; set; } = 2000;
}

/// <summary>A label finding with what it concerns, so reports can aggregate by label.</summary>
/// <param name="Finding">The finding; its subject is the image file name (or the annotation file for file-level problems).</param>
/// <param name="Label">The label concerned, when one is.</param>
/// <param name="AnnotationId">The annotation concerned, when one is.</param>
public sealed record LabelFinding(Finding Finding, string? Label = null, long? AnnotationId = null);

/// <summary>
/// The label checks over one model: taxonomy, values, consistency and statistics. Optionally against the real
/// images (file name → size), which adds the size-mismatch and pairing checks. Pure and single-pass per check,
/// so a million boxes are checked in seconds.
/// </summary>
public static class LabelChecks
{
    /// <summary>The count statistics (few samples, imbalance, dominance): a part of a dataset cannot judge them, so whoever holds the whole recomputes them.</summary>
    public static IReadOnlySet<string> CountStatisticCodes { get; } = new HashSet<string> { FindingCodes.LabelFewSamples, FindingCodes.LabelImbalance, FindingCodes.LabelDominance };

    /// <summary>Every finding for <paramref name="document"/>, the reader's own included.</summary>
    /// <param name="document">The annotations.</param>
    /// <param name="realImages">The images that exist (file name → width and height), or null when unknown.</param>
    /// <param name="options">Thresholds.</param>
    public static List<LabelFinding> Run(LabelDocument document, IReadOnlyDictionary<string, (int Width, int Height)>? realImages, LabelQaOptions options)
    {
        var findings = document.Findings.Select(f => new LabelFinding(f)).ToList();
        var categories = new Dictionary<long, LabelCategory>();
        foreach (var category in document.Categories)
        {
            if (!categories.TryAdd(category.Id, category))
            {
                findings.Add(new(Finding.Error(FindingCodes.LabelValueInvalid, $"Category id {category.Id} is defined twice ('{categories[category.Id].Name}' and '{category.Name}')."), category.Name));
            }
        }

        var images = new Dictionary<long, LabelImage>();
        foreach (var image in document.Images)
        {
            images.TryAdd(image.Id, image);
        }

        string LabelOf(long id) => categories.TryGetValue(id, out var c) ? c.Name : $"#{id}";
        void Add(string code, Severity severity, string message, string? subject, string? label, long? annotation, double? value = null, double? threshold = null) =>
            findings.Add(new LabelFinding(new Finding(code, severity, value, threshold, message, subject), label, annotation));

        // Images: recorded size against the real one, and pairing with the real images (by path, or by file name
        // when only one real image has it: COCO files usually name images without their folder).
        var pairing = realImages is null ? null : new ImagePairing(realImages.Keys);
        string? Resolve(string fileName) => pairing?.Resolve(fileName);
        var resolved = new HashSet<string>(StringComparer.Ordinal);
        foreach (var image in images.Values)
        {
            if (realImages is null)
            {
                continue;
            }

            var found = Resolve(image.FileName);
            if (found is not null)
            {
                resolved.Add(found);
            }

            if (found is null || !realImages.TryGetValue(found, out var real))
            {
                Add(FindingCodes.LabelAnnotationWithoutImage, Severity.Error, $"Annotations refer to '{image.FileName}', which is not among the images.", image.FileName, null, null);
            }
            else if ((image.Width is { } w && w != real.Width) || (image.Height is { } h && h != real.Height))
            {
                Add(FindingCodes.LabelImageSizeMismatch, Severity.Error, $"The annotations record '{image.FileName}' as {image.Width}×{image.Height}; the image is {real.Width}×{real.Height}.", image.FileName, null, null);
            }
        }

        var withBoxes = new HashSet<long>();
        foreach (var box in document.Boxes)
        {
            withBoxes.Add(box.ImageId);
        }

        foreach (var image in images.Values.Where(i => !withBoxes.Contains(i.Id)))
        {
            Add(FindingCodes.LabelImageWithoutAnnotations, Severity.Info, $"'{image.FileName}' has no annotations.", image.FileName, null, null);
        }

        foreach (var name in realImages?.Keys.Where(n => !resolved.Contains(n)) ?? [])
        {
            Add(FindingCodes.LabelImageWithoutAnnotations, Severity.Info, $"'{name}' is not in any annotation file.", name, null, null);
        }

        // Per box: references and values.
        var counts = new Dictionary<long, int>();
        var valid = new List<(LabelBox Box, double Width, double Height)>(document.Boxes.Count);
        foreach (var box in document.Boxes)
        {
            var label = LabelOf(box.CategoryId);
            var known = images.TryGetValue(box.ImageId, out var image);
            var subject = known ? image!.FileName : $"image #{box.ImageId}";
            if (!known)
            {
                Add(FindingCodes.LabelAnnotationWithoutImage, Severity.Error, $"Annotation {box.Id} refers to image id {box.ImageId}, which the file does not define.", subject, label, box.Id);
            }

            if (!categories.ContainsKey(box.CategoryId))
            {
                Add(FindingCodes.LabelUndefined, Severity.Error, $"Annotation {box.Id} on '{subject}' uses label {box.CategoryId}, which the taxonomy does not define.", subject, label, box.Id);
            }
            else
            {
                counts[box.CategoryId] = counts.GetValueOrDefault(box.CategoryId) + 1;
            }

            if (!(double.IsFinite(box.X) && double.IsFinite(box.Y) && double.IsFinite(box.Width) && double.IsFinite(box.Height)))
            {
                Add(FindingCodes.LabelCoordinateNotFinite, Severity.Error, $"Annotation {box.Id} on '{subject}' has a NaN or infinite coordinate ({box.X}, {box.Y}, {box.Width}, {box.Height}).", subject, label, box.Id);
                continue;
            }

            if (box.Width < 0 || box.Height < 0)
            {
                Add(FindingCodes.LabelNegativeSize, Severity.Error, $"Annotation {box.Id} on '{subject}' has a negative size ({box.Width} × {box.Height}).", subject, label, box.Id, Math.Min(box.Width, box.Height));
                continue;
            }

            if (box.Width == 0 || box.Height == 0)
            {
                Add(FindingCodes.LabelZeroArea, Severity.Error, $"Annotation {box.Id} on '{subject}' has zero area ({box.Width} × {box.Height}).", subject, label, box.Id, 0);
                continue;
            }

            if (box.Attributes?.GetValueOrDefault("iscrowd") is { } crowd && crowd is not ("0" or "1" or "true" or "false"))
            {
                Add(FindingCodes.LabelAttributeInvalid, Severity.Warning, $"Annotation {box.Id} on '{subject}': iscrowd is {crowd}; COCO allows 0 or 1.", subject, label, box.Id);
            }

            // Bounds, in the image's own units.
            var (width, height, tolerance) = Frame(document, image, image is null ? null : Resolve(image.FileName) is { } at ? realImages![at] : null, options);
            if (width is { } fw && height is { } fh)
            {
                var over = Math.Max(Math.Max(-box.X, -box.Y), Math.Max(box.X + box.Width - fw, box.Y + box.Height - fh));
                if (over > tolerance)
                {
                    Add(FindingCodes.LabelBoxOutOfBounds, Severity.Error, $"Annotation {box.Id} on '{subject}' reaches {over:0.###} {(document.Normalized && image?.Width is null && realImages is null ? "of the image" : "px")} outside the image.", subject, label, box.Id, over, tolerance);
                }
            }

            valid.Add((box, box.Width * (document.Normalized ? (width ?? 1) : 1), box.Height * (document.Normalized ? (height ?? 1) : 1)));
        }

        // A file with no boxes at all (COCO captions, image info, image-level labels) uses its taxonomy for something else.
        foreach (var category in categories.Values.Where(c => document.Boxes.Count > 0 && !counts.ContainsKey(c.Id)))
        {
            Add(FindingCodes.LabelUnused, Severity.Warning, $"Label '{category.Name}' is defined but no annotation uses it.", null, category.Name, null);
        }

        Consistency(valid, options, LabelOf, s => images.TryGetValue(s, out var i) ? i.FileName : $"image #{s}", findings);
        Statistics(valid, counts, categories, options, LabelOf, s => images.TryGetValue(s, out var i) ? i.FileName : $"image #{s}", findings);
        return findings;
    }

    /// <summary>The image frame a box must lie in (its size in the box's units) and the tolerance in those units.</summary>
    private static (double? Width, double? Height, double Tolerance) Frame(LabelDocument document, LabelImage? image, (int Width, int Height)? real, LabelQaOptions options)
    {
        var size = image is { Width: { } w, Height: { } h } ? (w, h) : real;
        if (document.Normalized)
        {
            return (1, 1, size is { } s ? options.BoundsTolerancePixels / Math.Min(s.Width, s.Height) : options.BoundsToleranceFraction);
        }

        return size is { } p ? (p.Width, p.Height, options.BoundsTolerancePixels) : (null, null, 0);
    }

    private static void Consistency(List<(LabelBox Box, double Width, double Height)> valid, LabelQaOptions options, Func<long, string> labelOf, Func<long, string> imageOf, List<LabelFinding> findings)
    {
        // The boxes of each image (and annotator) side by side in one array, by a counting sort (no grouping objects
        // for a million boxes), then each image's few boxes sorted by left edge for the sweep.
        var groupOf = new Dictionary<(long ImageId, string? Annotator), int>();
        var group = new int[valid.Count];
        var sizes = new List<int>();
        for (var i = 0; i < valid.Count; i++)
        {
            var key = (valid[i].Box.ImageId, valid[i].Box.Annotator);
            if (!groupOf.TryGetValue(key, out var g))
            {
                g = groupOf[key] = sizes.Count;
                sizes.Add(0);
            }

            group[i] = g;
            sizes[g]++;
        }

        var starts = new int[sizes.Count + 1];
        for (var g = 0; g < sizes.Count; g++)
        {
            starts[g + 1] = starts[g] + sizes[g];
        }

        var next = starts[..^1];
        var ordered = new LabelBox[valid.Count];
        for (var i = 0; i < valid.Count; i++)
        {
            ordered[next[group[i]]++] = valid[i].Box;
        }

        for (var g = 0; g < sizes.Count; g++)
        {
            var list = ordered.AsSpan(starts[g], sizes[g]);
            list.Sort(static (a, b) => a.X.CompareTo(b.X));
            if (list.Length > options.MaxBoxesPairedPerImage)
            {
                var image = imageOf(list[0].ImageId);
                findings.Add(new(Finding.Info(FindingCodes.LabelDuplicateBox, $"'{image}' has {list.Length} boxes; only the first {options.MaxBoxesPairedPerImage} were compared pairwise.") with { Subject = image }));
                list = list[..options.MaxBoxesPairedPerImage];
            }

            for (var i = 0; i < list.Length; i++)
            {
                var a = list[i];
                for (var j = i + 1; j < list.Length && list[j].X <= a.X + a.Width; j++)
                {
                    var b = list[j];
                    var iou = Iou(a, b);
                    if (iou < options.DuplicateIou)
                    {
                        continue;
                    }

                    var subject = imageOf(a.ImageId);
                    findings.Add(a.CategoryId == b.CategoryId
                        ? new(new Finding(FindingCodes.LabelDuplicateBox, Severity.Warning, iou, options.DuplicateIou, $"Annotations {a.Id} and {b.Id} on '{subject}' are the same '{labelOf(a.CategoryId)}' box twice (IoU {iou:0.00}).", subject), labelOf(a.CategoryId), b.Id)
                        : new(new Finding(FindingCodes.LabelConflictingClasses, Severity.Error, iou, options.DuplicateIou, $"Annotations {a.Id} ('{labelOf(a.CategoryId)}') and {b.Id} ('{labelOf(b.CategoryId)}') on '{subject}' are the same box with different labels (IoU {iou:0.00}).", subject), labelOf(b.CategoryId), b.Id));
                }
            }
        }
    }

    /// <summary>Intersection over union of two boxes with non-negative sizes.</summary>
    public static double Iou(LabelBox a, LabelBox b) => Models.Overlap.Iou(a.X, a.Y, a.Width, a.Height, b.X, b.Y, b.Width, b.Height, crowd: false);

    private static void Statistics(
        List<(LabelBox Box, double Width, double Height)> valid, Dictionary<long, int> counts, Dictionary<long, LabelCategory> categories,
        LabelQaOptions options, Func<long, string> labelOf, Func<long, string> imageOf, List<LabelFinding> findings)
    {
        findings.AddRange(CountStatistics(counts.GroupBy(c => labelOf(c.Key), StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(c => c.Value), StringComparer.Ordinal), options));

        // Far from the mean: area and aspect ratio per label, in log space (sizes are log-normal, not normal); one
        // pass for each label's sums, one to judge each box, no grouping objects.
        var logArea = new double[valid.Count];
        var logAspect = new double[valid.Count];
        var sums = new Dictionary<long, (int N, double Area, double Area2, double Aspect, double Aspect2)>();
        for (var i = 0; i < valid.Count; i++)
        {
            var (box, width, height) = valid[i];
            if (width > 0 && height > 0 && categories.ContainsKey(box.CategoryId))
            {
                var (area, aspect) = (logArea[i], logAspect[i]) = (Math.Log(width * height), Math.Log(width / height));
                var s = sums.GetValueOrDefault(box.CategoryId);
                sums[box.CategoryId] = (s.N + 1, s.Area + area, s.Area2 + (area * area), s.Aspect + aspect, s.Aspect2 + (aspect * aspect));
            }
            else
            {
                logArea[i] = double.NaN;
            }
        }

        var moments = sums.Where(s => s.Value.N >= options.FarFromMeanMinimumBoxes).ToDictionary(s => s.Key, s => (Area: MeanSd(s.Value.N, s.Value.Area, s.Value.Area2), Aspect: MeanSd(s.Value.N, s.Value.Aspect, s.Value.Aspect2)));
        for (var i = 0; i < valid.Count; i++)
        {
            var box = valid[i].Box;
            if (double.IsNaN(logArea[i]) || !moments.TryGetValue(box.CategoryId, out var m))
            {
                continue;
            }

            var za = m.Area.Sd > 0 ? Math.Abs(logArea[i] - m.Area.Mean) / m.Area.Sd : 0;
            var zr = m.Aspect.Sd > 0 ? Math.Abs(logAspect[i] - m.Aspect.Mean) / m.Aspect.Sd : 0;
            var z = Math.Max(za, zr);
            if (z > options.FarFromMeanSigma)
            {
                var subject = imageOf(box.ImageId);
                findings.Add(new(new Finding(FindingCodes.LabelFarFromMean, Severity.Warning, z, options.FarFromMeanSigma, $"Annotation {box.Id} on '{subject}': its {(za >= zr ? "area" : "aspect ratio")} is {z:0.0} σ from the mean of '{labelOf(box.CategoryId)}'.", subject), labelOf(box.CategoryId), box.Id));
            }
        }
    }

    /// <summary>
    /// The statistics of label counts alone (few samples, imbalance, dominance), over boxes per label name; label
    /// QA runs them once over a whole batch after its units are merged.
    /// </summary>
    public static List<LabelFinding> CountStatistics(IReadOnlyDictionary<string, int> counts, LabelQaOptions options)
    {
        var findings = new List<LabelFinding>();
        foreach (var (label, count) in counts.Where(c => c.Value <= options.FewSamples).OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            findings.Add(new(new Finding(FindingCodes.LabelFewSamples, Severity.Warning, count, options.FewSamples, $"Label '{label}' has only {count} annotation(s).", null), label));
        }

        if (counts.Count >= 2)
        {
            var max = counts.MaxBy(c => c.Value);
            var min = counts.MinBy(c => c.Value);
            var ratio = (double)max.Value / min.Value;
            if (ratio >= options.ImbalanceRatio)
            {
                findings.Add(new(new Finding(FindingCodes.LabelImbalance, Severity.Warning, ratio, options.ImbalanceRatio, $"'{max.Key}' has {max.Value} annotations and '{min.Key}' {min.Value}: {ratio:0.#}× apart.", null), min.Key));
            }

            var total = counts.Values.Sum();
            var share = (double)max.Value / total;
            if (share >= options.DominanceShare)
            {
                findings.Add(new(new Finding(FindingCodes.LabelDominance, Severity.Warning, share, options.DominanceShare, $"'{max.Key}' holds {share:P0} of all {total} annotations.", null), max.Key));
            }
        }

        return findings;
    }

    /// <summary>Mean and population standard deviation from a count, a sum and a sum of squares.</summary>
    private static (double Mean, double Sd) MeanSd(int n, double sum, double sumOfSquares)
    {
        var mean = sum / n;
        var variance = (sumOfSquares / n) - (mean * mean);
        return (mean, variance > 1e-12 * Math.Max(1, mean * mean) ? Math.Sqrt(variance) : 0); // below that, rounding: all equal
    }
}
