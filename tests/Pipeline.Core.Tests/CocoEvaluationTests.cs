using System.Text;
using Pipeline.Core.Labels;
using Pipeline.Core.Models;

namespace Pipeline.Core.Tests;

/// <summary>
/// The COCO detection metrics on cases small enough to work out by hand from COCOeval's definition (pycocotools cannot
/// run here): the expected values below are derived in the comments, not taken from this code.
/// </summary>
public sealed class CocoEvaluationTests
{
    private const double Tolerance = 1e-9;

    private static LabelDocument Truth(params (long Image, long Category, double X, double Y, double W, double H, bool Crowd)[] boxes)
    {
        var document = new LabelDocument { Format = LabelFormat.Coco };
        document.Categories.AddRange([new LabelCategory(1, "cat"), new LabelCategory(2, "dog")]);
        document.Images.AddRange(boxes.Select(b => b.Image).Append(1).Distinct().Order().Select(i => new LabelImage(i, $"{i}.jpg", 640, 480)));
        document.Boxes.AddRange(boxes.Select((b, n) => new LabelBox(n + 1, b.Image, b.Category, b.X, b.Y, b.W, b.H,
            Attributes: new Dictionary<string, string> { ["iscrowd"] = b.Crowd ? "1" : "0" })));
        return document;
    }

    [Fact]
    public void The_thresholds_are_numpys_linspace()
    {
        Assert.Equal(10, CocoEvaluation.IouThresholds.Count);
        Assert.Equal((0.5, 0.95), (CocoEvaluation.IouThresholds[0], CocoEvaluation.IouThresholds[^1]));
        Assert.Equal(101, CocoEvaluation.RecallThresholds.Count);
        Assert.Equal((0.0, 0.5, 1.0), (CocoEvaluation.RecallThresholds[0], CocoEvaluation.RecallThresholds[50], CocoEvaluation.RecallThresholds[^1]));
    }

    [Fact]
    public void A_perfect_detection_scores_one_everywhere_its_size_counts()
    {
        // A 50×50 box (area 2,500: medium, between 32² and 96²) found exactly.
        var metrics = CocoEvaluation.Evaluate(Truth((1, 1, 10, 10, 50, 50, false)), [new Detection(1, 1, 10, 10, 50, 50, 0.9)]);

        Assert.Equal(1, metrics.MAP, Tolerance);
        Assert.Equal(1, metrics.AP50, Tolerance);
        Assert.Equal(1, metrics.AP75, Tolerance);
        Assert.Equal((-1.0, -1.0), (metrics.APs, metrics.APl)); // no small or large box: nothing to measure
        Assert.Equal(1, metrics.APm, Tolerance);
        Assert.Equal((1.0, 1.0, 1.0), (metrics.AR1, metrics.AR10, metrics.AR100));
        Assert.Equal("cat", Assert.Single(metrics.PerClass).Label); // dog has no box: not averaged
    }

    [Fact]
    public void A_detection_at_iou_072_counts_at_five_of_the_ten_thresholds()
    {
        // Box 100×100, detection 100×72 inside it: IoU 7,200 / 10,000 = 0.72, so it matches at 0.50, 0.55, 0.60, 0.65
        // and 0.70 (precision 1 at every recall point) and not at 0.75–0.95 (precision 0): AP = 5/10, AR = 5/10.
        var metrics = CocoEvaluation.Evaluate(Truth((1, 1, 0, 0, 100, 100, false)), [new Detection(1, 1, 0, 0, 100, 72, 0.8)]);

        Assert.Equal(0.5, metrics.MAP, Tolerance);
        Assert.Equal(1, metrics.AP50, Tolerance);
        Assert.Equal(0, metrics.AP75, Tolerance);
        Assert.Equal(0.5, metrics.AR100, Tolerance);
        // The box is large (10,000 > 96²); the detection (7,200) is medium, so where it matches nothing in the large
        // range it is ignored there, not a false positive: APl is 0.5 too. No medium box: APm is -1.
        Assert.Equal(0.5, metrics.APl, Tolerance);
        Assert.Equal(-1, metrics.APm);
    }

    [Fact]
    public void Precision_is_interpolated_at_101_recall_points()
    {
        // Two 10×10 boxes; detections by score: A finds box 1, B finds nothing, C finds box 2. Cumulative: recall 0.5,
        // 0.5, 1; precision 1, 1/2, 2/3, made monotone from the right: 1, 2/3, 2/3. Recall points 0.00–0.50 (51 of
        // them) read precision 1, points 0.51–1.00 (50) read 2/3: AP = (51 + 50 · 2/3) / 101 at every threshold.
        var truth = Truth((1, 1, 0, 0, 10, 10, false), (1, 1, 50, 50, 10, 10, false));
        Detection[] detections = [new(1, 1, 0, 0, 10, 10, 0.9), new(1, 1, 100, 100, 10, 10, 0.8), new(1, 1, 50, 50, 10, 10, 0.7)];

        var metrics = CocoEvaluation.Evaluate(truth, detections);

        var expected = (51 + (50 * 2.0 / 3)) / 101;
        Assert.Equal(expected, metrics.MAP, Tolerance);
        Assert.Equal(expected, metrics.APs, Tolerance); // both boxes are small (100 < 32²)
        Assert.Equal(0.5, metrics.AR1, Tolerance); // one detection an image: only A
        Assert.Equal(1, metrics.AR10, Tolerance);

        // The curve at IoU 0.50 is those 101 points: 1 up to recall 0.50, 2/3 after.
        var curve = Assert.Single(metrics.PerClass).PrecisionAt50;
        Assert.Equal(101, curve.Count);
        Assert.All(curve.Take(51), p => Assert.Equal(1, p, Tolerance));
        Assert.All(curve.Skip(51), p => Assert.Equal(2.0 / 3, p, Tolerance));
    }

    [Fact]
    public void A_detection_inside_a_crowd_box_is_neither_a_true_nor_a_false_positive()
    {
        // A crowd region and a person; the highest-scoring detection lies inside the crowd (IoU against a crowd box is
        // the intersection over the detection's own area: 400 / 400 = 1), so it is ignored; the person is found: AP 1.
        // Were it counted, it would be a false positive ranked first: precision 0 then 1/2, monotone 1/2, AP 0.5.
        var truth = Truth((1, 1, 0, 0, 100, 100, true), (1, 1, 200, 200, 50, 50, false));
        Detection[] detections = [new(1, 1, 10, 10, 20, 20, 0.95), new(1, 1, 200, 200, 50, 50, 0.9)];

        Assert.Equal(1, CocoEvaluation.Evaluate(truth, detections).MAP, Tolerance);
    }

    [Fact]
    public void Labels_are_matched_only_with_their_own_label_and_averaged_over_labels_with_boxes()
    {
        // A dog detection on the cat's box matches nothing (a false positive for dog, whose box is elsewhere and
        // missed): dog AP 0. The cat's own detection finds it: cat AP 1. The mean over the two labels: 0.5.
        var truth = Truth((1, 1, 0, 0, 20, 20, false), (1, 2, 40, 40, 20, 20, false));
        Detection[] detections = [new(1, 2, 0, 0, 20, 20, 0.9), new(1, 1, 0, 0, 20, 20, 0.6)];

        var metrics = CocoEvaluation.Evaluate(truth, detections);

        Assert.Equal(0.5, metrics.MAP, Tolerance);
        Assert.Equal([("cat", 1.0), ("dog", 0.0)], metrics.PerClass.Select(c => (c.Label, Math.Round(c.AP, 9))));
    }

    [Fact]
    public void Recall_at_one_detection_keeps_only_each_images_best_scoring_one()
    {
        // One box; a false positive at 0.9, the true detection at 0.8. AR@1 keeps only the false positive: 0. AR@10: 1.
        // AP: precision 0 then 1/2 at recall 0 then 1, monotone: 1/2 at every recall point: AP = 0.5.
        var truth = Truth((1, 1, 0, 0, 40, 40, false));
        Detection[] detections = [new(1, 1, 300, 300, 40, 40, 0.9), new(1, 1, 0, 0, 40, 40, 0.8)];

        var metrics = CocoEvaluation.Evaluate(truth, detections);

        Assert.Equal((0.0, 1.0), (metrics.AR1, Math.Round(metrics.AR10, 9)));
        Assert.Equal(0.5, metrics.MAP, Tolerance);
    }

    [Fact]
    public void The_confusion_matrix_counts_labels_against_confident_predictions_with_a_background_row_and_column()
    {
        // cat found as cat; dog called cat; a dog nobody found (missed: background column); a confident dog on nothing
        // (background row); a weak dog (0.3) below the confidence: not counted anywhere.
        var truth = Truth((1, 1, 0, 0, 40, 40, false), (1, 2, 100, 0, 40, 40, false), (1, 2, 200, 0, 40, 40, false));
        Detection[] detections = [new(1, 1, 0, 0, 40, 40, 0.9), new(1, 1, 100, 0, 40, 40, 0.8), new(1, 2, 400, 400, 40, 40, 0.7), new(1, 2, 200, 0, 40, 40, 0.3)];

        var matrix = ConfusionMatrix.Build(truth, detections);

        Assert.Equal(["cat", "dog", "background"], matrix.Labels);
        Assert.Equal([[1, 0, 0], [1, 0, 1], [0, 1, 0]], matrix.Counts.Select(r => r.ToArray()));
    }

    [Fact]
    public async Task Predictions_are_read_as_coco_results_by_image_id_or_file_name_and_the_unusable_ones_counted()
    {
        var truth = Truth((1, 1, 0, 0, 40, 40, false), (2, 2, 0, 0, 40, 40, false));
        const string results = """
            [{"image_id": 1, "category_id": 1, "bbox": [0, 0, 40, 40], "score": 0.9},
             {"file_name": "images/2.jpg", "category_id": 2, "bbox": [1.5, 0, 40, 40], "score": 0.7},
             {"image_id": 9, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 0.5},
             {"image_id": 1, "category_id": 7, "bbox": [0, 0, 1, 1], "score": 0.5},
             {"image_id": 1, "category_id": 1, "bbox": [0, 0, 1], "score": 0.5},
             {"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 1.5}]
            """;

        var read = await PredictionsReader.ReadCocoResultsAsync(new MemoryStream(Encoding.UTF8.GetBytes(results)), truth, CancellationToken.None);

        Assert.Equal([(1L, 1L, 0.9), (2L, 2L, 0.7)], read.Detections.Select(d => (d.ImageId, d.CategoryId, d.Score)));
        Assert.Equal(4, read.Problems.Count);
        Assert.Contains("1 prediction(s) with an image the labels do not have, e.g. element 3 (9)", read.Problems);
        Assert.Contains("1 prediction(s) with a label the labels do not define, e.g. element 4 (category_id 7)", read.Problems);
    }
}
