using System.Buffers.Binary;
using Pipeline.Core.Findings;
using Pipeline.Core.Images;
using Pipeline.Testing;

namespace Pipeline.Core.Tests;

/// <summary>
/// Real image files of the kinds other decoders' test suites keep: an animated WebP, a JPEG with stray bytes between
/// its segments (libjpeg skips them with a warning), a JPEG whose Adobe segment is cut short. Each is either read for
/// what it really shows or rejected with a code and words of our own, never a runtime exception's text.
/// </summary>
public sealed class ImageFilesAsPeersHoldThemTests
{
    private static readonly ImageGuard Guard = GuardFactory.Create();

    private static Task<ImageInspection> Inspect(byte[] bytes, string name) => Guard.InspectAsync(bytes, name, CancellationToken.None);

    /// <summary>The bytes of a JPEG with <paramref name="insert"/> placed right after its first segment after SOI (APP0, from the encoder).</summary>
    private static byte[] AfterFirstSegment(byte[] jpeg, byte[] insert)
    {
        var length = BinaryPrimitives.ReadUInt16BigEndian(jpeg.AsSpan(4));
        var at = 4 + length;
        return [.. jpeg[..at], .. insert, .. jpeg[at..]];
    }

    [Fact]
    public async Task A_jpeg_with_stray_bytes_between_segments_is_read_for_its_real_picture_and_says_so()
    {
        var clean = TestFiles.Jpeg(320, 240, seed: 9);
        var junk = AfterFirstSegment(clean, [0x00, 0x13, 0x37, 0x42, 0x00]);

        var reference = await Inspect(clean, "clean.jpg");
        var result = await Inspect(junk, "junk.jpg");

        Assert.Equal(InspectionStatus.Accepted, result.Status);
        var stray = Assert.Single(result.Findings, f => f.Code == FindingCodes.ImageStrayBytes);
        Assert.Equal((Severity.Warning, 5.0), (stray.Severity, stray.Value));
        Assert.Equal(reference.Quality!.Entropy, result.Quality!.Entropy);
        Assert.Equal(reference.Quality.PerceptualHash, result.Quality.PerceptualHash);
        Assert.NotEqual(reference.Sha256, result.Sha256); // the file's own hash, not the repaired copy's
    }

    [Theory]
    [InlineData(8)]
    [InlineData(2)]
    public async Task A_jpeg_whose_adobe_segment_is_short_is_read_as_libjpeg_reads_it(int length)
    {
        // libjpeg treats an APP14 shorter than Adobe's 12 data bytes as an unknown segment and goes on; so does ImageSharp.
        byte[] app14 = [0xFF, 0xEE, 0x00, (byte)length, .. "Adobe\0"u8.ToArray()[..Math.Max(0, length - 2)]];
        var bytes = AfterFirstSegment(TestFiles.Jpeg(), app14);

        var result = await Inspect(bytes, "adobe.jpg");

        Assert.Equal(InspectionStatus.Accepted, result.Status);
    }

    [Fact]
    public async Task A_jpeg_whose_adobe_segment_runs_past_the_end_is_truncated_in_our_words()
    {
        var clean = TestFiles.Jpeg();
        var at = 4 + BinaryPrimitives.ReadUInt16BigEndian(clean.AsSpan(4));
        byte[] cut = [.. clean[..at], 0xFF, 0xEE, 0x00, 0x0E, .. "Adobe"u8.ToArray()];

        var result = await Inspect(cut, "adobe.jpg");

        var finding = Assert.Single(result.Findings, f => f.Severity == Severity.Error);
        Assert.Equal(FindingCodes.ImageTruncated, finding.Code);
        Assert.StartsWith("A JPEG segment (marker 0xEE) runs past the end of the file", finding.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(typeof(NullReferenceException))]
    [InlineData(typeof(IndexOutOfRangeException))]
    [InlineData(typeof(ArgumentOutOfRangeException))]
    [InlineData(typeof(InvalidCastException))]
    public void A_runtime_exception_inside_the_decoder_never_reaches_a_finding_as_its_text(Type type)
    {
        var exception = (Exception)Activator.CreateInstance(type, "Object reference not set to an instance of an object.")!;

        var message = ImageGuard.DecodeFailureMessage(exception);

        Assert.DoesNotContain("Object reference", message, StringComparison.Ordinal);
        Assert.Contains("damaged", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_decoders_own_refusal_is_kept_in_its_words()
    {
        var message = ImageGuard.DecodeFailureMessage(new SixLabors.ImageSharp.InvalidImageContentException("Bad Huffman code."));

        Assert.Contains("Bad Huffman code.", message, StringComparison.Ordinal);
    }

    /// <summary>An animated WebP of <paramref name="frames"/> frames, each the lossless bitstream of a still picture (the container as libwebp's muxer writes it).</summary>
    internal static byte[] AnimatedWebp(int frames, int width = 64, int height = 48)
    {
        var still = TestFiles.Webp(width, height, seed: 5);
        var (vp8l, _) = Chunk(still, "VP8L");
        var body = new List<byte>();
        void Add(string fourcc, byte[] payload)
        {
            body.AddRange(System.Text.Encoding.ASCII.GetBytes(fourcc));
            var size = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(size, (uint)payload.Length);
            body.AddRange(size);
            body.AddRange(payload);
            if (payload.Length % 2 == 1)
            {
                body.Add(0);
            }
        }

        static byte[] U24(int v) => [(byte)v, (byte)(v >> 8), (byte)(v >> 16)];
        Add("VP8X", [0x02, 0, 0, 0, .. U24(width - 1), .. U24(height - 1)]); // animation flag
        Add("ANIM", [0, 0, 0, 0, 0, 0]); // background colour, loop forever
        for (var i = 0; i < frames; i++)
        {
            byte[] chunk = [.. "VP8L"u8.ToArray(), .. BitConverter.GetBytes(vp8l.Length), .. vp8l, .. (vp8l.Length % 2 == 1 ? new byte[] { 0 } : [])];
            Add("ANMF", [.. U24(0), .. U24(0), .. U24(width - 1), .. U24(height - 1), .. U24(100), 0, .. chunk]);
        }

        byte[] riff = [.. "RIFF"u8.ToArray(), .. BitConverter.GetBytes(body.Count + 4), .. "WEBP"u8.ToArray(), .. body];
        return riff;
    }

    private static (byte[] Payload, int Offset) Chunk(byte[] webp, string fourcc)
    {
        for (var pos = 12; pos + 8 <= webp.Length;)
        {
            var size = (int)BinaryPrimitives.ReadUInt32LittleEndian(webp.AsSpan(pos + 4));
            if (System.Text.Encoding.ASCII.GetString(webp, pos, 4) == fourcc)
            {
                return (webp[(pos + 8)..(pos + 8 + size)], pos);
            }

            pos += 8 + size + (size & 1);
        }

        throw new InvalidOperationException($"No {fourcc} chunk.");
    }

    [Fact]
    public async Task An_animated_webp_is_checked_on_its_first_frame_as_documented()
    {
        var animated = AnimatedWebp(42);
        var still = await Inspect(TestFiles.Webp(64, 48, seed: 5), "still.webp");

        var result = await Inspect(animated, "animated.webp");

        Assert.Equal(InspectionStatus.Accepted, result.Status);
        Assert.Equal((42, 64, 48), (result.Frames, result.Width, result.Height));
        Assert.Contains(result.Findings, f => f.Code == FindingCodes.ImageAnimated);
        Assert.Equal(still.Quality!.PerceptualHash, result.Quality!.PerceptualHash);
        Assert.Equal(still.Quality.Entropy, result.Quality.Entropy);
    }
}
