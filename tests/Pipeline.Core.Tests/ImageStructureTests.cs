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

    /// <summary>Patches a BMP's info header (BITMAPINFOHEADER offsets, from the format's definition: bit count at 28, compression at 30).</summary>
    private static byte[] BmpWith(ushort? bits = null, uint? compression = null, uint? headerSize = null, ushort? planes = null)
    {
        var bmp = TestFiles.Bmp();
        if (bits is { } b)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(bmp.AsSpan(28), b);
        }

        if (compression is { } c)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bmp.AsSpan(30), c);
        }

        if (headerSize is { } h)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bmp.AsSpan(14), h);
        }

        if (planes is { } p)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(bmp.AsSpan(26), p);
        }

        return bmp;
    }

    [Theory]
    [InlineData(30000, null, null, null, "30000 bits per pixel")]
    [InlineData(12, null, null, null, "12 bits per pixel")]
    [InlineData(null, 1u, null, null, "compression (1) does not fit its 24 bits")] // RLE8 on a 24-bit picture
    [InlineData(null, 2u, null, null, "compression (2) does not fit")]
    [InlineData(null, 3u, null, null, "compression (3) does not fit")] // bit fields need 16 or 32 bits
    [InlineData(null, 4u, null, null, "embeds JPEG")]
    [InlineData(null, 99u, null, null, "compression (99)")]
    [InlineData(null, null, 41u, null, "41 bytes")]
    [InlineData(null, null, null, (ushort)3, "3 colour planes")]
    public void A_bmp_header_no_encoder_writes_is_corrupt(int? bits, uint? compression, uint? headerSize, ushort? planes, string says)
    {
        var bmp = BmpWith((ushort?)bits, compression, headerSize, planes);

        var finding = Assert.Single(ImageStructure.Check(ImageFormat.Bmp, bmp).Findings);
        Assert.Equal(FindingCodes.ImageCorrupt, finding.Code);
        Assert.Contains(says, finding.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(8, 1u)]
    [InlineData(4, 2u)]
    [InlineData(16, 3u)]
    [InlineData(32, 3u)]
    [InlineData(1, 0u)]
    public void Depths_and_compressions_that_fit_pass_the_header_check(int bits, uint compression)
    {
        Assert.Empty(ImageStructure.Check(ImageFormat.Bmp, BmpWith((ushort)bits, compression)).Findings);
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
