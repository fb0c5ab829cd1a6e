using Pipeline.Core.Labels;

namespace Pipeline.Core.Models;

/// <summary>
/// Labels against confident predictions, class by class, with a background row and column: per image, confident
/// predictions (score ≥ the confidence) most confident first each take the unmatched label they overlap most at IoU ≥
/// the threshold, whatever its class; <c>Counts[label][predicted]</c> counts those pairs, a label no prediction took
/// is counted under the background column (missed), a prediction that took no label under the background row
/// (a false detection). The diagonal is what the model got right.
/// </summary>
/// <param name="Labels">The classes in id order, then "background".</param>
/// <param name="Counts">Row: the label's class (or background); column: the predicted class (or background).</param>
public sealed record ConfusionMatrix(IReadOnlyList<string> Labels, int[][] Counts)
{
    /// <summary>The name of the last row and column.</summary>
    public const string Background = "background";

    /// <summary>Builds the matrix.</summary>
    public static ConfusionMatrix Build(LabelDocument truth, IReadOnlyList<Detection> detections, double confidence = 0.5, double iou = 0.5)
    {
        var categories = truth.CategoriesById();
        var index = categories.Select((c, i) => (c.Id, i)).ToDictionary(p => p.Id, p => p.i);
        var n = categories.Count;
        var counts = Enumerable.Range(0, n + 1).Select(_ => new int[n + 1]).ToArray();
        var predictions = detections.Where(d => d.Score >= confidence && index.ContainsKey(d.CategoryId)).ToLookup(d => d.ImageId);
        var labels = truth.Boxes.Where(b => index.ContainsKey(b.CategoryId) && b.Attributes?.GetValueOrDefault("iscrowd") is not ("1" or "true")).ToLookup(b => b.ImageId);
        foreach (var image in truth.Images.Select(i => i.Id).Distinct())
        {
            var open = labels[image].ToList();
            foreach (var p in predictions[image].OrderByDescending(d => d.Score))
            {
                var best = open.Select(l => (Label: l, Iou: Overlap.Iou(p, l))).Where(x => x.Iou >= iou).OrderByDescending(x => x.Iou).FirstOrDefault();
                if (best.Label is null)
                {
                    counts[n][index[p.CategoryId]]++;
                    continue;
                }

                open.Remove(best.Label);
                counts[index[best.Label.CategoryId]][index[p.CategoryId]]++;
            }

            foreach (var missed in open)
            {
                counts[index[missed.CategoryId]][n]++;
            }
        }

        return new ConfusionMatrix([.. categories.Select(c => c.Name), Background], counts);
    }
}
