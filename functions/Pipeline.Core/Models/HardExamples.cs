using System.Globalization;
using Pipeline.Core.Images;

namespace Pipeline.Core.Models;

/// <summary>An unlabelled image picked for labelling: how uncertain the model is on it, and why.</summary>
/// <param name="Image">The image's file name (path in its folder).</param>
/// <param name="Score">Uncertainty in [0, 1]: higher is harder for the model.</param>
/// <param name="Reason">In words: a low top score, two classes close on one object, or many overlapping weak boxes.</param>
public sealed record HardExample(string Image, double Score, string Reason);

/// <summary>An unlabelled image as sampling sees it.</summary>
/// <param name="Image">Its file name (path in its folder).</param>
/// <param name="PerceptualHash">Its 64-bit pHash (<see cref="PerceptualHash"/>).</param>
/// <param name="Predictions">The model's predictions on it (any label, any score).</param>
public sealed record SampleCandidate(string Image, ulong PerceptualHash, IReadOnlyList<Detection> Predictions);

/// <summary>
/// Hard examples for the next round of labelling: each unlabelled image's uncertainty is the largest of three signals
/// — a low top score (1 − the best confidence; 1 for an image with no prediction), two classes close on one object
/// (1 − the gap between the best two confidences of different classes on boxes at IoU ≥ 0.5), and many overlapping
/// weak boxes (confidence 0.1 to 0.5, each overlapping another at IoU ≥ 0.3; a fifth per box, at most 1) — and the
/// picks are made greedily, most uncertain first, skipping any image within the near-duplicate distance (pHash bits)
/// of one already picked or of an image already labelled, until the budget is spent.
/// </summary>
public static class HardExamples
{
    /// <summary>Picks at most <paramref name="budget"/> images.</summary>
    /// <param name="candidates">The unlabelled images with their predictions.</param>
    /// <param name="labelled">The pHashes of images already labelled (a dataset's published images).</param>
    /// <param name="budget">How many to pick.</param>
    /// <param name="distance">Two images within this many differing pHash bits are near duplicates (the ingest's default: 10).</param>
    /// <param name="labelOf">A label's name, for the reasons.</param>
    public static List<HardExample> Pick(IReadOnlyList<SampleCandidate> candidates, IReadOnlyCollection<ulong> labelled, int budget, int distance, Func<long, string> labelOf)
    {
        var scored = candidates.Select(c => (Candidate: c, Uncertainty: Uncertainty(c.Predictions, labelOf)))
            .OrderByDescending(x => x.Uncertainty.Score).ThenBy(x => x.Candidate.Image, StringComparer.Ordinal).ToList();
        var picked = new List<(SampleCandidate Candidate, HardExample Example)>();
        foreach (var (candidate, (score, reason)) in scored)
        {
            if (picked.Count >= budget)
            {
                break;
            }

            if (labelled.Any(h => PerceptualHash.Distance(h, candidate.PerceptualHash) <= distance)
                || picked.Any(p => PerceptualHash.Distance(p.Candidate.PerceptualHash, candidate.PerceptualHash) <= distance))
            {
                continue; // a near duplicate of what is labelled or picked teaches the model nothing new
            }

            picked.Add((candidate, new HardExample(candidate.Image, score, reason)));
        }

        return [.. picked.Select(p => p.Example)];
    }

    /// <summary>The largest of the three signals and its reason.</summary>
    public static (double Score, string Reason) Uncertainty(IReadOnlyList<Detection> predictions, Func<long, string> labelOf)
    {
        if (predictions.Count == 0)
        {
            return (1, "no prediction at all");
        }

        var top = predictions.MaxBy(p => p.Score)!;
        var signals = new List<(double Score, string Reason)>
        {
            (1 - top.Score, string.Create(CultureInfo.InvariantCulture, $"low top score: {top.Score:0.00} ({labelOf(top.CategoryId)})")),
        };

        // Two classes close on one object: the best box's best rival of another class on the same place.
        foreach (var p in predictions)
        {
            var rival = predictions.Where(q => q.CategoryId != p.CategoryId && q.Score <= p.Score && Overlap.Iou(p, q) >= 0.5).MaxBy(q => q.Score);
            if (rival is not null)
            {
                signals.Add((1 - (p.Score - rival.Score), string.Create(CultureInfo.InvariantCulture,
                    $"classes close on one object: {labelOf(p.CategoryId)} {p.Score:0.00} vs {labelOf(rival.CategoryId)} {rival.Score:0.00}")));
            }
        }

        var weak = predictions.Where(p => p.Score is >= 0.1 and < 0.5).ToList();
        var tangled = weak.Count(p => weak.Any(q => !ReferenceEquals(p, q) && Overlap.Iou(p, q) >= 0.3));
        if (tangled > 0)
        {
            signals.Add((Math.Min(1, tangled / 5.0), $"{tangled} overlapping low-confidence boxes"));
        }

        return signals.MaxBy(s => s.Score);
    }
}
