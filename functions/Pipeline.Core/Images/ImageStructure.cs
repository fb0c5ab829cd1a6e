using System.Buffers.Binary;
using System.IO.Hashing;
using Pipeline.Core.Findings;

namespace Pipeline.Core.Images;

/// <summary>What walking a file's container structure found.</summary>
/// <param name="Findings">Truncation, corruption and trailing-data findings.</param>
/// <param name="Frames">Frames (or animation frames) the structure declares; 1 for still images.</param>
/// <param name="Decodable">
/// Bytes to decode instead of the file's, when the file is sound but the decoder cannot take it as it is: a JPEG
/// without the stray bytes between its segments (as libjpeg skips them), the first frame of an animated WebP as a
/// still WebP. Hashes of the file stay the file's own.
/// </param>
public sealed record StructureReport(IReadOnlyList<Finding> Findings, int Frames, byte[]? Decodable = null);

/// <summary>
/// Walks each allowed format's container without decoding pixels. ImageSharp 2.1.13 decodes truncated
/// JPEG and PNG files without complaint, so a decode alone proves nothing about a file's integrity:
/// a JPEG must reach its EOI marker, a PNG must reach IEND with every CRC right, a GIF its trailer,
/// a WebP or BMP must be as long as its header says.
/// </summary>
public static class ImageStructure
{
    /// <summary>Walks <paramref name="data"/> as <paramref name="format"/>.</summary>
    public static StructureReport Check(ImageFormat format, ReadOnlySpan<byte> data) => format switch
    {
        ImageFormat.Jpeg => Jpeg(data),
        ImageFormat.Png => Png(data),
        ImageFormat.Gif => Gif(data),
        ImageFormat.Webp => Webp(data),
        ImageFormat.Bmp => Bmp(data),
        _ => new StructureReport([], 1),
    };

    private static StructureReport Truncated(string message, long length, int frames = 1) =>
        new([Finding.Error(FindingCodes.ImageTruncated, message, length)], frames);

    private static StructureReport Corrupt(string message, double? value = null, int frames = 1) =>
        new([Finding.Error(FindingCodes.ImageCorrupt, message, value)], frames);

    private static StructureReport Ended(ReadOnlySpan<byte> data, int end, string marker, int frames, bool zeroOrFfPadding)
    {
        var rest = data[end..];
        if (rest.IsEmpty)
        {
            return new StructureReport([], frames);
        }

        var padding = zeroOrFfPadding ? rest.IndexOfAnyExcept((byte)0x00, (byte)0xFF) < 0 : rest.IndexOfAnyExcept((byte)0x00) < 0;
        return padding
            ? new StructureReport([], frames)
            : new StructureReport(
                [Finding.Warning(FindingCodes.ImageTrailingData, $"{rest.Length} bytes follow the {marker} marker; they are kept but not part of the image.", rest.Length)],
                frames);
    }

    /// <summary>Walks JPEG segments to EOI, skipping entropy-coded data by scanning for the next real marker.</summary>
    internal static StructureReport Jpeg(ReadOnlySpan<byte> data)
    {
        var pos = 2;
        var sawFrame = false;
        List<(int Offset, int Length)>? stray = null;
        while (true)
        {
            var ff = data[pos..].IndexOf((byte)0xFF);
            if (ff < 0)
            {
                return Truncated("The JPEG ends before its end-of-image (EOI) marker: the file was cut short.", data.Length);
            }

            if (ff > 0)
            {
                (stray ??= []).Add((pos, ff)); // bytes where a marker should be: libjpeg skips them ("extraneous bytes before marker")
            }

            pos += ff;
            while (pos < data.Length && data[pos] == 0xFF)
            {
                pos++; // fill bytes
            }

            if (pos >= data.Length)
            {
                return Truncated("The JPEG ends before its end-of-image (EOI) marker: the file was cut short.", data.Length);
            }

            var marker = data[pos];
            pos++;
            if (marker == 0xD9)
            {
                if (!sawFrame)
                {
                    return Corrupt("The JPEG has no frame header (SOF) before its end-of-image marker.");
                }

                var ended = Ended(data, pos, "JPEG end-of-image", 1, zeroOrFfPadding: true);
                return stray is null ? ended : WithoutStrayBytes(data, stray, ended);
            }

            if (marker is 0x01 or 0xD8 or (>= 0xD0 and <= 0xD7))
            {
                continue; // standalone markers
            }

            if (pos + 2 > data.Length)
            {
                return Truncated("The JPEG ends inside a segment header: the file was cut short.", data.Length);
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(data[pos..]);
            if (length < 2)
            {
                return Corrupt($"A JPEG segment (marker 0x{marker:X2}) declares an impossible length of {length}.", length);
            }

            if (pos + length > data.Length)
            {
                return Truncated($"A JPEG segment (marker 0x{marker:X2}) runs past the end of the file: the file was cut short.", data.Length);
            }

            sawFrame |= marker is (>= 0xC0 and <= 0xCF) and not 0xC4 and not 0xC8 and not 0xCC;
            pos += length;
            if (marker == 0xDA)
            {
                // Entropy-coded data: runs until an 0xFF that is neither stuffing (FF 00) nor a restart marker.
                while (true)
                {
                    var next = data[pos..].IndexOf((byte)0xFF);
                    if (next < 0 || pos + next + 1 >= data.Length)
                    {
                        return Truncated("The JPEG's compressed data stops before its end-of-image (EOI) marker: the file was cut short.", data.Length);
                    }

                    pos += next;
                    var following = data[pos + 1];
                    if (following == 0x00 || following == 0xFF || following is >= 0xD0 and <= 0xD7)
                    {
                        pos += following == 0xFF ? 1 : 2;
                        continue;
                    }

                    break;
                }
            }
        }
    }

    /// <summary>The report of a JPEG with stray bytes between segments: a warning, and the file without them to decode.</summary>
    private static StructureReport WithoutStrayBytes(ReadOnlySpan<byte> data, List<(int Offset, int Length)> stray, StructureReport ended)
    {
        var cleaned = new byte[data.Length - stray.Sum(s => s.Length)];
        var (from, to) = (0, 0);
        foreach (var (offset, length) in stray)
        {
            data[from..offset].CopyTo(cleaned.AsSpan(to));
            to += offset - from;
            from = offset + length;
        }

        data[from..].CopyTo(cleaned.AsSpan(to));
        var count = stray.Sum(s => s.Length);
        var warning = Finding.Warning(
            FindingCodes.ImageStrayBytes,
            $"{count} stray byte(s) between the JPEG's segments (first at offset {stray[0].Offset}); skipped as libjpeg skips them, and the picture read without them.",
            count);
        return ended with { Findings = [.. ended.Findings, warning], Decodable = cleaned };
    }

    /// <summary>Walks PNG chunks to IEND, checking every chunk's CRC.</summary>
    internal static StructureReport Png(ReadOnlySpan<byte> data)
    {
        var pos = 8;
        var index = 0;
        var frames = 1;
        while (true)
        {
            if (pos + 8 > data.Length)
            {
                return Truncated("The PNG ends before its IEND chunk: the file was cut short.", data.Length, frames);
            }

            var length = BinaryPrimitives.ReadUInt32BigEndian(data[pos..]);
            var type = data.Slice(pos + 4, 4);
            var typeName = System.Text.Encoding.ASCII.GetString(type);
            if (length > int.MaxValue || !IsChunkType(type))
            {
                return Corrupt($"PNG chunk {index} has an invalid type or length; the file is damaged.", index, frames);
            }

            if (index == 0 && (typeName != "IHDR" || length != 13))
            {
                return Corrupt("The PNG does not begin with an IHDR header chunk.", frames: frames);
            }

            if ((long)pos + 12 + length > data.Length)
            {
                return Truncated($"The PNG's {typeName} chunk runs past the end of the file: the file was cut short.", data.Length, frames);
            }

            var body = data.Slice(pos + 4, 4 + (int)length);
            var stored = BinaryPrimitives.ReadUInt32BigEndian(data[(pos + 8 + (int)length)..]);
            if (Crc32.HashToUInt32(body) != stored)
            {
                return Corrupt($"The CRC of PNG chunk {index} ({typeName}) does not match its data: the file is damaged.", index, frames);
            }

            if (typeName == "acTL" && length >= 4)
            {
                frames = (int)Math.Min(int.MaxValue, BinaryPrimitives.ReadUInt32BigEndian(data[(pos + 8)..]));
            }

            pos += 12 + (int)length;
            index++;
            if (typeName == "IEND")
            {
                return Ended(data, pos, "PNG IEND", frames, zeroOrFfPadding: false);
            }
        }
    }

    private static bool IsChunkType(ReadOnlySpan<byte> type)
    {
        foreach (var c in type)
        {
            if (c is not ((>= (byte)'A' and <= (byte)'Z') or (>= (byte)'a' and <= (byte)'z')))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Walks GIF blocks to the trailer, counting image descriptors (frames).</summary>
    internal static StructureReport Gif(ReadOnlySpan<byte> data)
    {
        const string cut = "The GIF ends before its trailer: the file was cut short.";
        if (data.Length < 13)
        {
            return Truncated(cut, data.Length, 0);
        }

        var pos = 13;
        var packed = data[10];
        if ((packed & 0x80) != 0)
        {
            pos += 3 * (1 << ((packed & 7) + 1));
        }

        var frames = 0;
        while (true)
        {
            if (pos >= data.Length)
            {
                return Truncated(cut, data.Length, frames);
            }

            switch (data[pos])
            {
                case 0x21:
                    pos += 2;
                    if (!SkipSubBlocks(data, ref pos))
                    {
                        return Truncated(cut, data.Length, frames);
                    }

                    break;
                case 0x2C:
                    if (pos + 10 > data.Length)
                    {
                        return Truncated(cut, data.Length, frames);
                    }

                    var local = data[pos + 9];
                    pos += 10;
                    if ((local & 0x80) != 0)
                    {
                        pos += 3 * (1 << ((local & 7) + 1));
                    }

                    pos += 1; // LZW minimum code size
                    if (!SkipSubBlocks(data, ref pos))
                    {
                        return Truncated(cut, data.Length, frames);
                    }

                    frames++;
                    break;
                case 0x3B:
                    return frames == 0
                        ? Corrupt("The GIF contains no image.", frames: 0)
                        : Ended(data, pos + 1, "GIF trailer", frames, zeroOrFfPadding: false);
                default:
                    return Corrupt($"The GIF has an unknown block (0x{data[pos]:X2}) at byte {pos}: the file is damaged.", pos, Math.Max(frames, 1));
            }
        }
    }

    private static bool SkipSubBlocks(ReadOnlySpan<byte> data, ref int pos)
    {
        while (true)
        {
            if (pos >= data.Length)
            {
                return false;
            }

            var size = data[pos];
            pos += 1 + size;
            if (size == 0)
            {
                return pos <= data.Length;
            }
        }
    }

    /// <summary>Checks the RIFF length and walks WebP chunks, counting animation frames.</summary>
    internal static StructureReport Webp(ReadOnlySpan<byte> data)
    {
        var riffSize = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
        var end = 8L + riffSize;
        if (end > data.Length)
        {
            return Truncated($"The WebP is {data.Length} bytes but its RIFF header says {end}: the file was cut short.", data.Length);
        }

        var pos = 12;
        var frames = 0;
        var chunks = 0;
        (int Offset, int Size)? firstFrame = null;
        while (pos + 8 <= end)
        {
            var fourcc = data.Slice(pos, 4);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(data[(pos + 4)..]);
            if (pos + 8L + size > end)
            {
                return Truncated("A WebP chunk runs past the end of its RIFF container: the file was cut short.", data.Length);
            }

            if (fourcc.SequenceEqual("ANMF"u8))
            {
                if (frames++ == 0)
                {
                    firstFrame = (pos + 8, (int)size);
                }
            }

            chunks++;
            pos += 8 + (int)size + (int)(size & 1);
        }

        if (chunks == 0)
        {
            return Corrupt("The WebP contains no image data.");
        }

        var report = Ended(data, (int)Math.Min(end + (riffSize & 1), data.Length), "RIFF end", Math.Max(frames, 1), zeroOrFfPadding: false);
        if (firstFrame is not { } frame)
        {
            return report;
        }

        // ImageSharp 2.1.13 refuses animated WebP; the first frame, as a still WebP, is what gets checked.
        return frame.Size < 16 ? Corrupt("The WebP's first animation frame is shorter than its frame header.")
            : StillWebp(data.Slice(frame.Offset, frame.Size)) is { } still ? report with { Decodable = still }
            : Corrupt("The WebP's first animation frame holds no VP8 or VP8L bitstream.");
    }

    /// <summary>
    /// A still WebP made of an animation frame (an ANMF chunk's payload): its bitstream chunks (VP8 or VP8L, with ALPH
    /// when the frame has an alpha plane) in a RIFF container of their own, with a VP8X header when there is an ALPH
    /// chunk; null when the frame has no bitstream.
    /// </summary>
    private static byte[]? StillWebp(ReadOnlySpan<byte> frame)
    {
        var width = (frame[6] | (frame[7] << 8) | (frame[8] << 16)) + 1;
        var height = (frame[9] | (frame[10] << 8) | (frame[11] << 16)) + 1;
        var chunks = frame[16..];
        var (hasBitstream, hasAlpha) = (false, false);
        for (var pos = 0; pos + 8 <= chunks.Length;)
        {
            var fourcc = chunks.Slice(pos, 4);
            hasBitstream |= fourcc.SequenceEqual("VP8 "u8) || fourcc.SequenceEqual("VP8L"u8);
            hasAlpha |= fourcc.SequenceEqual("ALPH"u8);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(chunks[(pos + 4)..]);
            pos += 8 + (int)Math.Min(size + (size & 1), int.MaxValue - 8 - pos);
        }

        if (!hasBitstream)
        {
            return null;
        }

        var header = hasAlpha ? 18 : 0;
        var still = new byte[12 + header + chunks.Length];
        "RIFF"u8.CopyTo(still);
        BinaryPrimitives.WriteUInt32LittleEndian(still.AsSpan(4), (uint)(still.Length - 8));
        "WEBP"u8.CopyTo(still.AsSpan(8));
        if (hasAlpha)
        {
            "VP8X"u8.CopyTo(still.AsSpan(12));
            BinaryPrimitives.WriteUInt32LittleEndian(still.AsSpan(16), 10);
            still[20] = 0x10; // alpha
            still[24] = (byte)(width - 1);
            still[25] = (byte)((width - 1) >> 8);
            still[26] = (byte)((width - 1) >> 16);
            still[27] = (byte)(height - 1);
            still[28] = (byte)((height - 1) >> 8);
            still[29] = (byte)((height - 1) >> 16);
        }

        chunks.CopyTo(still.AsSpan(12 + header));
        return still;
    }

    /// <summary>Checks a BMP's declared file size and pixel-data offset against its real length.</summary>
    internal static StructureReport Bmp(ReadOnlySpan<byte> data)
    {
        var declared = BinaryPrimitives.ReadUInt32LittleEndian(data[2..]);
        var offset = BinaryPrimitives.ReadUInt32LittleEndian(data[10..]);
        if (offset >= data.Length)
        {
            return Truncated("The BMP ends before its pixel data begins: the file was cut short.", data.Length);
        }

        // Some writers leave the size field 0; when it is set, it must be met.
        if (declared != 0 && declared > data.Length)
        {
            return Truncated($"The BMP is {data.Length} bytes but its header says {declared}: the file was cut short.", data.Length);
        }

        return BmpHeader(data) is { } problem ? Corrupt(problem) : new StructureReport([], 1);
    }

    /// <summary>
    /// What is impossible in a BMP's info header, or null: a header size no version of the format has, a bit depth
    /// other than 1, 2, 4, 8, 16, 24 or 32, or a compression that does not fit the depth (RLE8 needs 8 bits, RLE4
    /// needs 4, bit fields need 16 or 32); embedded JPEG or PNG data (a printer format) is refused too. A decoder
    /// given such a header guesses, and ImageSharp 2.1.13 decodes a 30000-bit BMP as a black picture.
    /// </summary>
    private static string? BmpHeader(ReadOnlySpan<byte> data)
    {
        if (data.Length < 18)
        {
            return "The BMP ends inside its info header.";
        }

        var headerSize = BinaryPrimitives.ReadUInt32LittleEndian(data[14..]);
        if (headerSize is not (12 or 16 or 40 or 52 or 56 or 64 or 108 or 124))
        {
            return $"The BMP's info header is {headerSize} bytes, a size no version of the format has.";
        }

        if (data.Length < 14 + Math.Min(headerSize, 40))
        {
            return "The BMP ends inside its info header.";
        }

        var (planes, bits, compression) = headerSize == 12
            ? (BinaryPrimitives.ReadUInt16LittleEndian(data[22..]), BinaryPrimitives.ReadUInt16LittleEndian(data[24..]), 0u)
            : (BinaryPrimitives.ReadUInt16LittleEndian(data[26..]), BinaryPrimitives.ReadUInt16LittleEndian(data[28..]), headerSize >= 20 ? BinaryPrimitives.ReadUInt32LittleEndian(data[30..]) : 0u);
        if (planes != 1)
        {
            return $"The BMP declares {planes} colour planes; the format has exactly 1.";
        }

        if (compression is 4 or 5)
        {
            return $"The BMP embeds {(compression == 4 ? "JPEG" : "PNG")} data (a printer format), which is not read here.";
        }

        if (bits is not (1 or 2 or 4 or 8 or 16 or 24 or 32))
        {
            return $"The BMP declares {bits} bits per pixel; the format allows 1, 2, 4, 8, 16, 24 or 32.";
        }

        var fits = compression switch
        {
            0 => true,
            1 => bits == 8,
            2 => bits == 4,
            3 or 6 => bits is 16 or 32,
            _ => false,
        };
        return fits ? null : $"The BMP's compression ({compression}) does not fit its {bits} bits per pixel.";
    }
}
