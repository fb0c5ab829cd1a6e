using System.Buffers.Binary;
using System.IO.Hashing;

namespace Pipeline.Core.Images;

/// <summary>What <see cref="LocationStripper.Strip"/> did.</summary>
public enum LocationStripResult
{
    /// <summary>The file carried no GPS data: the bytes are unchanged.</summary>
    NoLocation,

    /// <summary>GPS data was overwritten with zeros; every other byte, the pixels and the rest of EXIF are as they were.</summary>
    Stripped,

    /// <summary>The EXIF block could not be walked safely; the file is unchanged and should not be published as is.</summary>
    Unreadable,
}

/// <summary>
/// Removes location from an image without re-encoding it: the EXIF GPS sub-IFD (its entries and every value
/// they point to) is overwritten with zeros in place and its entry count set to 0, so no offset moves, the
/// pixels and the rest of EXIF (orientation, camera) are untouched, and readers see an empty GPS directory.
/// Works on JPEG (APP1 "Exif"), PNG (eXIf, CRC recomputed) and WebP (EXIF chunk).
/// </summary>
public static class LocationStripper
{
    private const ushort GpsInfoTag = 0x8825;

    /// <summary>Strips GPS data from <paramref name="file"/> in place.</summary>
    public static LocationStripResult Strip(Span<byte> file, ImageFormat format) => format switch
    {
        ImageFormat.Jpeg => Jpeg(file),
        ImageFormat.Png => Png(file),
        ImageFormat.Webp => Webp(file),
        _ => LocationStripResult.NoLocation,
    };

    private static LocationStripResult Jpeg(Span<byte> file)
    {
        var pos = 2;
        while (pos + 4 <= file.Length && file[pos] == 0xFF)
        {
            var marker = file[pos + 1];
            if (marker is 0xDA or 0xD9)
            {
                break; // EXIF comes before the scan
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(file[(pos + 2)..]);
            if (length < 2 || pos + 2 + length > file.Length)
            {
                return LocationStripResult.Unreadable;
            }

            var body = file.Slice(pos + 4, length - 2);
            if (marker == 0xE1 && body.StartsWith("Exif\0\0"u8))
            {
                return Tiff(body[6..]);
            }

            pos += 2 + length;
        }

        return LocationStripResult.NoLocation;
    }

    private static LocationStripResult Png(Span<byte> file)
    {
        var pos = 8;
        while (pos + 12 <= file.Length)
        {
            var length = (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(file[pos..]), int.MaxValue);
            if (pos + 12L + length > file.Length)
            {
                return LocationStripResult.Unreadable;
            }

            var type = file.Slice(pos + 4, 4);
            if (type.SequenceEqual("eXIf"u8))
            {
                var result = Tiff(file.Slice(pos + 8, length));
                if (result == LocationStripResult.Stripped)
                {
                    BinaryPrimitives.WriteUInt32BigEndian(file[(pos + 8 + length)..], Crc32.HashToUInt32(file.Slice(pos + 4, 4 + length)));
                }

                return result;
            }

            if (type.SequenceEqual("IDAT"u8) || type.SequenceEqual("IEND"u8))
            {
                return LocationStripResult.NoLocation; // eXIf must precede the image data
            }

            pos += 12 + length;
        }

        return LocationStripResult.NoLocation;
    }

    private static LocationStripResult Webp(Span<byte> file)
    {
        var pos = 12;
        while (pos + 8 <= file.Length)
        {
            var size = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(file[(pos + 4)..]), int.MaxValue);
            if (pos + 8L + size > file.Length)
            {
                return LocationStripResult.Unreadable;
            }

            if (file.Slice(pos, 4).SequenceEqual("EXIF"u8))
            {
                var body = file.Slice(pos + 8, size);
                return Tiff(body.StartsWith("Exif\0\0"u8) ? body[6..] : body);
            }

            pos += 8 + size + (size & 1);
        }

        return LocationStripResult.NoLocation;
    }

    /// <summary>Walks a TIFF-structured EXIF block: IFD0, its GPS pointer, the GPS IFD and its values.</summary>
    private static LocationStripResult Tiff(Span<byte> tiff)
    {
        if (tiff.Length < 8)
        {
            return LocationStripResult.Unreadable;
        }

        var little = tiff[0] == (byte)'I' && tiff[1] == (byte)'I';
        if (!little && !(tiff[0] == (byte)'M' && tiff[1] == (byte)'M'))
        {
            return LocationStripResult.Unreadable;
        }

        ushort U16(Span<byte> s, int at) => little ? BinaryPrimitives.ReadUInt16LittleEndian(s[at..]) : BinaryPrimitives.ReadUInt16BigEndian(s[at..]);
        uint U32(Span<byte> s, int at) => little ? BinaryPrimitives.ReadUInt32LittleEndian(s[at..]) : BinaryPrimitives.ReadUInt32BigEndian(s[at..]);

        var ifd0 = U32(tiff, 4);
        if (ifd0 < 8 || ifd0 + 2 > tiff.Length)
        {
            return LocationStripResult.Unreadable;
        }

        int count = U16(tiff, (int)ifd0);
        if (ifd0 + 2 + (count * 12L) > tiff.Length)
        {
            return LocationStripResult.Unreadable;
        }

        for (var i = 0; i < count; i++)
        {
            var entry = (int)ifd0 + 2 + (i * 12);
            if (U16(tiff, entry) != GpsInfoTag)
            {
                continue;
            }

            var gps = U32(tiff, entry + 8);
            if (gps < 8 || gps + 2 > tiff.Length)
            {
                return LocationStripResult.Unreadable;
            }

            int gpsCount = U16(tiff, (int)gps);
            if (gps + 2 + (gpsCount * 12L) > tiff.Length)
            {
                return LocationStripResult.Unreadable;
            }

            // Values larger than four bytes live elsewhere: zero them first, then the entries themselves.
            for (var j = 0; j < gpsCount; j++)
            {
                var gpsEntry = (int)gps + 2 + (j * 12);
                var size = TypeSize(U16(tiff, gpsEntry + 2)) * (long)U32(tiff, gpsEntry + 4);
                if (size > 4)
                {
                    var offset = U32(tiff, gpsEntry + 8);
                    if (offset + size > tiff.Length)
                    {
                        return LocationStripResult.Unreadable;
                    }

                    tiff.Slice((int)offset, (int)size).Clear();
                }
            }

            tiff.Slice((int)gps, 2 + (gpsCount * 12)).Clear();
            return LocationStripResult.Stripped;
        }

        return LocationStripResult.NoLocation;
    }

    private static int TypeSize(ushort type) => type switch
    {
        1 or 2 or 6 or 7 => 1,
        3 or 8 => 2,
        4 or 9 or 11 => 4,
        5 or 10 or 12 => 8,
        _ => 1,
    };
}
