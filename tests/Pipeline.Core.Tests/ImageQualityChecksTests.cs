using Pipeline.Core.Findings;
using Pipeline.Core.Images;
using Pipeline.Testing;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Pipeline.Core.Tests;

/// <summary>The single-image quality checks (cleanvision's issue types and more), on real photographs where it matters.</summary>
public sealed class ImageQualityChecksTests
{
    private static readonly ImageGuard Guard = GuardFactory.Create();

    public static TheoryData<string> Photographs() => new(Directory.GetFiles(SampleSet.GoodFolder).Select(Path.GetFileName).Order()!);

    private static async Task<ImageInspection> InspectAsync(Image image, string name = "image.png")
    {
        using var stream = new MemoryStream();
        image.Save(stream, new PngEncoder());
        return await Guard.InspectAsync(stream.ToArray(), name, CancellationToken.None);
    }

    private static bool Has(ImageInspection result, string code) => result.Findings.Any(f => f.Code == code);

    [Theory]
    [MemberData(nameof(Photographs))]
    public async Task A_real_photograph_is_not_blurry_at_its_size_or_three_times_larger(string file)
    {
        using var photo = Image.Load<Rgb24>(Path.Combine(SampleSet.GoodFolder, file));
        using var large = photo.Clone(c => c.Resize(photo.Width * 3, photo.Height * 3));

        Assert.False(Has(await InspectAsync(photo), FindingCodes.ImageBlurry));
        Assert.False(Has(await InspectAsync(large), FindingCodes.ImageBlurry)); // cleanvision #120: large images
    }

    [Theory]
    [MemberData(nameof(Photographs))]
    public async Task A_gaussian_blurred_copy_is_blurry(string file)
    {
        using var photo = Image.Load<Rgb24>(Path.Combine(SampleSet.GoodFolder, file));
        using var blurred = photo.Clone(c => c.GaussianBlur(Math.Max(photo.Width, photo.Height) * 0.01f));

        var result = await InspectAsync(blurred);

        var finding = Assert.Single(result.Findings, f => f.Code == FindingCodes.ImageBlurry);
        Assert.Equal(Severity.Warning, finding.Severity);
        Assert.True(finding.Value < finding.Threshold);
    }

    [Fact]
    public async Task A_plain_coloured_image_is_not_blurry_but_low_information()
    {
        using var plain = new Image<Rgb24>(1600, 1200, new Rgb24(30, 140, 200)); // cleanvision #120: plain colours

        var result = await InspectAsync(plain);

        Assert.False(Has(result, FindingCodes.ImageBlurry));
        Assert.Equal(0, result.Quality!.Blur);
        Assert.True(Has(result, FindingCodes.ImageLowInformation));
    }

    [Fact]
    public async Task A_large_sharp_image_is_not_blurry()
    {
        using var large = TestFiles.Picture(4000, 3000);
        Assert.False(Has(await InspectAsync(large), FindingCodes.ImageBlurry));
    }

    [Fact]
    public async Task Grayscale_is_found_whether_stored_as_gray_or_as_rgb_with_equal_channels()
    {
        using var color = Image.Load<Rgb24>(Path.Combine(SampleSet.GoodFolder, "coffee.png"));
        using var grayRgb = color.Clone(c => c.Grayscale()); // still Rgb24: three equal channels (cleanvision misses these)

        Assert.True(Has(await Guard.InspectAsync(SampleSet.Good("camera.png"), "camera.png", CancellationToken.None), FindingCodes.ImageGrayscale));
        Assert.True(Has(await InspectAsync(grayRgb), FindingCodes.ImageGrayscale));
        Assert.False(Has(await InspectAsync(color), FindingCodes.ImageGrayscale));
    }

    [Theory]
    [InlineData(1000, 200, true)]
    [InlineData(200, 1000, true)]
    [InlineData(1000, 400, false)]
    public async Task Odd_aspect_ratio_is_held_against_cleanvisions_threshold(int width, int height, bool odd)
    {
        using var image = TestFiles.Picture(width, height);
        var result = await InspectAsync(image);

        Assert.Equal(odd, Has(result, FindingCodes.ImageOddAspectRatio));
        if (odd)
        {
            var finding = result.Findings.Single(f => f.Code == FindingCodes.ImageOddAspectRatio);
            Assert.Equal((0.2, 0.35), (finding.Value!.Value, finding.Threshold!.Value));
        }
    }

    [Fact]
    public async Task Dark_and_light_follow_cleanvisions_perceived_brightness_percentiles()
    {
        using var photo = Image.Load<Rgb24>(Path.Combine(SampleSet.GoodFolder, "chelsea.png"));
        using var dark = photo.Clone(c => c.Brightness(0.15f));
        using var light = photo.Clone(c => c.Contrast(0.2f).Brightness(3f)); // washed out: flattened, then overexposed

        Assert.True(Has(await InspectAsync(dark), FindingCodes.ImageDark));
        Assert.True(Has(await InspectAsync(light), FindingCodes.ImageLight));
        var normal = await InspectAsync(photo);
        Assert.False(Has(normal, FindingCodes.ImageDark) || Has(normal, FindingCodes.ImageLight));
    }

    [Fact]
    public async Task Gps_location_in_exif_is_an_info_finding()
    {
        using var image = TestFiles.Picture(200, 150);
        image.Metadata.ExifProfile = new ExifProfile();
        image.Metadata.ExifProfile.SetValue(ExifTag.GPSLatitude, [new Rational(52, 1), new Rational(22, 1), new Rational(0, 1)]);
        image.Metadata.ExifProfile.SetValue(ExifTag.GPSLongitude, [new Rational(4, 1), new Rational(53, 1), new Rational(0, 1)]);
        using var stream = new MemoryStream();
        image.SaveAsJpeg(stream);

        var result = await Guard.InspectAsync(stream.ToArray(), "geo.jpg", CancellationToken.None);

        var finding = Assert.Single(result.Findings, f => f.Code == FindingCodes.ImageLocationMetadata);
        Assert.Equal(Severity.Info, finding.Severity);
        Assert.Equal(InspectionStatus.Accepted, result.Status);
    }

    [Fact]
    public async Task Equal_pixels_in_different_bytes_have_one_pixel_hash()
    {
        using var image = TestFiles.Picture(300, 200);
        using var plain = new MemoryStream();
        image.SaveAsPng(plain);
        image.Metadata.ExifProfile = new ExifProfile();
        image.Metadata.ExifProfile.SetValue(ExifTag.Artist, "someone");
        using var tagged = new MemoryStream();
        image.SaveAsPng(tagged, new PngEncoder { CompressionLevel = PngCompressionLevel.BestCompression });

        var a = await Guard.InspectAsync(plain.ToArray(), "a.png", CancellationToken.None);
        var b = await Guard.InspectAsync(tagged.ToArray(), "b.png", CancellationToken.None);
        using var other = TestFiles.Picture(300, 200, seed: 2);
        var c = await InspectAsync(other);

        Assert.NotEqual(a.Sha256, b.Sha256);
        Assert.Equal(a.Quality!.PixelHash, b.Quality!.PixelHash);
        Assert.NotEqual(a.Quality.PixelHash, c.Quality!.PixelHash);
    }

    [Theory]
    [MemberData(nameof(Photographs))]
    public async Task A_jpeg_re_encode_keeps_the_perceptual_hash_close_and_other_photos_are_far(string file)
    {
        using var photo = Image.Load<Rgb24>(Path.Combine(SampleSet.GoodFolder, file));
        using var reencoded = new MemoryStream();
        photo.SaveAsJpeg(reencoded, new SixLabors.ImageSharp.Formats.Jpeg.JpegEncoder { Quality = 50 });
        var original = await InspectAsync(photo);
        var copy = await Guard.InspectAsync(reencoded.ToArray(), "copy.jpg", CancellationToken.None);

        var hash = Convert.ToUInt64(original.Quality!.PerceptualHash, 16);
        Assert.InRange(PerceptualHash.Distance(hash, Convert.ToUInt64(copy.Quality!.PerceptualHash, 16)), 0, 6);
        foreach (var other in Directory.GetFiles(SampleSet.GoodFolder).Where(f => Path.GetFileName(f) != file))
        {
            var different = await Guard.InspectAsync(File.ReadAllBytes(other), Path.GetFileName(other), CancellationToken.None);
            Assert.InRange(PerceptualHash.Distance(hash, Convert.ToUInt64(different.Quality!.PerceptualHash, 16)), 16, 64);
        }
    }
}
