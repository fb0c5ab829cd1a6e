using Pipeline.Core.Findings;

namespace Pipeline.Testing;

/// <summary>The bundled bad cases in samples/images/bad: each file, how it is made, and the finding it must get.</summary>
public static class SampleSet
{
    public static string GoodFolder => Path.Combine(RepositoryPaths.Samples, "images", "good");

    public static string BadFolder => Path.Combine(RepositoryPaths.Samples, "images", "bad");

    public static IReadOnlyList<BadSample> Bad { get; } =
    [
        new("empty.jpg", "zero bytes", FindingCodes.ImageEmpty, () => []),
        new("notes.jpg", "a text file named .jpg", FindingCodes.ImageUnknownFormat, TestFiles.Text),
        new("rocket-truncated.jpg", "the real rocket.jpg cut at 60 %: an interrupted upload", FindingCodes.ImageTruncated, () => TestFiles.Truncate(Good("rocket.jpg"))),
        new("chelsea-truncated.png", "the real chelsea.png cut at 60 %", FindingCodes.ImageTruncated, () => TestFiles.Truncate(Good("chelsea.png"))),
        new("bad-crc.png", "a PNG with one flipped byte in its IDAT chunk", FindingCodes.ImageCorrupt, TestFiles.PngWithBadCrc),
        new("scan.tif", "a classic TIFF (refused: unpatched TIFF flaws in the decoder)", FindingCodes.ImageFormatNotAllowed, TestFiles.Tiff),
        new("scan-bigtiff.tif", "a BigTIFF header", FindingCodes.ImageFormatNotAllowed, TestFiles.BigTiff),
        new("bomb-1x500000000.png", "an 84-byte PNG whose header claims 1×500,000,000 pixels", FindingCodes.ImageTooManyPixels, () => TestFiles.PngClaiming(1, 500_000_000)),
        new("bomb-65535x65535.jpg", "a JPEG whose frame header claims 65535×65535", FindingCodes.ImageDimensionTooLarge, () => TestFiles.JpegClaiming(65535, 65535)),
        new("animation-300-frames.gif", "a GIF of 300 frames", FindingCodes.ImageTooManyFrames, () => TestFiles.Gif(300, 16, 16)),
    ];

    public static byte[] Good(string name) => File.ReadAllBytes(Path.Combine(GoodFolder, name));
}

/// <summary>One bundled bad case.</summary>
public sealed record BadSample(string FileName, string What, string ExpectedCode, Func<byte[]> Make);
