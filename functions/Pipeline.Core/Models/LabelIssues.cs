using Pipeline.Core.Labels;

namespace Pipeline.Core.Models;

/// <summary>A likely label error a model's predictions point at.</summary>
/// <param name="Image">The image's file name.</param>
/// <param name="Kind"><c>missing</c>, <c>spurious</c>, <c>wrong_class</c> or <c>poor_box</c>.</param>
/// <param name="Score">How likely a real label error, in [0, 1]; within a kind, higher is always more likely.</param>
/// <param name="AnnotationId">The label concerned (none for <c>missing</c>).</param>
/// <param name="Label">Its label (none for <c>missing</c>).</param>
/// <param name="PredictedLabel">What the model says is there (none for <c>spurious</c>).</param>
/// <param name="Bbox">[x, y, w, h] in pixels: the label's box, or the prediction's for <c>missing</c>.</param>
public sealed record LabelIssue(string Image, string Kind, double Score, long? AnnotationId, string? Label, string? PredictedLabel, IReadOnlyList<double> Bbox);

/// <summary>An image's label quality: the chance that none of its issues is a real error, Π(1 − score).</summary>
/// <param name="Image">The image's file name.</param>
/// <param name="Quality">In [0, 1]; 1 for an image with no issue.</param>
/// <param name="Issues">How many issues it has.</param>
public sealed record ImageLabelQuality(string Image, double Quality, int Issues);

/// <summary>The thresholds of <see cref="LabelIssues"/>.</summary>
public sealed class LabelIssueOptions
{
    /// <summary>A prediction at least this confident is evidence (a missing box, another class, a better box).</summary>
    public double Confidence { get; init; } = 0.5;

    /// <summary>IoU at which a prediction and a label are the same object.</summary>
    public double MatchIou { get; init; } = 0.5;

    /// <summary>IoU from which a same-class prediction that does not match is the same object with a bad box (below: unrelated).</summary>
    public double PoorBoxIou { get; init; } = 0.1;
}

/// <summary>
/// Labels judged against a model's predictions, per image. First each label is matched to a same-class confident
/// prediction (IoU ≥ 0.5; greedily by score, each prediction once): those agree. A label left over is a
/// <c>poor_box</c> when a same-class confident prediction that matched nothing overlaps it (0.1 ≤ IoU &lt; 0.5;
/// score = confidence × (1 − IoU / 0.5)); else <c>wrong_class</c> when a confident prediction of another class is
/// on it (IoU ≥ 0.5; score = that confidence × (1 − the best confidence of a labelled-class box on it: a runner-up
/// of the labelled class says the model finds the two confusable)); else <c>spurious</c> (score = 1 − the strongest
/// evidence of an object there: any prediction of any label, however faint, confidence × min(1, IoU / 0.5); ties, bigger
/// first). A confident prediction left over that overlaps no
/// label (IoU &lt; 0.5 with every one) is <c>missing</c> (score = its confidence; overlapping leftovers counted once,
/// the most confident). Scores rest on the model's confidence, so they rank issues by how strongly the model
/// contradicts the label: calibrated only as far as the model's own scores are.
/// </summary>
public static class LabelIssues
{
    /// <summary>Every issue, most likely first, and each labelled image's quality.</summary>
    public static (List<LabelIssue> Issues, List<ImageLabelQuality> Images) Find(LabelDocument truth, IReadOnlyList<Detection> detections, LabelIssueOptions? options = null)
    {
        options ??= new LabelIssueOptions();
        var names = truth.CategoryNames();
        string NameOf(long id) => names.TryGetValue(id, out var n) ? n : $"#{id}";
        var predictions = detections.ToLookup(d => d.ImageId);
        var labels = truth.Boxes.Where(b => b.Attributes?.GetValueOrDefault("iscrowd") is not ("1" or "true")).ToLookup(b => b.ImageId);
        var issues = new List<LabelIssue>();
        foreach (var image in truth.Images)
        {
            issues.AddRange(ImageIssues(image.FileName, [.. labels[image.Id]], [.. predictions[image.Id].OrderByDescending(p => p.Score)], options, NameOf));
        }

        var byImage = issues.ToLookup(i => i.Image, StringComparer.Ordinal);
        var images = truth.Images.Select(image => image.FileName).Distinct(StringComparer.Ordinal)
            .Select(name => new ImageLabelQuality(name, byImage[name].Aggregate(1.0, (q, i) => q * (1 - i.Score)), byImage[name].Count()));
        // Ties (labels nothing supports score 1) bigger first: a model seldom overlooks a big object altogether.
        return ([.. issues.OrderByDescending(i => i.Score).ThenByDescending(i => i.Bbox[2] * i.Bbox[3]).ThenBy(i => i.Image, StringComparer.Ordinal)], [.. images.OrderBy(i => i.Quality).ThenBy(i => i.Image, StringComparer.Ordinal)]);
    }

    private static List<LabelIssue> ImageIssues(string image, List<LabelBox> labels, List<Detection> predictions, LabelIssueOptions options, Func<long, string> nameOf)
    {
        var confident = predictions.Where(p => p.Score >= options.Confidence).ToList();
        var used = new HashSet<Detection>(ReferenceEqualityComparer.Instance);
        var agreed = new HashSet<LabelBox>(ReferenceEqualityComparer.Instance);

        // Agreement first: each confident prediction, most confident first, takes the best same-class label it matches.
        foreach (var p in confident)
        {
            var best = labels.Where(l => l.CategoryId == p.CategoryId && !agreed.Contains(l)).Select(l => (Label: l, Iou: Overlap.Iou(p, l))).Where(x => x.Iou >= options.MatchIou)
                .OrderByDescending(x => x.Iou).FirstOrDefault();
            if (best.Label is not null)
            {
                agreed.Add(best.Label);
                used.Add(p);
            }
        }

        var issues = new List<LabelIssue>();
        foreach (var label in labels.Where(l => !agreed.Contains(l)))
        {
            var box = new[] { label.X, label.Y, label.Width, label.Height };
            var poor = confident.Where(p => !used.Contains(p) && p.CategoryId == label.CategoryId)
                .Select(p => (Prediction: p, Iou: Overlap.Iou(p, label))).Where(x => x.Iou >= options.PoorBoxIou)
                .OrderByDescending(x => x.Prediction.Score * (1 - (x.Iou / options.MatchIou))).FirstOrDefault();
            if (poor.Prediction is not null)
            {
                used.Add(poor.Prediction);
                issues.Add(new LabelIssue(image, "poor_box", poor.Prediction.Score * (1 - (poor.Iou / options.MatchIou)), label.Id, nameOf(label.CategoryId), nameOf(poor.Prediction.CategoryId), box));
                continue;
            }

            var other = confident.Where(p => p.CategoryId != label.CategoryId && Overlap.Iou(p, label) >= options.MatchIou).MaxBy(p => p.Score);
            if (other is not null)
            {
                // Discounted by the model's own doubt: a runner-up box of the labelled class says the two are confusable.
                var doubt = predictions.Where(p => p.CategoryId == label.CategoryId && Overlap.Iou(p, label) >= options.MatchIou).Select(p => p.Score).DefaultIfEmpty(0).Max();
                used.Add(other);
                issues.Add(new LabelIssue(image, "wrong_class", other.Score * (1 - doubt), label.Id, nameOf(label.CategoryId), nameOf(other.CategoryId), box));
                continue;
            }

            // Any box the model puts there, of any label and however faint, is evidence of an object: the less, the likelier the label is invented.
            var support = predictions.Select(p => p.Score * Math.Min(1, Overlap.Iou(p, label) / options.MatchIou)).DefaultIfEmpty(0).Max();
            issues.Add(new LabelIssue(image, "spurious", 1 - support, label.Id, nameOf(label.CategoryId), null, box));
        }

        // Confident predictions no label explains, each overlapping group once (its most confident).
        var kept = new List<Detection>();
        foreach (var p in confident.Where(p => !used.Contains(p) && labels.All(l => Overlap.Iou(p, l) < options.MatchIou)))
        {
            if (kept.All(k => Overlap.Iou(p, k) < options.MatchIou))
            {
                kept.Add(p);
                issues.Add(new LabelIssue(image, "missing", p.Score, null, null, nameOf(p.CategoryId), [p.X, p.Y, p.Width, p.Height]));
            }
        }

        return issues;
    }
}
