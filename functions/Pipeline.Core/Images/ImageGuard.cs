using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Pipeline.Core.Findings;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Pipeline.Core.Images;

/// <summary>
/// The guard before the decoder. Each step is cheap next to the one after it: size cap, SHA-256,
/// magic-byte sniff against an allow-list (TIFF never reaches ImageSharp), a structural walk (truncation,
/// CRCs), header caps on axes, pixels and frames, then one bounded, deadlined decode whose pixels are
/// read once into a small buffer that every statistic comes from. A malformed file yields findings;
/// it never throws. Thread-safe; one instance serves the process.
/// </summary>
public sealed partial class ImageGuard : IDisposable
{
    private readonly ImageGuardOptions options;
    private readonly TimeProvider time;
    private readonly Configuration configuration;
    private readonly SemaphoreSlim decodeSlots;

    /// <summary>Creates a guard with its own bounded ImageSharp configuration.</summary>
    public ImageGuard(IOptions<ImageGuardOptions> options, TimeProvider time)
    {
        this.options = options.Value;
        this.time = time;

        // Only the allowed formats are registered, so even a sniffing mistake cannot reach another decoder.
        configuration = new Configuration(
            new JpegConfigurationModule(),
            new PngConfigurationModule(),
            new GifConfigurationModule(),
            new BmpConfigurationModule(),
            new WebpConfigurationModule())
        {
            MemoryAllocator = MemoryAllocator.Create(new MemoryAllocatorOptions
            {
                AllocationLimitMegabytes = this.options.AllocationLimitMegabytes,
                MaximumPoolSizeMegabytes = this.options.MaximumPoolSizeMegabytes,
            }),
            MaxDegreeOfParallelism = 1, // images run in parallel; one image stays on one core
        };

        var slots = this.options.MaxConcurrentDecodes > 0 ? this.options.MaxConcurrentDecodes : Environment.ProcessorCount;
        decodeSlots = new SemaphoreSlim(slots, slots);
    }

    /// <summary>The caps and thresholds in force.</summary>
    public ImageGuardOptions Options => options;

    /// <summary>Lowercase hex SHA-256 of <paramref name="bytes"/>.</summary>
    public static string Sha256Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>
    /// The verdict on a file over the size cap, for callers that see its length before its bytes (a blob's
    /// properties, a file's size): rejected without reading, hashing or decoding it.
    /// </summary>
    public ImageInspection RejectTooLarge(long length) => new(
        string.Empty, length, ImageFormat.Unknown, null, null, 0, null, null,
        [Finding.Error(
            FindingCodes.ImageTooLarge,
            $"The file is {length:N0} bytes; the limit is {options.MaxBytes:N0}. It was not downloaded or decoded.",
            length,
            options.MaxBytes)],
        0);

    /// <summary>Inspects one file's bytes. Throws only when <paramref name="cancellationToken"/> is cancelled.</summary>
    /// <param name="bytes">The whole file.</param>
    /// <param name="fileName">The name it arrived under (its extension is compared with its content).</param>
    /// <param name="cancellationToken">Cancels the wait for a decode slot and the decode.</param>
    /// <param name="knownSha256">The bytes' hash when the caller has already computed it.</param>
    public async Task<ImageInspection> InspectAsync(
        ReadOnlyMemory<byte> bytes, string fileName, CancellationToken cancellationToken, string? knownSha256 = null)
    {
        var findings = new List<Finding>();
        if (bytes.Length == 0)
        {
            findings.Add(Finding.Error(FindingCodes.ImageEmpty, "The file is empty (0 bytes).", 0, 1));
            return Result(string.Empty, 0, ImageFormat.Unknown, findings);
        }

        if (bytes.Length > options.MaxBytes)
        {
            return RejectTooLarge(bytes.Length);
        }

        var sha = knownSha256 ?? Sha256Hex(bytes.Span);
        var span = bytes.Span;
        var format = FormatSniffer.Sniff(span[..Math.Min(span.Length, FormatSniffer.HeaderLength)]);
        if (!format.IsAllowed())
        {
            findings.Add(format == ImageFormat.Unknown || format == ImageFormat.NotAnImage
                ? Finding.Error(FindingCodes.ImageUnknownFormat, "The file is not a JPEG, PNG, WebP, BMP or GIF image.")
                : Finding.Error(FindingCodes.ImageFormatNotAllowed, $"{format.Name().ToUpperInvariant()} files are not accepted; convert to JPEG, PNG, WebP, BMP or GIF. The file was not decoded."));
            return Result(sha, bytes.Length, format, findings);
        }

        var claimed = ImageFormats.FromExtension(fileName);
        if (claimed is { } c && c != format)
        {
            findings.Add(Finding.Warning(FindingCodes.ImageExtensionMismatch, $"The name says {c.Name()} but the content is {format.Name()}."));
        }

        var structure = ImageStructure.Check(format, span);
        findings.AddRange(structure.Findings);
        if (HasError(findings))
        {
            return Result(sha, bytes.Length, format, findings, frames: structure.Frames);
        }

        if (structure.Frames > options.MaxFrames)
        {
            findings.Add(Finding.Error(FindingCodes.ImageTooManyFrames, $"The file has {structure.Frames} frames; the limit is {options.MaxFrames}.", structure.Frames, options.MaxFrames));
            return Result(sha, bytes.Length, format, findings, frames: structure.Frames);
        }

        if (structure.Frames > 1)
        {
            findings.Add(Finding.Warning(FindingCodes.ImageAnimated, $"An animation of {structure.Frames} frames: only the first frame is checked and used.", structure.Frames));
        }

        await decodeSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return Decode(structure.Decodable ?? bytes, bytes.Length, sha, format, structure.Frames, findings, cancellationToken);
        }
        finally
        {
            decodeSlots.Release();
        }
    }

    /// <summary>
    /// A small JPEG of an image for a report, at most <paramref name="maxSide"/> pixels a side; null when the bytes
    /// are not an allowed, structurally sound image within the caps, or do not decode in time. Guarded like
    /// <see cref="InspectAsync"/>: sniffed, walked, header-checked, one bounded decode under a deadline.
    /// </summary>
    public async Task<byte[]?> ThumbnailAsync(ReadOnlyMemory<byte> bytes, int maxSide, CancellationToken cancellationToken)
    {
        var span = bytes.Span;
        if (bytes.Length == 0 || bytes.Length > options.MaxBytes)
        {
            return null;
        }

        var format = FormatSniffer.Sniff(span[..Math.Min(span.Length, FormatSniffer.HeaderLength)]);
        var structure = format.IsAllowed() ? ImageStructure.Check(format, span) : null;
        if (structure is null || HasError([.. structure.Findings]))
        {
            return null;
        }

        bytes = structure.Decodable ?? bytes;

        await decodeSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var deadline = new CancellationTokenSource(options.DecodeTimeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
            var info = Identify(bytes, format, linked.Token);
            var geometry = new List<Finding>();
            if (info is null)
            {
                return null;
            }

            CheckGeometry(info.Width, info.Height, 1, geometry);
            if (HasError(geometry))
            {
                return null;
            }

            using var image = DecoderFor(format, ignoreMetadata: true).Decode<Rgb24>(configuration, ReadOnly(bytes), linked.Token);
            var scale = Math.Min(1.0, (double)maxSide / Math.Max(image.Width, image.Height));
            image.Mutate(x => x.Resize(Math.Max(1, (int)(image.Width * scale)), Math.Max(1, (int)(image.Height * scale))));
            using var output = new MemoryStream();
            image.Save(output, new JpegEncoder { Quality = 75 });
            return output.ToArray();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException && (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested))
        {
            return null;
        }
        finally
        {
            decodeSlots.Release();
        }
    }

    /// <summary>Identifies and decodes <paramref name="bytes"/> (the file's, or the structure walk's decodable copy of them); <paramref name="length"/> is the file's.</summary>
    private ImageInspection Decode(
        ReadOnlyMemory<byte> bytes, long length, string sha, ImageFormat format, int frames, List<Finding> findings, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        using var deadline = new CancellationTokenSource(options.DecodeTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        int? width = null, height = null, orientation = null;
        try
        {
            var info = Identify(bytes, format, linked.Token);
            if (info is null)
            {
                findings.Add(Finding.Error(FindingCodes.ImageDecodeFailed, "The decoder could not read the image header."));
                return Result(sha, length, format, findings, frames: frames, elapsed: time.GetElapsedTime(started));
            }

            (width, height) = (info.Width, info.Height);
            orientation = ReadOrientation(info.Metadata);
            CheckGeometry(info.Width, info.Height, format == ImageFormat.Webp ? frames : 1, findings);
            if (HasError(findings))
            {
                return Result(sha, length, format, findings, width, height, frames, orientation, elapsed: time.GetElapsedTime(started));
            }

            if (HasLocation(info.Metadata))
            {
                findings.Add(Finding.Info(FindingCodes.ImageLocationMetadata, "EXIF holds GPS location tags; a dataset can have them stripped before publication."));
            }

            var aspect = Math.Min((double)info.Width / info.Height, (double)info.Height / info.Width);
            if (aspect < options.OddAspectRatioThreshold)
            {
                findings.Add(Finding.Warning(FindingCodes.ImageOddAspectRatio, $"The image is {info.Width}×{info.Height}: an unusually long shape.", Math.Round(aspect, 4), options.OddAspectRatioThreshold));
            }

            if (orientation is > 1 and <= 8)
            {
                findings.Add(Finding.Info(FindingCodes.ImageExifOrientation, $"EXIF orientation {orientation}: viewers rotate or flip the stored pixels for display.", orientation));
            }

            using var image = DecoderFor(format, ignoreMetadata: true).Decode<Rgb24>(configuration, ReadOnly(bytes), linked.Token);
            var quality = QualityAnalyzer.Analyze(image, options.AnalysisSize);
            AddQualityFindings(quality, findings);
            return Result(sha, length, format, findings, width, height, frames, orientation, quality, time.GetElapsedTime(started));
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            findings.Add(Finding.Error(FindingCodes.ImageDecodeTimeout, $"Decoding took longer than {options.DecodeTimeout.TotalSeconds:0.###} s and was stopped.", time.GetElapsedTime(started).TotalSeconds, options.DecodeTimeout.TotalSeconds));
        }
        catch (Exception ex) when (ex is InvalidMemoryOperationException || ex.InnerException is InvalidMemoryOperationException)
        {
            // ImageSharp wraps the allocator's refusal in InvalidImageContentException ("possibly degenerate dimensions").
            findings.Add(Finding.Error(FindingCodes.ImageAllocationLimit, $"Decoding needed more memory than one buffer may take ({options.AllocationLimitMegabytes} MB): {(ex.InnerException ?? ex).Message}", null, options.AllocationLimitMegabytes));
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            // ImageFormatException, InvalidImageContentException, NotSupportedException, and whatever else a damaged file provokes.
            findings.Add(Finding.Error(FindingCodes.ImageDecodeFailed, DecodeFailureMessage(ex)));
        }

        return Result(sha, length, format, findings, width, height, frames, orientation, elapsed: time.GetElapsedTime(started));
    }

    /// <summary>
    /// The words of a decode failure: the decoder's own refusal (a malformed-image exception, an unsupported
    /// feature) keeps its message; anything else thrown inside the decoder (a null reference, an index out of
    /// range) is a damaged file the decoder did not anticipate, said in our words, never the runtime's.
    /// </summary>
    internal static string DecodeFailureMessage(Exception ex) => ex switch
    {
        ImageFormatException or InvalidImageContentException or UnknownImageFormatException or NotSupportedException
            => $"The decoder refused the image: {ex.Message}",
        _ => "The decoder failed inside the image's data: the file is damaged in a way its structure does not show (the decoder's own error is withheld).",
    };

    private IImageInfo? Identify(ReadOnlyMemory<byte> bytes, ImageFormat format, CancellationToken cancellationToken)
    {
        var detector = (IImageInfoDetector)DecoderFor(format, ignoreMetadata: false);
        return detector.Identify(configuration, ReadOnly(bytes), cancellationToken);
    }

    private static MemoryStream ReadOnly(ReadOnlyMemory<byte> bytes)
    {
        var segment = System.Runtime.InteropServices.MemoryMarshal.TryGetArray(bytes, out var s) ? s : new ArraySegment<byte>(bytes.ToArray());
        return new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false);
    }

    private static IImageDecoder DecoderFor(ImageFormat format, bool ignoreMetadata) => format switch
    {
        ImageFormat.Jpeg => new JpegDecoder { IgnoreMetadata = ignoreMetadata },
        ImageFormat.Png => new PngDecoder { IgnoreMetadata = ignoreMetadata },
        ImageFormat.Gif => new GifDecoder { IgnoreMetadata = ignoreMetadata, DecodingMode = FrameDecodingMode.First },
        ImageFormat.Webp => new WebpDecoder { IgnoreMetadata = ignoreMetadata },
        ImageFormat.Bmp => new BmpDecoder(),
        _ => throw new UnreachableException($"{format} is not an allowed format."),
    };

    private static int? ReadOrientation(ImageMetadata metadata)
    {
        // Only EXIF is read. The ICC profile's entries are never touched (unpatched flaw in 2.1.13).
        var value = metadata.ExifProfile?.GetValue(ExifTag.Orientation);
        return value is null ? null : value.Value;
    }

    private static bool HasLocation(ImageMetadata metadata)
    {
        var exif = metadata.ExifProfile;
        return exif is not null && (exif.GetValue(ExifTag.GPSLatitude) is not null || exif.GetValue(ExifTag.GPSLongitude) is not null);
    }

    private void CheckGeometry(int width, int height, int decodedFrames, List<Finding> findings)
    {
        if (width <= 0 || height <= 0)
        {
            findings.Add(Finding.Error(FindingCodes.ImageCorrupt, $"The header gives an impossible size of {width}×{height}."));
            return;
        }

        var axis = Math.Max(width, height);
        if (axis > options.MaxAxis)
        {
            findings.Add(Finding.Error(FindingCodes.ImageDimensionTooLarge, $"The header claims {width}×{height} pixels; no side may exceed {options.MaxAxis}.", axis, options.MaxAxis));
        }

        var pixels = (long)width * height * decodedFrames;
        if (pixels > options.MaxPixels)
        {
            findings.Add(Finding.Error(FindingCodes.ImageTooManyPixels, $"The header claims {pixels:N0} pixels to decode; the limit is {options.MaxPixels:N0} (decompression bomb guard).", pixels, options.MaxPixels));
        }
    }

    private void AddQualityFindings(ImageQuality quality, List<Finding> findings)
    {
        if (quality.BrightnessP99 < options.DarkThreshold)
        {
            findings.Add(Finding.Warning(FindingCodes.ImageDark, "The image is very dark.", quality.BrightnessP99, options.DarkThreshold));
        }

        if (quality.BrightnessP05 > options.LightThreshold)
        {
            findings.Add(Finding.Warning(FindingCodes.ImageLight, "The image is washed out (very light).", quality.BrightnessP05, options.LightThreshold));
        }

        if (quality.Entropy < options.LowInformationThreshold)
        {
            findings.Add(Finding.Warning(FindingCodes.ImageLowInformation, "The image carries little information (nearly uniform).", quality.Entropy, options.LowInformationThreshold));
        }

        var sharpness = Math.Round(1 - quality.Blur, 4);
        if (sharpness < options.BlurThreshold)
        {
            findings.Add(Finding.Warning(FindingCodes.ImageBlurry, "The image is blurry.", sharpness, options.BlurThreshold));
        }

        if (quality.ColorSpread < options.GrayscaleThreshold)
        {
            findings.Add(Finding.Warning(FindingCodes.ImageGrayscale, "The image is grayscale.", quality.ColorSpread, options.GrayscaleThreshold));
        }
    }

    private static bool HasError(List<Finding> findings) => findings.Exists(f => f.Severity == Severity.Error);

    private static ImageInspection Result(
        string sha, long length, ImageFormat format, List<Finding> findings,
        int? width = null, int? height = null, int frames = 1, int? orientation = null,
        ImageQuality? quality = null, TimeSpan elapsed = default) =>
        new(sha, length, format, width, height, frames, orientation, quality,
            [.. findings.OrderByDescending(f => f.Severity)], Math.Round(elapsed.TotalMilliseconds, 2));

    /// <inheritdoc />
    public void Dispose() => decodeSlots.Dispose();
}
