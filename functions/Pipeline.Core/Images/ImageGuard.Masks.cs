using Pipeline.Core.Findings;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.PixelFormats;

namespace Pipeline.Core.Images;

/// <summary>A segmentation mask's pixels as their distinct colours: what a mask check needs, never the picture itself.</summary>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="Colours">Each distinct colour (packed <c>0xRRGGBB</c>) and how many pixels have it; at most <see cref="MaxColours"/>.</param>
/// <param name="MoreColours">Whether the mask has more distinct colours than were kept.</param>
public sealed record MaskPixels(int Width, int Height, IReadOnlyDictionary<int, long> Colours, bool MoreColours)
{
    /// <summary>The most distinct colours kept: far more than any class or instance key (COCO panoptic has at most a few hundred segments an image).</summary>
    public const int MaxColours = 4096;
}

/// <summary>A mask read: its pixels, or why it could not be read.</summary>
/// <param name="Pixels">The colours, when read.</param>
/// <param name="Problem">The error finding, when not.</param>
public sealed record MaskRead(MaskPixels? Pixels, Finding? Problem);

public sealed partial class ImageGuard
{
    /// <summary>
    /// Reads a segmentation mask (a PNG of class, instance or segment ids as colours) with the same guards as an
    /// image: size cap, sniffed as PNG, structure walked, header and geometry checked, one bounded decode under
    /// the deadline. Never throws unless <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public async Task<MaskRead> ReadMaskAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        if (bytes.Length == 0 || bytes.Length > options.MaxBytes)
        {
            return Unreadable(bytes.Length == 0 ? "The mask is empty (0 bytes)." : $"The mask is {bytes.Length:N0} bytes; the limit is {options.MaxBytes:N0}.");
        }

        var span = bytes.Span;
        var format = FormatSniffer.Sniff(span[..Math.Min(span.Length, FormatSniffer.HeaderLength)]);
        if (format != ImageFormat.Png)
        {
            return Unreadable($"A segmentation mask must be a PNG (lossless); this file is {(format is ImageFormat.Unknown or ImageFormat.NotAnImage ? "not an image" : format.Name().ToUpperInvariant())}.");
        }

        var structure = ImageStructure.Check(format, span);
        if (structure.Findings.FirstOrDefault(f => f.Severity == Severity.Error) is { } broken)
        {
            return Unreadable($"The mask's PNG is damaged: {broken.Message}");
        }

        bytes = structure.Decodable ?? bytes;
        await decodeSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var deadline = new CancellationTokenSource(options.DecodeTimeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
            if (Identify(bytes, format, linked.Token) is not { } info)
            {
                return Unreadable("The decoder could not read the mask's PNG header.");
            }

            var geometry = new List<Finding>();
            CheckGeometry(info.Width, info.Height, 1, geometry);
            if (geometry.FirstOrDefault(f => f.Severity == Severity.Error) is { } tooBig)
            {
                return Unreadable(tooBig.Message);
            }

            using var image = DecoderFor(format, ignoreMetadata: true).Decode<Rgb24>(configuration, ReadOnly(bytes), linked.Token);
            return new MaskRead(Histogram(image), null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Unreadable($"Decoding the mask took longer than {options.DecodeTimeout.TotalSeconds:0.###} s and was stopped.");
        }
        catch (Exception ex) when (ex is InvalidMemoryOperationException || ex.InnerException is InvalidMemoryOperationException)
        {
            return Unreadable($"Decoding the mask needed more memory than one buffer may take ({options.AllocationLimitMegabytes} MB).");
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            return Unreadable(DecodeFailureMessage(ex));
        }
        finally
        {
            decodeSlots.Release();
        }
    }

    private static MaskPixels Histogram(Image<Rgb24> image)
    {
        var colours = new Dictionary<int, long>();
        var more = false;
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                var (last, run) = (-1, 0L);
                foreach (var pixel in row)
                {
                    // Masks are long runs of one colour: count a run, then add it once.
                    var packed = (pixel.R << 16) | (pixel.G << 8) | pixel.B;
                    if (packed == last)
                    {
                        run++;
                        continue;
                    }

                    more |= !Add(colours, last, run);
                    (last, run) = (packed, 1);
                }

                more |= !Add(colours, last, run);
            }
        });
        return new MaskPixels(image.Width, image.Height, colours, more);
    }

    private static bool Add(Dictionary<int, long> colours, int colour, long count)
    {
        if (count == 0)
        {
            return true;
        }

        if (colours.TryGetValue(colour, out var had))
        {
            colours[colour] = had + count;
            return true;
        }

        if (colours.Count >= MaskPixels.MaxColours)
        {
            return false;
        }

        colours[colour] = count;
        return true;
    }

    private static MaskRead Unreadable(string message) => new(null, Finding.Error(FindingCodes.MaskUnreadable, message));
}
