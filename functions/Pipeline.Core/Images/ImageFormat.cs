namespace Pipeline.Core.Images;

/// <summary>What the first bytes of a file say it is. Only the first five are decoded; the rest are named to give a clear finding.</summary>
public enum ImageFormat
{
    /// <summary>Nothing recognised.</summary>
    Unknown,

    /// <summary>JPEG (JFIF, EXIF).</summary>
    Jpeg,

    /// <summary>PNG.</summary>
    Png,

    /// <summary>WebP (RIFF container).</summary>
    Webp,

    /// <summary>Windows bitmap.</summary>
    Bmp,

    /// <summary>GIF (first frame only).</summary>
    Gif,

    /// <summary>Classic TIFF: refused, never decoded.</summary>
    Tiff,

    /// <summary>BigTIFF: refused, never decoded.</summary>
    BigTiff,

    /// <summary>HEIF/HEIC/AVIF (ISO base media file): refused.</summary>
    Heif,

    /// <summary>JPEG 2000 or JPEG XL: refused.</summary>
    OtherRaster,

    /// <summary>A document or archive (PDF, ZIP, ...) or text: refused.</summary>
    NotAnImage,
}

/// <summary>Facts about <see cref="ImageFormat"/> values.</summary>
public static class ImageFormats
{
    /// <summary>Whether the format may be decoded at all.</summary>
    public static bool IsAllowed(this ImageFormat format) =>
        format is ImageFormat.Jpeg or ImageFormat.Png or ImageFormat.Webp or ImageFormat.Bmp or ImageFormat.Gif;

    /// <summary>The extension a staged file of this format gets, without the dot.</summary>
    public static string CanonicalExtension(this ImageFormat format) => Describe(format).Extension;

    /// <summary>The MIME type a staged file of this format is served with.</summary>
    public static string ContentType(this ImageFormat format) => Describe(format).ContentType;

    private static (string Extension, string ContentType) Describe(ImageFormat format) => format switch
    {
        ImageFormat.Jpeg => ("jpg", "image/jpeg"),
        ImageFormat.Png => ("png", "image/png"),
        ImageFormat.Webp => ("webp", "image/webp"),
        ImageFormat.Bmp => ("bmp", "image/bmp"),
        ImageFormat.Gif => ("gif", "image/gif"),
        ImageFormat.Tiff or ImageFormat.BigTiff => ("tif", "image/tiff"),
        ImageFormat.Heif => ("heif", "image/heif"),
        _ => ("bin", "application/octet-stream"),
    };

    /// <summary>The lowercase name used in records and reports.</summary>
    public static string Name(this ImageFormat format) => format switch
    {
        ImageFormat.BigTiff => "bigtiff",
        ImageFormat.OtherRaster => "other-raster",
        ImageFormat.NotAnImage => "not-an-image",
        _ => format.ToString().ToLowerInvariant(),
    };

    /// <summary>The format a file name's extension claims, or null when the extension names no image format.</summary>
    public static ImageFormat? FromExtension(string fileName)
    {
        var ext = Path.GetExtension(fileName).ToLowerInvariant();
        return ext switch
        {
            ".jpg" or ".jpeg" or ".jpe" or ".jfif" => ImageFormat.Jpeg,
            ".png" => ImageFormat.Png,
            ".webp" => ImageFormat.Webp,
            ".bmp" or ".dib" => ImageFormat.Bmp,
            ".gif" => ImageFormat.Gif,
            ".tif" or ".tiff" => ImageFormat.Tiff,
            ".heic" or ".heif" or ".avif" => ImageFormat.Heif,
            _ => null,
        };
    }
}
