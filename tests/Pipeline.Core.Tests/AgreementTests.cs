using Pipeline.Core.Labels;

namespace Pipeline.Core.Tests;

public sealed class AgreementTests
{
    private static readonly (double X, double Y, long Label)[] Objects = [(10, 10, 1), (100, 10, 2), (10, 100, 1), (100, 100, 2)];

    /// <summary>
    /// Four images with four objects each: "careful" draws all of them; "steady" all but nudged a little;
    /// "lazy" skips the last two objects of every image; "sloppy" swaps the label of the second and adds a stray box.
    /// </summary>
    private static LabelDocument Panel()
    {
        var document = new LabelDocument { Format = LabelFormat.Coco };
        document.Categories.AddRange([new LabelCategory(1, "car"), new LabelCategory(2, "bus")]);
        var id = 0;
        for (var image = 1; image <= 4; image++)
        {
            document.Images.Add(new LabelImage(image, $"{image}.jpg", 200, 200));
            for (var o = 0; o < Objects.Length; o++)
            {
                var (x, y, label) = Objects[o];
                document.Boxes.Add(new LabelBox(++id, image, label, x, y, 50, 50, "careful"));
                document.Boxes.Add(new LabelBox(++id, image, label, x + 2, y + 1, 49, 50, "steady"));
                if (o < 2)
                {
                    document.Boxes.Add(new LabelBox(++id, image, label, x + 1, y, 50, 51, "lazy"));
                }

                document.Boxes.Add(new LabelBox(++id, image, o == 1 ? 1 : label, x - 1, y + 2, 50, 50, "sloppy"));
            }

            document.Boxes.Add(new LabelBox(++id, image, 1, 150, 150, 30, 30, "sloppy"));
        }

        return document;
    }

    [Fact]
    public void Against_the_consensus_each_annotator_gets_the_precision_and_recall_their_habits_earn()
    {
        var report = Agreement.Score(Panel(), null, new AgreementOptions());
        var scores = report.Annotators.ToDictionary(a => a.Annotator);

        Assert.Equal("consensus", report.Reference);
        Assert.Equal((1.0, 1.0), (scores["careful"].Precision, scores["careful"].Recall));
        Assert.Equal((1.0, 1.0), (scores["steady"].Precision, scores["steady"].Recall));
        Assert.Equal((1.0, 0.5), (scores["lazy"].Precision, scores["lazy"].Recall));          // 8 of 16 objects
        Assert.Equal((12, 8, 4), (scores["sloppy"].TruePositives, scores["sloppy"].FalsePositives, scores["sloppy"].FalseNegatives));
        Assert.Equal(0.6, scores["sloppy"].Precision, 6);
        Assert.Equal(0.75, scores["sloppy"].Recall, 6);
        Assert.Equal(["careful", "steady"], report.Annotators.Take(2).Select(a => a.Annotator).Order());
        Assert.Equal(4, scores["lazy"].Images);
        Assert.Equal(4, report.Disputed.Count);
        Assert.All(report.Disputed, d => Assert.InRange(d.MeanF1, 0.5, 0.99));
    }

    [Fact]
    public void A_quorum_of_all_drops_objects_the_lazy_annotator_skipped_from_the_consensus()
    {
        var scores = Agreement.Score(Panel(), null, new AgreementOptions { Quorum = 4 }).Annotators.ToDictionary(a => a.Annotator);

        // Only the first two objects of each image were drawn by all four (the second's label by majority: bus).
        Assert.Equal((1.0, 1.0), (scores["lazy"].Recall, scores["careful"].Recall));
        Assert.Equal(0.5, scores["careful"].Precision, 6);
        Assert.Equal((4, 16, 4), (scores["sloppy"].TruePositives, scores["sloppy"].FalsePositives, scores["sloppy"].FalseNegatives));
    }

    [Fact]
    public void Against_ground_truth_the_reference_is_the_given_boxes_and_a_stricter_iou_rejects_loose_boxes()
    {
        var panel = Panel();
        var truth = panel.Boxes.Where(b => b.Annotator == "careful").GroupBy(b => b.ImageId)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<LabelBox>)[.. g.Select(b => b with { Annotator = null })]);

        var loose = Agreement.Score(panel, truth, new AgreementOptions()).Annotators.ToDictionary(a => a.Annotator);
        var strict = Agreement.Score(panel, truth, new AgreementOptions { Iou = 0.99 }).Annotators.ToDictionary(a => a.Annotator);

        Assert.Equal(1.0, loose["steady"].F1);
        Assert.Equal(0.0, strict["steady"].F1); // every steady box is a little off
        Assert.Equal(1.0, strict["careful"].F1);
    }
}
