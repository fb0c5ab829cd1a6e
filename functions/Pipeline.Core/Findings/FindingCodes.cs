namespace Pipeline.Core.Findings;

/// <summary>
/// The stable finding codes. A code, once published, keeps its meaning; docs/checks.md documents each one.
/// </summary>
public static class FindingCodes
{
    /// <summary>The blob name is unsafe to carry into other containers or onto disk (<c>..</c> segments, control characters).</summary>
    public const string BlobUnsafeName = "blob.unsafe_name";

    /// <summary>The file has no bytes.</summary>
    public const string ImageEmpty = "image.empty";

    /// <summary>The file is larger than the size cap; it was not downloaded.</summary>
    public const string ImageTooLarge = "image.too_large";

    /// <summary>The bytes are not any image format the pipeline accepts.</summary>
    public const string ImageUnknownFormat = "image.unknown_format";

    /// <summary>A recognised format that policy refuses (TIFF, BigTIFF, HEIC, ...); the decoder never sees it.</summary>
    public const string ImageFormatNotAllowed = "image.format_not_allowed";

    /// <summary>The file name's extension names another format than the bytes are.</summary>
    public const string ImageExtensionMismatch = "image.extension_mismatch";

    /// <summary>The file ends before its format's end marker (JPEG EOI, PNG IEND, GIF trailer, RIFF size).</summary>
    public const string ImageTruncated = "image.truncated";

    /// <summary>The structure is broken: a bad checksum, an impossible length, a missing header.</summary>
    public const string ImageCorrupt = "image.corrupt";

    /// <summary>Bytes follow the format's end marker that are not padding.</summary>
    public const string ImageTrailingData = "image.trailing_data";

    /// <summary>Width or height exceeds the per-axis cap.</summary>
    public const string ImageDimensionTooLarge = "image.dimension_too_large";

    /// <summary>Width × height (× frames where all frames decode) exceeds the pixel cap: a decompression bomb.</summary>
    public const string ImageTooManyPixels = "image.too_many_pixels";

    /// <summary>More frames than the frame cap.</summary>
    public const string ImageTooManyFrames = "image.too_many_frames";

    /// <summary>An animation: only the first frame is checked and used.</summary>
    public const string ImageAnimated = "image.animated";

    /// <summary>Decoding took longer than the deadline.</summary>
    public const string ImageDecodeTimeout = "image.decode_timeout";

    /// <summary>Decoding asked for more memory than one buffer may take.</summary>
    public const string ImageAllocationLimit = "image.allocation_limit";

    /// <summary>The decoder refused the bytes.</summary>
    public const string ImageDecodeFailed = "image.decode_failed";

    /// <summary>The EXIF orientation says the stored pixels must be rotated or flipped for display.</summary>
    public const string ImageExifOrientation = "image.exif_orientation";

    /// <summary>Very dark: the 99th percentile of brightness is below the threshold.</summary>
    public const string ImageDark = "image.dark";

    /// <summary>Washed out: the 5th percentile of brightness is above the threshold.</summary>
    public const string ImageLight = "image.light";

    /// <summary>Little information: the entropy of the brightness histogram is below the threshold.</summary>
    public const string ImageLowInformation = "image.low_information";

    /// <summary>Blurry: the sharpness score (1 − blur effect) is below the threshold.</summary>
    public const string ImageBlurry = "image.blurry";

    /// <summary>Grayscale content (stored as grayscale, or RGB with equal channels).</summary>
    public const string ImageGrayscale = "image.grayscale";

    /// <summary>min(width/height, height/width) is below the threshold.</summary>
    public const string ImageOddAspectRatio = "image.odd_aspect_ratio";

    /// <summary>sqrt(width × height) lies outside Q1 − 3·IQR … Q3 + 3·IQR of its dataset's running statistics.</summary>
    public const string ImageOddSize = "image.odd_size";

    /// <summary>EXIF carries GPS location tags.</summary>
    public const string ImageLocationMetadata = "image.location_metadata";

    /// <summary>Another image's perceptual hash is within the near-duplicate distance; the finding names it.</summary>
    public const string ImageNearDuplicate = "image.near_duplicate";

    /// <summary>The same bytes were ingested before under another name.</summary>
    public const string ImageExactDuplicate = "image.exact_duplicate";

    /// <summary>Ingest failed on every retry the platform made; the file was not judged.</summary>
    public const string IngestPoison = "ingest.poison";
}
