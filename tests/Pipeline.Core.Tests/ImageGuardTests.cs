using Pipeline.Core.Findings;
using Pipeline.Core.Images;
using Pipeline.Testing;

namespace Pipeline.Core.Tests;

public sealed class ImageGuardTests
{
    private static readonly ImageGuard Guard = GuardFactory.Create();

    private static Task<ImageInspection> Inspect(byte[] bytes, string name = "file.jpg") => Guard.InspectAsync(bytes, name, CancellationToken.None);

    private static Finding Single(ImageInspection result, string code)
    {
        Assert.Equal(InspectionStatus.Rejected, result.Status);
        var finding = Assert.Single(result.Findings, f => f.Code == code);
        Assert.Equal(Severity.Error, finding.Severity);
        Assert.False(string.IsNullOrWhiteSpace(finding.Message));
        return finding;
    }

    [Theory]
    [InlineData("jpeg", "photo.jpg")]
    [InlineData("png", "photo.png")]
    [InlineData("webp", "photo.webp")]
    [InlineData("bmp", "photo.bmp")]
    [InlineData("gif", "photo.gif")]
    public async Task Good_images_of_every_allowed_format_are_accepted_with_statistics(string format, string name)
    {
        var bytes = format switch
        {
            "jpeg" => TestFiles.Jpeg(),
            "png" => TestFiles.Png(),
            "webp" => TestFiles.Webp(),
            "bmp" => TestFiles.Bmp(),
            _ => TestFiles.Gif(),
        };

        var result = await Inspect(bytes, name);

        Assert.Equal(InspectionStatus.Accepted, result.Status);
        Assert.DoesNotContain(result.Findings, f => f.Severity != Severity.Info);
        Assert.Equal(format, result.Format.Name());
        Assert.Equal(ImageGuard.Sha256Hex(bytes), result.Sha256);
        Assert.NotNull(result.Quality);
        Assert.InRange(result.Quality!.Entropy, 3, 8);
        Assert.True(result.Quality.BrightnessP01 <= result.Quality.BrightnessP50 && result.Quality.BrightnessP50 <= result.Quality.BrightnessP99);
        Assert.True(result.Quality.AnalysisWidth <= 256 && result.Quality.AnalysisHeight <= 256);
    }

    [Fact]
    public async Task Zero_byte_file_is_rejected_as_empty()
    {
        var result = await Inspect([]);
        Single(result, FindingCodes.ImageEmpty);
    }

    [Fact]
    public async Task Text_named_jpg_is_rejected_as_unknown_format()
    {
        var result = await Inspect(TestFiles.Text(), "photo.jpg");
        Single(result, FindingCodes.ImageUnknownFormat);
        Assert.Null(result.Width);
    }

    [Fact]
    public async Task Truncated_jpeg_is_rejected_although_ImageSharp_would_decode_it()
    {
        var truncated = TestFiles.Truncate(TestFiles.Jpeg(640, 480));

        // The premise: ImageSharp 2.1.13 alone does not notice.
        using (var decoded = SixLabors.ImageSharp.Image.Load(truncated))
        {
            Assert.Equal(640, decoded.Width);
        }

        Single(await Inspect(truncated), FindingCodes.ImageTruncated);
    }

    [Fact]
    public async Task Truncated_png_is_rejected()
    {
        Single(await Inspect(TestFiles.Truncate(TestFiles.Png(640, 480)), "a.png"), FindingCodes.ImageTruncated);
    }

    [Fact]
    public async Task Png_with_a_bad_crc_is_rejected_as_corrupt()
    {
        var finding = Single(await Inspect(TestFiles.PngWithBadCrc(), "a.png"), FindingCodes.ImageCorrupt);
        Assert.Contains("IDAT", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tiff_is_refused_before_any_decoder_sees_it()
    {
        var result = await Inspect(TestFiles.Tiff(), "scan.tif");
        Single(result, FindingCodes.ImageFormatNotAllowed);
        Assert.Equal(ImageFormat.Tiff, result.Format);
        Assert.Null(result.Width); // not even identified
    }

    [Fact]
    public async Task BigTiff_is_refused_before_any_decoder_sees_it()
    {
        var result = await Inspect(TestFiles.BigTiff(), "scan.tif");
        Single(result, FindingCodes.ImageFormatNotAllowed);
        Assert.Equal(ImageFormat.BigTiff, result.Format);
    }

    [Fact]
    public async Task Png_claiming_one_by_500_million_pixels_is_rejected_from_its_header()
    {
        var result = await Inspect(TestFiles.PngClaiming(1, 500_000_000), "tall.png");

        Assert.Equal(InspectionStatus.Rejected, result.Status);
        var pixels = Assert.Single(result.Findings, f => f.Code == FindingCodes.ImageTooManyPixels);
        Assert.Equal(500_000_000, pixels.Value);
        Assert.Equal(Guard.Options.MaxPixels, pixels.Threshold);
        Assert.Contains(result.Findings, f => f.Code == FindingCodes.ImageDimensionTooLarge);
        Assert.Null(result.Quality); // never decoded
    }

    [Fact]
    public async Task Jpeg_claiming_65535_squared_is_rejected_from_its_header()
    {
        var result = await Inspect(TestFiles.JpegClaiming(65535, 65535));

        Assert.Equal(InspectionStatus.Rejected, result.Status);
        var axis = Assert.Single(result.Findings, f => f.Code == FindingCodes.ImageDimensionTooLarge);
        Assert.Equal(65535, axis.Value);
        Assert.Contains(result.Findings, f => f.Code == FindingCodes.ImageTooManyPixels && f.Value == 65535.0 * 65535);
        Assert.Null(result.Quality);
    }

    [Fact]
    public async Task Gif_with_hundreds_of_frames_is_rejected_by_the_frame_cap()
    {
        var result = await Inspect(TestFiles.Gif(frames: 300, width: 16, height: 16), "anim.gif");
        var finding = Single(result, FindingCodes.ImageTooManyFrames);
        Assert.Equal(300, finding.Value);
        Assert.Equal(100, finding.Threshold);
    }

    [Fact]
    public async Task Gif_with_a_few_frames_is_accepted_with_an_animation_warning()
    {
        var result = await Inspect(TestFiles.Gif(frames: 5), "anim.gif");
        Assert.Equal(InspectionStatus.Accepted, result.Status);
        Assert.Equal(5, result.Frames);
        Assert.Contains(result.Findings, f => f.Code == FindingCodes.ImageAnimated && f.Severity == Severity.Warning);
    }

    [Fact]
    public async Task File_over_the_size_cap_is_rejected_without_decoding()
    {
        var guard = GuardFactory.Create(o => o.MaxBytes = 10_000);
        var result = await guard.InspectAsync(TestFiles.Jpeg(640, 480), "big.jpg", CancellationToken.None);
        var finding = Single(result, FindingCodes.ImageTooLarge);
        Assert.Equal(10_000, finding.Threshold);
        Assert.Equal(string.Empty, result.Sha256);
    }

    [Fact]
    public async Task Decode_past_its_deadline_is_rejected_with_a_timeout()
    {
        var guard = GuardFactory.Create(o => o.DecodeTimeout = TimeSpan.FromTicks(1));
        var result = await guard.InspectAsync(TestFiles.Jpeg(2000, 1500), "slow.jpg", CancellationToken.None);
        Single(result, FindingCodes.ImageDecodeTimeout);
    }

    [Fact]
    public async Task Decode_needing_a_buffer_over_the_allocation_limit_is_rejected()
    {
        var guard = GuardFactory.Create(o => o.AllocationLimitMegabytes = 1);
        var result = await guard.InspectAsync(TestFiles.Jpeg(1200, 1000), "wide.jpg", CancellationToken.None);
        Single(result, FindingCodes.ImageAllocationLimit);
    }

    [Fact]
    public async Task Png_named_jpg_is_accepted_with_an_extension_warning()
    {
        var result = await Inspect(TestFiles.Png(), "photo.jpg");
        Assert.Equal(InspectionStatus.Accepted, result.Status);
        Assert.Contains(result.Findings, f => f.Code == FindingCodes.ImageExtensionMismatch && f.Severity == Severity.Warning);
    }

    [Fact]
    public async Task Jpeg_with_bytes_after_its_end_marker_is_accepted_with_a_warning()
    {
        var jpeg = TestFiles.Jpeg().Concat("appended video"u8.ToArray()).ToArray();
        var result = await Inspect(jpeg);
        Assert.Equal(InspectionStatus.Accepted, result.Status);
        Assert.Contains(result.Findings, f => f.Code == FindingCodes.ImageTrailingData && f.Value == 14);
    }

    [Fact]
    public async Task Jpeg_with_zero_padding_after_its_end_marker_is_clean()
    {
        var jpeg = TestFiles.Jpeg().Concat(new byte[64]).ToArray();
        var result = await Inspect(jpeg);
        Assert.DoesNotContain(result.Findings, f => f.Code == FindingCodes.ImageTrailingData);
    }

    [Fact]
    public async Task Dark_and_uniform_images_get_quality_warnings_not_rejections()
    {
        using var black = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(300, 200);
        using var stream = new MemoryStream();
        SixLabors.ImageSharp.ImageExtensions.SaveAsPng(black, stream);

        var result = await Inspect(stream.ToArray(), "black.png");

        Assert.Equal(InspectionStatus.Accepted, result.Status);
        Assert.Contains(result.Findings, f => f.Code == FindingCodes.ImageDark && f.Value == 0 && f.Threshold == 0.32);
        Assert.Contains(result.Findings, f => f.Code == FindingCodes.ImageLowInformation && f.Value == 0);
    }

    [Fact]
    public async Task Exif_orientation_is_recorded()
    {
        using var image = TestFiles.Picture(120, 80);
        image.Metadata.ExifProfile = new SixLabors.ImageSharp.Metadata.Profiles.Exif.ExifProfile();
        image.Metadata.ExifProfile.SetValue(SixLabors.ImageSharp.Metadata.Profiles.Exif.ExifTag.Orientation, (ushort)6);
        using var stream = new MemoryStream();
        SixLabors.ImageSharp.ImageExtensions.SaveAsJpeg(image, stream);

        var result = await Inspect(stream.ToArray());

        Assert.Equal(6, result.Orientation);
        Assert.Contains(result.Findings, f => f.Code == FindingCodes.ImageExifOrientation && f.Severity == Severity.Info);
    }

    [Fact]
    public async Task Cancellation_by_the_caller_throws_rather_than_becoming_a_finding()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Guard.InspectAsync(TestFiles.Jpeg(), "a.jpg", cancelled.Token));
    }
}
