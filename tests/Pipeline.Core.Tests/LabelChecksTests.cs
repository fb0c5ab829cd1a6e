using Pipeline.Core.Findings;
using Pipeline.Core.Labels;

namespace Pipeline.Core.Tests;

public sealed class LabelChecksTests
{
    private static readonly LabelQaOptions Defaults = new();

    private static LabelDocument Document(params LabelBox[] boxes)
    {
        var document = new LabelDocument { Format = LabelFormat.Coco };
        document.Categories.AddRange([new LabelCategory(1, "cat"), new LabelCategory(2, "dog")]);
        document.Images.AddRange([new LabelImage(1, "a.jpg", 200, 100), new LabelImage(2, "b.jpg", 64, 48)]);
        document.Boxes.AddRange(boxes);
        return document;
    }

    private static LabelBox Box(long id, double x, double y, double w, double h, long image = 1, long category = 1, string? annotator = null) =>
        new(id, image, category, x, y, w, h, annotator);

    private static List<LabelFinding> Run(LabelDocument document, IReadOnlyDictionary<string, (int, int)>? real = null, LabelQaOptions? options = null) =>
        LabelChecks.Run(document, real, options ?? Defaults);

    private static List<LabelFinding> Of(List<LabelFinding> findings, string code) => [.. findings.Where(f => f.Finding.Code == code)];

    [Fact]
    public void A_clean_document_has_no_findings()
    {
        var findings = Run(Document(Box(1, 10, 10, 20, 20), Box(2, 5, 5, 10, 10, image: 2, category: 2), Box(3, 100, 50, 30, 30), Box(4, 1, 1, 5, 5, image: 2, category: 2)));

        Assert.Empty(findings);
    }

    [Fact]
    public void Values_NaN_negative_zero_and_out_of_bounds_each_have_their_code_naming_image_and_annotation()
    {
        var findings = Run(Document(
            Box(1, double.NaN, 10, 20, 20),
            Box(2, 10, 10, -5, 20),
            Box(3, 10, 10, 0, 20),
            Box(4, 190, 10, 20, 20),        // 10 px past the right edge
            Box(5, -0.5, 0, 200.5, 100),    // within the 1 px tolerance
            Box(6, 1, 1, 2, 2), Box(7, 3, 3, 2, 2, category: 2), Box(8, 5, 5, 2, 2, category: 2)));

        Assert.Equal(1L, Assert.Single(Of(findings, FindingCodes.LabelCoordinateNotFinite)).AnnotationId);
        Assert.Equal(2L, Assert.Single(Of(findings, FindingCodes.LabelNegativeSize)).AnnotationId);
        Assert.Equal(3L, Assert.Single(Of(findings, FindingCodes.LabelZeroArea)).AnnotationId);
        var outside = Assert.Single(Of(findings, FindingCodes.LabelBoxOutOfBounds));
        Assert.Equal(4L, outside.AnnotationId);
        Assert.Equal(10, outside.Finding.Value);
        Assert.Equal("a.jpg", outside.Finding.Subject);
        Assert.Equal("cat", outside.Label);
        Assert.Contains("Annotation 4 on 'a.jpg'", outside.Finding.Message);
    }

    [Fact]
    public void Normalised_boxes_are_bounded_by_the_image_and_checked_in_its_pixels_when_known()
    {
        var document = new LabelDocument { Format = LabelFormat.Yolo, Normalized = true };
        document.Categories.Add(new LabelCategory(0, "cat"));
        document.Images.AddRange([new LabelImage(0, "a.jpg", null, null), new LabelImage(1, "b.jpg", null, null)]);
        document.Boxes.AddRange([new LabelBox(1, 0, 0, 0.9, 0.1, 0.2, 0.2), new LabelBox(1, 1, 0, 0.1, 0.1, 0.9005, 0.2), new LabelBox(2, 1, 0, 0.5, 0.5, 0.1, 0.1)]);

        var unknownSizes = Of(Run(document), FindingCodes.LabelBoxOutOfBounds);
        var knownSizes = Of(Run(document, new Dictionary<string, (int, int)> { ["a.jpg"] = (1000, 1000), ["b.jpg"] = (100, 100) }), FindingCodes.LabelBoxOutOfBounds);

        Assert.Equal(["a.jpg"], unknownSizes.Select(f => f.Finding.Subject)); // 0.1 past the edge; b.jpg's 0.0005 is within 0.002
        Assert.Equal(["a.jpg"], knownSizes.Select(f => f.Finding.Subject));   // b.jpg: 0.05 px on a 100 px image
    }

    [Fact]
    public void Duplicate_boxes_and_conflicting_classes_are_found_per_annotator()
    {
        var findings = Run(Document(
            Box(1, 10, 10, 50, 50), Box(2, 10.5, 10, 50, 50),                   // the same cat twice
            Box(3, 100, 10, 50, 50), Box(4, 100, 10, 50, 50.5, category: 2),    // a cat and a dog on one box
            Box(5, 10, 60, 30, 30, annotator: "x"), Box(6, 10, 60, 30, 30, annotator: "y"), // two annotators agree
            Box(7, 1, 1, 5, 5, image: 2, category: 2)));

        var duplicate = Assert.Single(Of(findings, FindingCodes.LabelDuplicateBox));
        Assert.Equal(2L, duplicate.AnnotationId);
        Assert.InRange(duplicate.Finding.Value!.Value, 0.95, 1.0);
        var conflict = Assert.Single(Of(findings, FindingCodes.LabelConflictingClasses));
        Assert.Contains("'cat'", conflict.Finding.Message);
        Assert.Contains("'dog'", conflict.Finding.Message);
    }

    [Fact]
    public void Taxonomy_undefined_and_unused_labels()
    {
        var document = Document(Box(1, 1, 1, 5, 5, category: 7), Box(2, 1, 1, 5, 5, image: 2));
        document.Categories.Add(new LabelCategory(3, "bird"));

        var findings = Run(document);

        Assert.Contains("uses label 7", Assert.Single(Of(findings, FindingCodes.LabelUndefined)).Finding.Message);
        Assert.Equal(["dog", "bird"], Of(findings, FindingCodes.LabelUnused).Select(f => f.Label));
    }

    [Fact]
    public void Pairing_with_the_real_images_and_their_sizes()
    {
        var document = Document(Box(1, 1, 1, 5, 5), Box(2, 1, 1, 5, 5, image: 99, category: 2));
        var real = new Dictionary<string, (int, int)> { ["a.jpg"] = (200, 100), ["b.jpg"] = (640, 480), ["c.jpg"] = (10, 10) };

        var findings = Run(document, real);

        Assert.Contains("64×48; the image is 640×480", Assert.Single(Of(findings, FindingCodes.LabelImageSizeMismatch)).Finding.Message);
        Assert.Equal(["b.jpg", "c.jpg"], Of(findings, FindingCodes.LabelImageWithoutAnnotations).Select(f => f.Finding.Subject).Order());
        Assert.Contains("image id 99", Assert.Single(Of(findings, FindingCodes.LabelAnnotationWithoutImage)).Finding.Message);

        document.Images.Add(new LabelImage(99, "gone.jpg", null, null));
        Assert.Contains("'gone.jpg', which is not among the images", Assert.Single(Of(Run(document, real), FindingCodes.LabelAnnotationWithoutImage)).Finding.Message);
    }

    [Fact]
    public void Images_named_without_their_folder_pair_by_file_name_when_it_is_unique()
    {
        var document = Document(Box(1, 1, 1, 5, 5), Box(2, 1, 1, 5, 5, image: 2, category: 2));
        var real = new Dictionary<string, (int, int)> { ["photos/a.jpg"] = (200, 100), ["photos/b.jpg"] = (64, 48), ["x/c.jpg"] = (9, 9), ["y/c.jpg"] = (9, 9) };

        var findings = Run(document, real);

        Assert.Empty(Of(findings, FindingCodes.LabelAnnotationWithoutImage));
        Assert.Empty(Of(findings, FindingCodes.LabelImageSizeMismatch));
        Assert.Equal(["x/c.jpg", "y/c.jpg"], Of(findings, FindingCodes.LabelImageWithoutAnnotations).Select(f => f.Finding.Subject).Order());
    }

    [Fact]
    public void Statistics_few_samples_imbalance_dominance_and_far_from_mean()
    {
        var random = new Random(3);
        var boxes = Enumerable.Range(1, 100).Select(i => Box(i, random.Next(100), random.Next(50), 20 + random.Next(5), 20 + random.Next(5))).ToList();
        boxes.Add(Box(101, 0, 0, 199, 99));                // a cat box far larger than every other cat
        boxes.Add(Box(102, 1, 1, 5, 5, image: 2, category: 2)); // a single dog

        var findings = Run(Document([.. boxes]));

        Assert.Equal("dog", Assert.Single(Of(findings, FindingCodes.LabelFewSamples)).Label);
        Assert.Equal(101, Assert.Single(Of(findings, FindingCodes.LabelImbalance)).Finding.Value);
        Assert.Equal(101.0 / 102, Assert.Single(Of(findings, FindingCodes.LabelDominance)).Finding.Value!.Value, 6);
        var far = Assert.Single(Of(findings, FindingCodes.LabelFarFromMean));
        Assert.Equal(101L, far.AnnotationId);
        Assert.Contains("area", far.Finding.Message);
    }

    [Fact]
    public void A_report_aggregates_a_flood_into_counts_and_the_worst_examples()
    {
        // 5,000 cats, each on its own 200×100 image, reaching 0–99 px past the right edge (2 in 100 within tolerance).
        var document = Document(Box(9000, 1, 1, 5, 5, image: 2, category: 2));
        document.Images.AddRange(Enumerable.Range(1, 5000).Select(i => new LabelImage(1000 + i, $"many/{i}.jpg", 200, 100)));
        document.Boxes.AddRange(Enumerable.Range(1, 5000).Select(i => Box(i, 190, 10, 10 + (i % 100), 20, image: 1000 + i)));

        var report = LabelReport.Build(document, Run(document));

        var outside = Assert.Single(report.Codes, c => c.Code == FindingCodes.LabelBoxOutOfBounds);
        Assert.Equal(4900, outside.Count);
        Assert.Equal(LabelReport.ExamplesPerCode, outside.Examples.Count);
        Assert.Equal(99, outside.Examples[0].Finding.Value); // the worst first
        Assert.Equal(Severity.Error, report.Codes[0].Severity);
        Assert.Equal(5001, report.Boxes);
        var cat = Assert.Single(report.Labels, l => l.Label == "cat");
        Assert.Equal(4900, cat.Findings[FindingCodes.LabelBoxOutOfBounds]);
        Assert.Equal(5000, cat.Boxes);
    }
}
