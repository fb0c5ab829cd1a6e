using Pipeline.Core.Labels;
using Pipeline.Core.Models;

namespace Pipeline.Core.Tests;

public sealed class LabelIssuesTests
{
    [Fact]
    public void Each_kind_of_label_issue_is_found_scored_and_ranked()
    {
        var truth = new LabelDocument { Format = LabelFormat.Coco };
        truth.Categories.AddRange([new LabelCategory(1, "cat"), new LabelCategory(2, "dog")]);
        truth.Images.AddRange([new LabelImage(1, "a.jpg", 640, 480), new LabelImage(2, "b.jpg", 640, 480)]);
        truth.Boxes.AddRange(
        [
            new LabelBox(10, 1, 1, 0, 0, 100, 100), // found as a cat: fine
            new LabelBox(11, 1, 2, 200, 0, 100, 100), // the model says cat, confidently, on the same box: wrong_class
            new LabelBox(12, 1, 1, 0, 200, 100, 100), // a cat 60 px off: IoU 40·100 / 160·100 = 0.25: poor_box
            new LabelBox(13, 1, 2, 400, 400, 50, 50), // nothing near it: spurious
            new LabelBox(14, 2, 1, 0, 0, 50, 50), // a weak (0.2) cat on it: spurious, less likely
        ]);
        Detection[] predictions =
        [
            new(1, 1, 0, 0, 100, 100, 0.9),
            new(1, 1, 200, 0, 100, 100, 0.8),
            new(1, 1, 60, 200, 100, 100, 0.9),
            new(1, 1, 300, 300, 60, 60, 0.7), // on no label: missing
            new(1, 1, 305, 300, 60, 60, 0.6), // the same object again: not a second missing box
            new(1, 2, 500, 0, 30, 30, 0.2), // not confident: no evidence
            new(2, 1, 0, 0, 50, 50, 0.2),
        ];

        var (issues, images) = LabelIssues.Find(truth, predictions);

        // spurious 1 − 0 = 1; wrong_class 0.8; spurious 1 − 0.2 = 0.8 (b.jpg); missing 0.7; poor_box 0.9 · (1 − 0.25 / 0.5) = 0.45.
        Assert.Equal(
            [("a.jpg", "spurious", 1.0, (long?)13), ("a.jpg", "wrong_class", 0.8, 11), ("b.jpg", "spurious", 0.8, 14), ("a.jpg", "missing", 0.7, null), ("a.jpg", "poor_box", 0.45, 12)],
            issues.Select(i => (i.Image, i.Kind, Math.Round(i.Score, 9), i.AnnotationId)));
        var wrong = issues[1];
        Assert.Equal(("dog", "cat"), (wrong.Label, wrong.PredictedLabel));
        Assert.Equal(new[] { 200.0, 0, 100, 100 }, wrong.Bbox); // a label's issue is at the label's box
        Assert.Equal(new[] { 300.0, 300, 60, 60 }, issues[3].Bbox); // a missing box is the prediction's
        Assert.Equal([("a.jpg", 0.0, 4), ("b.jpg", 0.2, 1)], images.Select(i => (i.Image, Math.Round(i.Quality, 9), i.Issues)));
    }
}
