using Pipeline.Core.Findings;
using Pipeline.Core.Images;
using Pipeline.Testing;

namespace Pipeline.Core.Tests;

public sealed class ImageStructureTests
{
    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(0.95)]
    [InlineData(0.999)]
    public void Every_cut_of_a_jpeg_is_truncated(double fraction)
    {
        var report = ImageStructure.Check(ImageFormat.Jpeg, TestFiles.Truncate(TestFiles.Jpeg(400, 300), fraction));
        Assert.Equal(FindingCodes.ImageTruncated, Assert.Single(report.Findings).Code);
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(0.999)]
    public void Every_cut_of_a_png_is_truncated(double fraction)
    {
        var report = ImageStructure.Check(ImageFormat.Png, TestFiles.Truncate(TestFiles.Png(400, 300), fraction));
        Assert.Equal(FindingCodes.ImageTruncated, Assert.Single(report.Findings).Code);
    }

    [Theory]
    [InlineData("gif")]
    [InlineData("webp")]
    [InlineData("bmp")]
    public void Cut_gif_webp_and_bmp_files_are_truncated(string format)
    {
        var (kind, bytes) = format switch
        {
            "gif" => (ImageFormat.Gif, TestFiles.Gif(3)),
            "webp" => (ImageFormat.Webp, TestFiles.Webp()),
            _ => (ImageFormat.Bmp, TestFiles.Bmp()),
        };

        Assert.Empty(ImageStructure.Check(kind, bytes).Findings);
        var report = ImageStructure.Check(kind, TestFiles.Truncate(bytes, 0.7));
        Assert.Equal(FindingCodes.ImageTruncated, Assert.Single(report.Findings).Code);
    }

    [Fact]
    public void Gif_frames_are_counted()
    {
        Assert.Equal(7, ImageStructure.Check(ImageFormat.Gif, TestFiles.Gif(7)).Frames);
    }

    [Fact]
    public void Png_trailing_garbage_is_a_warning()
    {
        var png = TestFiles.Png().Concat("junk"u8.ToArray()).ToArray();
        var finding = Assert.Single(ImageStructure.Check(ImageFormat.Png, png).Findings);
        Assert.Equal((FindingCodes.ImageTrailingData, Severity.Warning), (finding.Code, finding.Severity));
    }
}

public sealed class FormatSnifferTests
{
    [Fact]
    public void Allowed_and_refused_formats_are_told_apart_by_their_first_bytes()
    {
        Assert.Equal(ImageFormat.Jpeg, FormatSniffer.Sniff(TestFiles.Jpeg()));
        Assert.Equal(ImageFormat.Png, FormatSniffer.Sniff(TestFiles.Png()));
        Assert.Equal(ImageFormat.Webp, FormatSniffer.Sniff(TestFiles.Webp()));
        Assert.Equal(ImageFormat.Bmp, FormatSniffer.Sniff(TestFiles.Bmp()));
        Assert.Equal(ImageFormat.Gif, FormatSniffer.Sniff(TestFiles.Gif()));
        Assert.Equal(ImageFormat.Tiff, FormatSniffer.Sniff(TestFiles.Tiff()));
        Assert.Equal(ImageFormat.Tiff, FormatSniffer.Sniff([(byte)'M', (byte)'M', 0, 42, 0, 0, 0, 8]));
        Assert.Equal(ImageFormat.BigTiff, FormatSniffer.Sniff(TestFiles.BigTiff()));
        Assert.Equal(ImageFormat.Heif, FormatSniffer.Sniff([0, 0, 0, 24, (byte)'f', (byte)'t', (byte)'y', (byte)'p', (byte)'h', (byte)'e', (byte)'i', (byte)'c']));
        Assert.Equal(ImageFormat.NotAnImage, FormatSniffer.Sniff(TestFiles.Text()));
        Assert.Equal(ImageFormat.NotAnImage, FormatSniffer.Sniff("%PDF-1.7"u8));
        Assert.Equal(ImageFormat.Unknown, FormatSniffer.Sniff([]));
        Assert.All(new[] { ImageFormat.Tiff, ImageFormat.BigTiff, ImageFormat.Heif, ImageFormat.NotAnImage }, f => Assert.False(f.IsAllowed()));
    }
}
