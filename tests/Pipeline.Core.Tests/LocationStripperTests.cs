using Pipeline.Core.Images;
using Pipeline.Core.Ingest;
using Pipeline.Testing;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;

namespace Pipeline.Core.Tests;

public sealed class LocationStripperTests
{
    private static readonly ImageGuard Guard = GuardFactory.Create();

    [Theory]
    [InlineData("jpeg", ImageFormat.Jpeg)]
    [InlineData("png", ImageFormat.Png)]
    [InlineData("webp", ImageFormat.Webp)]
    public async Task Gps_is_removed_in_place_and_nothing_else_changes(string name, ImageFormat format)
    {
        var original = TestFiles.Geotagged(name);
        var before = await Guard.InspectAsync(original, "geo." + name, CancellationToken.None);
        Assert.Contains(before.Findings, f => f.Code == Findings.FindingCodes.ImageLocationMetadata);

        var stripped = original.ToArray();
        var result = LocationStripper.Strip(stripped, format);

        Assert.Equal(LocationStripResult.Stripped, result);
        Assert.Equal(original.Length, stripped.Length);
        var after = await Guard.InspectAsync(stripped, "geo." + name, CancellationToken.None);
        Assert.DoesNotContain(after.Findings, f => f.Code == Findings.FindingCodes.ImageLocationMetadata);
        Assert.Equal(before.Quality!.PixelHash, after.Quality!.PixelHash); // not re-encoded
        Assert.Equal(6, after.Orientation); // the rest of EXIF stays
        using var reread = Image.Load<Rgb24>(stripped);
        Assert.Equal("TestCam", reread.Metadata.ExifProfile!.GetValue(ExifTag.Make)!.Value);
        Assert.Null(reread.Metadata.ExifProfile.GetValue(ExifTag.GPSLatitude));
        Assert.Null(reread.Metadata.ExifProfile.GetValue(ExifTag.GPSLongitude));
        Assert.Equal(InspectionStatus.Accepted, after.Status); // the PNG's CRC was recomputed
    }

    [Fact]
    public void A_file_without_location_is_left_as_it_is()
    {
        var jpeg = TestFiles.Jpeg();
        var copy = jpeg.ToArray();

        Assert.Equal(LocationStripResult.NoLocation, LocationStripper.Strip(copy, ImageFormat.Jpeg));
        Assert.Equal(jpeg, copy);
    }

    [Fact]
    public void A_broken_exif_block_is_reported_and_not_touched()
    {
        var jpeg = TestFiles.Geotagged("jpeg");
        var exif = jpeg.AsSpan().IndexOf("Exif\0\0"u8);
        jpeg[exif + 6 + 4] = 0xFF; // IFD0 offset far beyond the block
        jpeg[exif + 6 + 5] = 0xFF;
        var copy = jpeg.ToArray();

        Assert.Equal(LocationStripResult.Unreadable, LocationStripper.Strip(copy, ImageFormat.Jpeg));
        Assert.Equal(jpeg, copy);
    }

    [Fact]
    public void Every_dataset_strips_location_unless_it_is_listed_to_keep_it()
    {
        var options = new IngestOptions { KeepLocationDatasets = "maps, drone-survey" };
        Assert.True(options.StripsLocation("default"));
        Assert.False(options.StripsLocation("maps"));
        Assert.False(options.StripsLocation("drone-survey"));
    }
}
