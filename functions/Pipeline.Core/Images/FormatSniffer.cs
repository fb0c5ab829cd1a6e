namespace Pipeline.Core.Images;

/// <summary>Recognises a file's format from its first bytes, before any decoder is involved.</summary>
public static class FormatSniffer
{
    /// <summary>The number of leading bytes <see cref="Sniff"/> looks at.</summary>
    public const int HeaderLength = 16;

    /// <summary>Names the format of <paramref name="header"/> (the file's first bytes; fewer than 16 is fine).</summary>
    public static ImageFormat Sniff(ReadOnlySpan<byte> header)
    {
        if (Starts(header, 0xFF, 0xD8, 0xFF))
        {
            return ImageFormat.Jpeg;
        }

        if (Starts(header, 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A))
        {
            return ImageFormat.Png;
        }

        if (header.StartsWith("GIF87a"u8) || header.StartsWith("GIF89a"u8))
        {
            return ImageFormat.Gif;
        }

        if (header.Length >= 12 && header.StartsWith("RIFF"u8) && header[8..12].SequenceEqual("WEBP"u8))
        {
            return ImageFormat.Webp;
        }

        if (header.StartsWith("BM"u8) && header.Length >= 14)
        {
            return ImageFormat.Bmp;
        }

        // TIFF: byte order mark then 42 (classic) or 43 (BigTIFF), in that byte order.
        if (Starts(header, (byte)'I', (byte)'I', 42, 0) || Starts(header, (byte)'M', (byte)'M', 0, 42))
        {
            return ImageFormat.Tiff;
        }

        if (Starts(header, (byte)'I', (byte)'I', 43, 0) || Starts(header, (byte)'M', (byte)'M', 0, 43))
        {
            return ImageFormat.BigTiff;
        }

        if (header.Length >= 12 && header[4..8].SequenceEqual("ftyp"u8))
        {
            var brand = header[8..12];
            if (brand.SequenceEqual("heic"u8) || brand.SequenceEqual("heix"u8) || brand.SequenceEqual("mif1"u8) ||
                brand.SequenceEqual("msf1"u8) || brand.SequenceEqual("avif"u8) || brand.SequenceEqual("hevc"u8))
            {
                return ImageFormat.Heif;
            }

            return ImageFormat.NotAnImage; // MP4, MOV and the like
        }

        if (Starts(header, 0x00, 0x00, 0x00, 0x0C, (byte)'j', (byte)'P') || Starts(header, 0xFF, 0x4F, 0xFF, 0x51) ||
            Starts(header, 0xFF, 0x0A) || Starts(header, 0x00, 0x00, 0x00, 0x0C, (byte)'J', (byte)'X', (byte)'L', (byte)' '))
        {
            return ImageFormat.OtherRaster;
        }

        if (header.StartsWith("%PDF"u8) || header.StartsWith("PK"u8) || Starts(header, 0x1F, 0x8B))
        {
            return ImageFormat.NotAnImage;
        }

        return header.IsEmpty ? ImageFormat.Unknown : (LooksLikeText(header) ? ImageFormat.NotAnImage : ImageFormat.Unknown);
    }

    private static bool Starts(ReadOnlySpan<byte> header, params ReadOnlySpan<byte> prefix) => header.StartsWith(prefix);

    private static bool LooksLikeText(ReadOnlySpan<byte> header)
    {
        foreach (var b in header)
        {
            if (b < 0x09 || (b > 0x0D && b < 0x20 && b != 0x1B))
            {
                return false;
            }
        }

        return true;
    }
}
