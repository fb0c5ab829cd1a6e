using Pipeline.Core.Labels;
using Pipeline.Core.Models;

namespace Pipeline.Testing;

/// <summary>How well a ranked list of issues finds the injected errors of one kind (or of all, <c>all</c>).</summary>
/// <param name="Kind">The issue kind, or <c>all</c>.</param>
/// <param name="Injected">N, the errors of that kind injected.</param>
/// <param name="Recall">Share of them found in the first 1.5 N issues of that kind.</param>
/// <param name="Precision">Share of the first N issues of that kind that are injected errors (of fewer when fewer were listed).</param>
public sealed record KindAccuracy(string Kind, int Injected, double Recall, double Precision);

/// <summary>
/// Scores issue finders on a <see cref="ModelWorld"/>: an issue finds an injected error when it names the same image and
/// kind and, for <c>missing</c>, its box overlaps the removed one at IoU ≥ 0.5, else the same annotation. Also the
/// baseline a team writes first (<see cref="NaiveGreedy"/>).
/// </summary>
public static class LabelIssueAccuracy
{
    /// <summary>The kinds, in report order.</summary>
    public static IReadOnlyList<string> Kinds { get; } = ["missing", "spurious", "wrong_class", "poor_box"];

    /// <summary>Recall and precision per kind, then over all kinds together (one list by score, N = every injected error).</summary>
    public static List<KindAccuracy> Measure(ModelWorld world, IReadOnlyList<LabelIssue> issues)
    {
        var result = Kinds.Select(kind => Score(kind, [.. world.Errors.Where(e => e.Kind == kind)], [.. issues.Where(i => i.Kind == kind).OrderByDescending(i => i.Score)])).ToList();
        result.Add(Score("all", [.. world.Errors], [.. issues.OrderByDescending(i => i.Score)]));
        return result;
    }

    private static KindAccuracy Score(string kind, List<InjectedError> errors, List<LabelIssue> ranked)
    {
        var n = errors.Count;
        if (n == 0)
        {
            return new KindAccuracy(kind, 0, 0, 0);
        }

        var byImage = errors.ToLookup(e => e.Image, StringComparer.Ordinal);
        InjectedError? Hit(LabelIssue issue) => byImage[issue.Image].FirstOrDefault(e => e.Kind == issue.Kind && (issue.Kind == "missing"
            ? Overlap.Iou(issue.Bbox[0], issue.Bbox[1], issue.Bbox[2], issue.Bbox[3], e.Box[0], e.Box[1], e.Box[2], e.Box[3], crowd: false) >= 0.5
            : issue.AnnotationId == e.AnnotationId));

        var found = ranked.Take((int)Math.Ceiling(1.5 * n)).Select(Hit).OfType<InjectedError>().Distinct().Count();
        var top = ranked.Take(n).ToList();
        var correct = top.Select(Hit).OfType<InjectedError>().Distinct().Count();
        return new KindAccuracy(kind, n, (double)found / n, top.Count == 0 ? 0 : (double)correct / top.Count);
    }

    /// <summary>
    /// The baseline: per image, each label in file order takes the first confident prediction (score ≥
    /// <paramref name="confidence"/>, in file order) at IoU ≥ 0.5 whatever its class; a label that takes none is
    /// <c>spurious</c> (score 1), one that takes another class's prediction <c>wrong_class</c> (score: its
    /// confidence); confident predictions left are <c>missing</c> (score: confidence). No notion of a bad box.
    /// </summary>
    public static List<LabelIssue> NaiveGreedy(LabelDocument labels, IReadOnlyList<Detection> predictions, double confidence = 0.5)
    {
        var byImage = predictions.Where(p => p.Score >= confidence).ToLookup(p => p.ImageId);
        var boxes = labels.Boxes.ToLookup(b => b.ImageId);
        var issues = new List<LabelIssue>();
        foreach (var image in labels.Images)
        {
            var open = byImage[image.Id].ToList();
            foreach (var label in boxes[image.Id])
            {
                double[] box = [label.X, label.Y, label.Width, label.Height];
                var match = open.FirstOrDefault(p => Overlap.Iou(p, label) >= 0.5);
                if (match is null)
                {
                    issues.Add(new LabelIssue(image.FileName, "spurious", 1, label.Id, null, null, box));
                    continue;
                }

                open.Remove(match);
                if (match.CategoryId != label.CategoryId)
                {
                    issues.Add(new LabelIssue(image.FileName, "wrong_class", match.Score, label.Id, null, null, box));
                }
            }

            issues.AddRange(open.Select(p => new LabelIssue(image.FileName, "missing", p.Score, null, null, null, [p.X, p.Y, p.Width, p.Height])));
        }

        return issues;
    }
}
