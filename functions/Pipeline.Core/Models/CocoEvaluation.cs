using System.Runtime.InteropServices;
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

        var images = truth.Images.Select(i => i.Id).ToHashSet();
        var categories = truth.CategoriesById();
        var index = categories.Select((c, i) => (c.Id, i)).ToDictionary(p => p.Id, p => p.i);
        var gtOf = categories.Select(_ => new List<LabelBox>()).ToArray();
        var dtOf = categories.Select(_ => new List<Detection>()).ToArray();
        foreach (var b in truth.Boxes)
        {
            if (images.Contains(b.ImageId) && index.TryGetValue(b.CategoryId, out var ki))
            {
                gtOf[ki].Add(b);
            }
        }

        foreach (var d in detections)
        {
            if (images.Contains(d.ImageId) && index.TryGetValue(d.CategoryId, out var ki))
            {
                dtOf[ki].Add(d);
            }
        }

        // precision[t, r, k, a, m] and recall[t, k, a, m], -1 where a label has no box that counts.
        var (t, r, k, a, m) = (IouThresholds.Count, RecallThresholds.Count, categories.Count, Areas.Length, MaxDets.Length);
        var precision = new double[t, r, k, a, m];
        var recall = new double[t, k, a, m];
        if (k > 0)
        {
            MemoryMarshal.CreateSpan(ref precision[0, 0, 0, 0, 0], precision.Length).Fill(-1);
            MemoryMarshal.CreateSpan(ref recall[0, 0, 0, 0], recall.Length).Fill(-1);
        }

        for (var ki = 0; ki < k; ki++)
        {
            // Images in id order (the order COCO's evaluation keeps), each with the label's boxes (in file order) and
            // detections (by score, stable: numpy's mergesort; at most 100).
            var gt = Sorted(gtOf[ki], b => b.ImageId, null);
            var dt = Sorted(dtOf[ki], d => d.ImageId, d => d.Score);
            (gtOf[ki], dtOf[ki]) = ([], []);
            var cells = new List<ImageResult>();
            var (gi, di) = (0, 0);
            while (gi < gt.Length || di < dt.Length)
            {
                var image = gi < gt.Length && di < dt.Length ? Math.Min(gt[gi].ImageId, dt[di].ImageId) : gi < gt.Length ? gt[gi].ImageId : dt[di].ImageId;
                var (g0, d0) = (gi, di);
                while (gi < gt.Length && gt[gi].ImageId == image)
                {
                    gi++;
                }

                while (di < dt.Length && dt[di].ImageId == image)
                {
                    di++;
                }

                cells.Add(EvaluateImage(new ArraySegment<LabelBox>(gt, g0, gi - g0), new ArraySegment<Detection>(dt, d0, Math.Min(di - d0, MaxDets[^1]))));
            }

            Accumulate(cells, ki, precision, recall);
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

    private const byte Matched = 1;
    private const byte Ignored = 2;

    /// <summary>
    /// One image and label: its detections' scores (by score, at most 100), and for each area range and IoU
    /// threshold what each detection did (<see cref="Matched"/>, <see cref="Ignored"/>; index (area · thresholds +
    /// threshold) · detections + detection), and the boxes that count under each area range.
    /// </summary>
    private sealed record ImageResult(double[] Scores, byte[] Flags, int[] CountedBoxes);

    /// <summary>The items ordered by image, then by score from high to low when given, then as they came (a stable sort).</summary>
    private static T[] Sorted<T>(List<T> items, Func<T, long> image, Func<T, double>? score)
    {
        var images = new long[items.Count];
        var scores = new double[items.Count];
        var order = new int[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            (images[i], scores[i], order[i]) = (image(items[i]), score?.Invoke(items[i]) ?? 0, i);
        }

        Array.Sort(order, (x, y) =>
        {
            var c = images[x].CompareTo(images[y]);
            c = c != 0 ? c : scores[y].CompareTo(scores[x]);
            return c != 0 ? c : x.CompareTo(y);
        });
        var sorted = new T[items.Count];
        for (var i = 0; i < order.Length; i++)
        {
            sorted[i] = items[order[i]];
        }

        return sorted;
    }

    private static ImageResult EvaluateImage(ArraySegment<LabelBox> gt, ArraySegment<Detection> dt)
    {
        static bool Crowd(LabelBox b) => b.Attributes?.GetValueOrDefault("iscrowd") is "1" or "true";
        static bool Outside(double value, (double Low, double High) range) => value < range.Low || value > range.High;

        var (d, g, thresholds) = (dt.Count, gt.Count, IouThresholds.Count);
        var crowd = new bool[g];
        for (var gi = 0; gi < g; gi++)
        {
            crowd[gi] = Crowd(gt[gi]);
        }

        var iou = new double[d * g];
        for (var di = 0; di < d; di++)
        {
            for (var gi = 0; gi < g; gi++)
            {
                iou[(di * g) + gi] = Overlap.Iou(dt[di], gt[gi], crowd[gi]);
            }
        }

        var flags = new byte[Areas.Length * thresholds * d];
        var counted = new int[Areas.Length];
        var order = new int[g];
        var ignoredGt = new bool[g];
        var gtMatched = new bool[g];
        for (var ai = 0; ai < Areas.Length; ai++)
        {
            // Boxes that count first, then ignored ones (a stable sort, as numpy's mergesort).
            var n = 0;
            for (var pass = 0; pass < 2; pass++)
            {
                for (var gi = 0; gi < g; gi++)
                {
                    var ignored = crowd[gi] || Outside(gt[gi].Width * gt[gi].Height, Areas[ai]);
                    if (ignored == (pass == 1))
                    {
                        (order[n], ignoredGt[n]) = (gi, ignored);
                        n++;
                    }
                }
            }

            counted[ai] = ignoredGt.Count(i => !i);
            for (var ti = 0; ti < thresholds; ti++)
            {
                Array.Clear(gtMatched);
                var at = ((ai * thresholds) + ti) * d;
                for (var di = 0; di < d; di++)
                {
                    var best = Math.Min(IouThresholds[ti], 1 - 1e-10);
                    var match = -1;
                    for (var gi = 0; gi < g; gi++)
                    {
                        if (gtMatched[gi] && !crowd[order[gi]])
                        {
                            continue; // already taken (a crowd box takes any number)
                        }

                        if (match > -1 && !ignoredGt[match] && ignoredGt[gi])
                        {
                            break; // a box that counts was found; the ignored ones come after
                        }

                        var overlap = iou[(di * g) + order[gi]];
                        if (overlap < best)
                        {
                            continue;
                        }

                        (best, match) = (overlap, gi);
                    }

                    if (match > -1)
                    {
                        flags[at + di] = (byte)(Matched | (ignoredGt[match] ? Ignored : 0));
                        gtMatched[match] = true;
                    }
                    else if (Outside(dt[di].Width * dt[di].Height, Areas[ai]))
                    {
                        flags[at + di] = Ignored; // an unmatched detection outside the area range
                    }
                }
            }
        }

        var scores = new double[d];
        for (var di = 0; di < d; di++)
        {
            scores[di] = dt[di].Score;
        }

        return new ImageResult(scores, flags, counted);
    }

    /// <summary>One label's precision and recall under every area range, maxDets and threshold.</summary>
    private static void Accumulate(List<ImageResult> images, int ki, double[,,,,] precision, double[,,,] recall)
    {
        // Every image's detections by score over all images, stable (image order, then rank): numpy's mergesort.
        // Cutting each image to its first maxDets keeps that order, so one sort serves 1, 10 and 100.
        var total = images.Sum(e => e.Scores.Length);
        var keys = new double[total];
        var sorted = new int[total];
        var owner = new int[total];
        var p = 0;
        for (var ii = 0; ii < images.Count; ii++)
        {
            for (var rank = 0; rank < images[ii].Scores.Length; rank++, p++)
            {
                (keys[p], sorted[p], owner[p]) = (-images[ii].Scores[rank], p, ii);
            }
        }

        Array.Sort(keys, sorted);
        for (var start = 0; start < total;)
        {
            var end = start + 1;
            while (end < total && keys[end] == keys[start])
            {
                end++;
            }

            Array.Sort(sorted, start, end - start); // ties in their pooled order
            start = end;
        }

        // Each pooled detection's rank in its image and what it did, laid out by (area, threshold) in score order.
        var thresholds = IouThresholds.Count;
        var ranks = new int[total];
        var flags = new byte[Areas.Length * thresholds * total];
        var first = new int[images.Count];
        for (var ii = 1; ii < images.Count; ii++)
        {
            first[ii] = first[ii - 1] + images[ii - 1].Scores.Length;
        }

        for (var j = 0; j < total; j++)
        {
            var image = images[owner[sorted[j]]];
            var rank = ranks[j] = sorted[j] - first[owner[sorted[j]]];
            for (var slice = 0; slice < Areas.Length * thresholds; slice++)
            {
                flags[(slice * total) + j] = image.Flags[(slice * image.Scores.Length) + rank];
            }
        }

        var tp = new double[total];
        var fp = new double[total];
        var rc = new double[total];
        var pr = new double[total];
        for (var ai = 0; ai < Areas.Length; ai++)
        {
            var counted = images.Sum(e => e.CountedBoxes[ai]);
            if (counted == 0)
            {
                continue;
            }

            // Only all areas needs maxDets 1 and 10 (average recall), and only their recall.
            for (var mi = ai == 0 ? 0 : MaxDets.Length - 1; mi < MaxDets.Length; mi++)
            {
                for (var ti = 0; ti < thresholds; ti++)
                {
                    var (n, tps, fps) = (0, 0.0, 0.0);
                    var slice = ((ai * thresholds) + ti) * total;
                    for (var j = 0; j < total; j++)
                    {
                        var flag = flags[slice + j];
                        if (ranks[j] >= MaxDets[mi] || (flag & Ignored) != 0)
                        {
                            continue; // past maxDets, or neither a true nor a false positive
                        }

                        if ((flag & Matched) != 0)
                        {
                            tps++;
                        }
                        else
                        {
                            fps++;
                        }

                        (tp[n], fp[n]) = (tps, fps);
                        n++;
                    }

                    recall[ti, ki, ai, mi] = n > 0 ? tp[n - 1] / counted : 0;
                    if (mi < MaxDets.Length - 1)
                    {
                        continue;
                    }

                    for (var i = 0; i < n; i++)
                    {
                        rc[i] = tp[i] / counted;
                        pr[i] = tp[i] / (fp[i] + tp[i] + Spacing);
                    }

                    for (var i = n - 1; i > 0; i--)
                    {
                        pr[i - 1] = Math.Max(pr[i - 1], pr[i]);
                    }

                    // The first point whose recall reaches each threshold (numpy's searchsorted, side left); 0 past the end.
                    var at = 0;
                    for (var ri = 0; ri < RecallThresholds.Count; ri++)
                    {
                        while (at < n && rc[at] < RecallThresholds[ri])
                        {
                            at++;
                        }

                        precision[ti, ri, ki, ai, mi] = at < n ? pr[at] : 0;
                    }
                }
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
