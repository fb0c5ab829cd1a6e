using Pipeline.Core.Findings;
using Pipeline.Core.Images;
using Pipeline.Core.Ingest;

namespace Pipeline.Testing;

/// <summary>
/// A catalog row for a test, with ordinary values for everything the test does not name: an accepted 64×64 JPEG of
/// dataset "cats", staged, with middling quality. <c>new CatalogEntryBuilder("b1/a.jpg") { Format = "png" }.Build()</c>.
/// </summary>
public sealed record CatalogEntryBuilder(string Name)
{
    public string Dataset { get; init; } = "cats";

    public IngestStatus Status { get; init; } = IngestStatus.Accepted;

    public string Format { get; init; } = "jpeg";

    public long Length { get; init; } = 1000;

    public int? Width { get; init; } = 64;

    public int? Height { get; init; } = 64;

    public ImageQuality? Quality { get; init; } = new ImageQualityBuilder().Build();

    public IReadOnlyList<Finding> Findings { get; init; } = [];

    public string? StagedPath { get; init; } = "staged";

    public DateTimeOffset IngestedAt { get; init; } = DateTimeOffset.UnixEpoch;

    public string? Promoted { get; init; }

    /// <summary>An annotation file's row: no pixels, no quality, <paramref name="annotations"/> boxes.</summary>
    public static CatalogEntryBuilder Labels(string name, string format = "coco", int annotations = 1) =>
        new(name) { Format = format, Length = 100, Width = null, Height = null, Quality = null, Kind = CatalogKinds.Labels, Annotations = annotations };

    public string Kind { get; init; } = CatalogKinds.Image;

    public int? Annotations { get; init; }

    public CatalogEntry Build() => new(
        Name, BlobNames.BatchOf(Name), Dataset, "etag", Status, ImageGuard.Sha256Hex(System.Text.Encoding.UTF8.GetBytes(Name)), Length, Format,
        Width, Height, Kind == CatalogKinds.Image ? 1 : 0, Orientation: null, Quality, Findings, StagedPath, QuarantinePath: null, DuplicateOf: null,
        IngestedAt, Kind, Annotations, Promoted);
}

/// <summary>An image's quality measures for a test: a mid-grey, sharp, coloured 64×64 picture unless told otherwise.</summary>
public sealed record ImageQualityBuilder
{
    public double Brightness { get; init; } = 0.5;

    public double Contrast { get; init; } = 0.2;

    public double Entropy { get; init; } = 7;

    public double Sharpness { get; init; } = 300;

    public double Blur { get; init; } = 0.2;

    public double ColorSpread { get; init; } = 0.3;

    public string PerceptualHash { get; init; } = "0000000000000000";

    public string PixelHash { get; init; } = new('0', 32);

    public ImageQuality Build() => new(
        0, 0, Brightness, 1, 1, Brightness, Contrast, Entropy, Sharpness, Blur, ColorSpread, AnalysisWidth: 64, AnalysisHeight: 64, PerceptualHash, PixelHash);
}
