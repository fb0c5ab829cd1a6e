using Pipeline.Core.Labels;

namespace Pipeline.Core.Models;

/// <summary>A model's detection: a box on an image with a label and a confidence.</summary>
/// <param name="ImageId">The image (an id of the labels' images).</param>
/// <param name="CategoryId">The predicted label (an id of the labels' categories).</param>
/// <param name="X">Left edge, pixels.</param>
/// <param name="Y">Top edge, pixels.</param>
/// <param name="Width">Width, pixels.</param>
/// <param name="Height">Height, pixels.</param>
/// <param name="Score">Confidence in [0, 1].</param>
public sealed record Detection(long ImageId, long CategoryId, double X, double Y, double Width, double Height, double Score);

/// <summary>One label's average precision.</summary>
/// <param name="CategoryId">The label's id.</param>
/// <param name="Label">Its name.</param>
/// <param name="AP">AP averaged over IoU 0.50:0.95 (all areas, 100 detections an image); -1 when the label has no box to find.</param>
/// <param name="AP50">AP at IoU 0.50.</param>
/// <param name="AP75">AP at IoU 0.75.</param>
/// <param name="PrecisionAt50">The precision-recall curve at IoU 0.50: interpolated precision at the 101 recall points 0, 0.01, …, 1 (all areas, 100 detections an image).</param>
public sealed record ClassMetrics(long CategoryId, string Label, double AP, double AP50, double AP75, IReadOnlyList<double> PrecisionAt50);

/// <summary>The COCO detection metrics (each -1 when nothing could be measured, as COCO reports it).</summary>
/// <param name="MAP">AP@[.50:.95], all areas, 100 detections an image.</param>
/// <param name="AP50">AP at IoU 0.50.</param>
/// <param name="AP75">AP at IoU 0.75.</param>
/// <param name="APs">AP of small objects (area below 32²).</param>
/// <param name="APm">AP of medium objects (32² to 96²).</param>
/// <param name="APl">AP of large objects (above 96²).</param>
/// <param name="AR1">Average recall with 1 detection an image.</param>
/// <param name="AR10">With 10.</param>
/// <param name="AR100">With 100.</param>
/// <param name="PerClass">Each label with a box, in id order.</param>
public sealed record EvaluationMetrics(
    double MAP, double AP50, double AP75, double APs, double APm, double APl, double AR1, double AR10, double AR100, IReadOnlyList<ClassMetrics> PerClass);

/// <summary>
/// Detection metrics exactly as the COCO evaluation (pycocotools' <c>COCOeval</c>, bbox) defines them: per image and
/// label, detections sorted by score (stable) and cut to the largest maxDets, each matched greedily to the best
/// still-unmatched box with IoU at least the threshold (a crowd box may take any number of them and its IoU is the
/// intersection over the detection's area; a detection matched to an ignored box is ignored); boxes outside the
/// area range and crowd boxes are ignored, never counted; unmatched detections outside the area range are ignored.
/// Then per label, area range and maxDets: all images' detections sorted by score, cumulative true and false
/// positives, precision made monotone from the right and read at 101 recall points (0, 0.01, …, 1; 0 past the
/// last recall), averaged over the 10 IoU thresholds 0.50:0.05:0.95 and over labels with at least one box that
/// counts. Areas are the boxes' own (width × height): COCO's files give an annotation's segment area instead, so
/// numbers can differ slightly from pycocotools' on files whose segments are not their boxes.
/// </summary>
public static class CocoEvaluation
{
    /// <summary>The IoU thresholds, as <c>np.linspace(.5, .95, 10)</c> computes them.</summary>
    public static IReadOnlyList<double> IouThresholds { get; } = Linspace(0.5, 0.95, 10);

    /// <summary>The recall points, as <c>np.linspace(0, 1, 101)</c> computes them.</summary>
    public static IReadOnlyList<double> RecallThresholds { get; } = Linspace(0, 1, 101);

    private static readonly int[] MaxDets = [1, 10, 100];

    /// <summary>numpy's <c>np.spacing(1)</c>, which COCO adds to precision's denominator (so a perfect precision is 1 − 2⁻⁵²).</summary>
    private static readonly double Spacing = Math.BitIncrement(1.0) - 1.0;

    private static readonly (double Low, double High)[] Areas = [(0, 1e10), (0, 32 * 32), (32 * 32, 96 * 96), (96 * 96, 1e10)];

    /// <summary>Evaluates <paramref name="detections"/> against <paramref name="truth"/> (in pixels, as a COCO or VOC file gives them).</summary>
    public static EvaluationMetrics Evaluate(LabelDocument truth, IReadOnlyList<Detection> detections)
    {
        if (truth.Normalized)
        {
            throw new InvalidOperationException("The labels are normalised (YOLO, Label Studio): convert them to pixels with their images' sizes before evaluating.");
        }

        var images = truth.Images.Select(i => i.Id).Distinct().Order().ToList();
        var categories = truth.Categories.GroupBy(c => c.Id).Select(g => g.First()).OrderBy(c => c.Id).ToList();
        var imageSet = images.ToHashSet();
        var gts = truth.Boxes.Where(b => imageSet.Contains(b.ImageId)).ToLookup(b => (b.ImageId, b.CategoryId));
        var dts = detections.Where(d => imageSet.Contains(d.ImageId)).ToLookup(d => (d.ImageId, d.CategoryId));

        // precision[t, r, k, a, m] and recall[t, k, a, m], -1 where a label has no box that counts.
        var (t, r, k, a, m) = (IouThresholds.Count, RecallThresholds.Count, categories.Count, Areas.Length, MaxDets.Length);
        var precision = new double[t, r, k, a, m];
        var recall = new double[t, k, a, m];
        for (var i0 = 0; i0 < t; i0++)
        {
            for (var i2 = 0; i2 < k; i2++)
            {
                for (var i3 = 0; i3 < a; i3++)
                {
                    for (var i4 = 0; i4 < m; i4++)
                    {
                        recall[i0, i2, i3, i4] = -1;
                        for (var i1 = 0; i1 < r; i1++)
                        {
                            precision[i0, i1, i2, i3, i4] = -1;
                        }
                    }
                }
            }
        }
        for (var ki = 0; ki < k; ki++)
        {
            var category = categories[ki].Id;
            for (var ai = 0; ai < a; ai++)
            {
                var evaluated = images.Select(image => EvaluateImage([.. gts[(image, category)]], [.. dts[(image, category)]], Areas[ai])).OfType<ImageResult>().ToList();
                for (var mi = 0; mi < m; mi++)
                {
                    Accumulate(evaluated, MaxDets[mi], ki, ai, mi, precision, recall);
                }
            }
        }

        double Ap(int? threshold, int area, int? category = null) => Mean(
            from ti in Enumerable.Range(0, t) where threshold is null || ti == threshold
            from ri in Enumerable.Range(0, r)
            from ci in Enumerable.Range(0, k) where category is null || ci == category
            select precision[ti, ri, ci, area, m - 1]);
        double Ar(int maxDets) => Mean(from ti in Enumerable.Range(0, t) from ci in Enumerable.Range(0, k) select recall[ti, ci, 0, maxDets]);

        var perClass = categories.Select((c, ci) => new ClassMetrics(
            c.Id, c.Name, Ap(null, 0, ci), Ap(0, 0, ci), Ap(5, 0, ci), [.. Enumerable.Range(0, r).Select(ri => precision[0, ri, ci, 0, m - 1])])).Where(c => c.AP >= 0).ToList();
        return new EvaluationMetrics(Ap(null, 0), Ap(0, 0), Ap(5, 0), Ap(null, 1), Ap(null, 2), Ap(null, 3), Ar(0), Ar(1), Ar(2), perClass);
    }

    /// <summary>One image and label under one area range: its detections (by score, at most 100) and what each matched at each threshold.</summary>
    private sealed record ImageResult(double[] Scores, bool[,] Matched, bool[,] Ignored, int CountedBoxes);

    private static ImageResult? EvaluateImage(List<LabelBox> gt, List<Detection> dt, (double Low, double High) area)
    {
        if (gt.Count == 0 && dt.Count == 0)
        {
            return null;
        }

        static bool Crowd(LabelBox b) => b.Attributes?.GetValueOrDefault("iscrowd") is "1" or "true";
        static bool Outside(double value, (double Low, double High) range) => value < range.Low || value > range.High;

        // Boxes that count first, then ignored ones (a stable sort, as numpy's mergesort); detections by score, stable.
        var ignoredGt = gt.Select(g => Crowd(g) || Outside(g.Width * g.Height, area)).ToList();
        var order = Enumerable.Range(0, gt.Count).OrderBy(i => ignoredGt[i] ? 1 : 0).ToList();
        gt = [.. order.Select(i => gt[i])];
        ignoredGt = [.. order.Select(i => ignoredGt[i])];
        dt = [.. dt.OrderByDescending(d => d.Score).Take(MaxDets[^1])];
        var crowd = gt.Select(Crowd).ToList();

        var thresholds = IouThresholds.Count;
        var gtMatched = new bool[thresholds, gt.Count];
        var dtMatched = new bool[thresholds, dt.Count];
        var dtIgnored = new bool[thresholds, dt.Count];
        for (var ti = 0; ti < thresholds; ti++)
        {
            for (var di = 0; di < dt.Count; di++)
            {
                var best = Math.Min(IouThresholds[ti], 1 - 1e-10);
                var match = -1;
                for (var gi = 0; gi < gt.Count; gi++)
                {
                    if (gtMatched[ti, gi] && !crowd[gi])
                    {
                        continue; // already taken (a crowd box takes any number)
                    }

                    if (match > -1 && !ignoredGt[match] && ignoredGt[gi])
                    {
                        break; // a box that counts was found; the ignored ones come after
                    }

                    var iou = Overlap.Iou(dt[di], gt[gi], crowd[gi]);
                    if (iou < best)
                    {
                        continue;
                    }

                    (best, match) = (iou, gi);
                }

                if (match == -1)
                {
                    continue;
                }

                dtIgnored[ti, di] = ignoredGt[match];
                dtMatched[ti, di] = true;
                gtMatched[ti, match] = true;
            }

            for (var di = 0; di < dt.Count; di++)
            {
                if (!dtMatched[ti, di] && Outside(dt[di].Width * dt[di].Height, area))
                {
                    dtIgnored[ti, di] = true;
                }
            }
        }

        return new ImageResult([.. dt.Select(d => d.Score)], dtMatched, dtIgnored, ignoredGt.Count(i => !i));
    }

    private static void Accumulate(List<ImageResult> images, int maxDets, int ki, int ai, int mi, double[,,,,] precision, double[,,,] recall)
    {
        var counted = images.Sum(e => e.CountedBoxes);
        if (counted == 0)
        {
            return;
        }

        // Every image's first maxDets detections, by score over all images (stable: image order, then rank).
        var pooled = images.SelectMany(e => Enumerable.Range(0, Math.Min(maxDets, e.Scores.Length)).Select(d => (Image: e, Index: d)))
            .OrderByDescending(p => p.Image.Scores[p.Index]).ToList();
        for (var ti = 0; ti < IouThresholds.Count; ti++)
        {
            var tp = new List<double>();
            var fp = new List<double>();
            var (tps, fps) = (0.0, 0.0);
            foreach (var (image, d) in pooled)
            {
                if (image.Ignored[ti, d])
                {
                    continue; // neither a true nor a false positive
                }

                if (image.Matched[ti, d])
                {
                    tps++;
                }
                else
                {
                    fps++;
                }

                tp.Add(tps);
                fp.Add(fps);
            }

            var n = tp.Count;
            var rc = tp.Select(x => x / counted).ToArray();
            var pr = tp.Select((x, i) => x / (fp[i] + x + Spacing)).ToArray();
            recall[ti, ki, ai, mi] = n > 0 ? rc[^1] : 0;
            for (var i = n - 1; i > 0; i--)
            {
                pr[i - 1] = Math.Max(pr[i - 1], pr[i]);
            }

            for (var ri = 0; ri < RecallThresholds.Count; ri++)
            {
                // The first point whose recall reaches the threshold (numpy's searchsorted, side left); 0 past the end.
                var at = Array.FindIndex(rc, x => x >= RecallThresholds[ri]);
                precision[ti, ri, ki, ai, mi] = at >= 0 ? pr[at] : 0;
            }
        }
    }

    private static double Mean(IEnumerable<double> values)
    {
        var counted = values.Where(v => v > -1).ToList();
        return counted.Count == 0 ? -1 : counted.Average();
    }

    private static List<double> Linspace(double start, double stop, int count)
    {
        var step = (stop - start) / (count - 1);
        var values = Enumerable.Range(0, count).Select(i => (i * step) + start).ToList();
        values[^1] = stop;
        return values;
    }
}
