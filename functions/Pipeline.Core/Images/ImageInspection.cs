using System.Text.Json.Serialization;
using Pipeline.Core.Findings;

namespace Pipeline.Core.Images;

/// <summary>Whether a file passed the guard.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<InspectionStatus>))]
public enum InspectionStatus
{
    /// <summary>No error findings: the image is accepted (warnings and info are kept with it).</summary>
    [JsonStringEnumMemberName("accepted")]
    Accepted,

    /// <summary>At least one error finding.</summary>
    [JsonStringEnumMemberName("rejected")]
    Rejected,
}

/// <summary>
/// Statistics computed on one downscaled buffer of the decoded image. Brightness is perceived brightness,
/// sqrt(0.241 R² + 0.691 G² + 0.068 B²), in 0–1; contrast, entropy, sharpness and blur use BT.601 luma.
/// </summary>
/// <param name="BrightnessP01">1st percentile of brightness.</param>
/// <param name="BrightnessP05">5th percentile of brightness.</param>
/// <param name="BrightnessP50">Median brightness.</param>
/// <param name="BrightnessP95">95th percentile of brightness.</param>
/// <param name="BrightnessP99">99th percentile of brightness.</param>
/// <param name="BrightnessMean">Mean brightness.</param>
/// <param name="Contrast">RMS contrast: the standard deviation of brightness.</param>
/// <param name="Entropy">Shannon entropy of the 256-bin brightness histogram, in bits (0–8).</param>
/// <param name="Sharpness">Variance of the 4-neighbour Laplacian of luma (0–255 scale).</param>
/// <param name="Blur">The blur effect (Crete et al.), 0 sharp … 1 blurry; 0 where there are no edges to judge.</param>
/// <param name="ColorSpread">Mean of max(R,G,B) − min(R,G,B) over the buffer (0–1); near 0 means gray.</param>
/// <param name="AnalysisWidth">Width of the downscaled buffer.</param>
/// <param name="AnalysisHeight">Height of the downscaled buffer.</param>
/// <param name="PerceptualHash">64-bit DCT perceptual hash (pHash) of the luma buffer, as 16 hex digits.</param>
/// <param name="PixelHash">XxHash128 of the decoded pixels (and the size), as 32 hex digits: equal for equal pixels.</param>
public sealed record ImageQuality(
    double BrightnessP01,
    double BrightnessP05,
    double BrightnessP50,
    double BrightnessP95,
    double BrightnessP99,
    double BrightnessMean,
    double Contrast,
    double Entropy,
    double Sharpness,
    double Blur,
    double ColorSpread,
    int AnalysisWidth,
    int AnalysisHeight,
    string PerceptualHash,
    string PixelHash);

/// <summary>Everything the guard learned about one file.</summary>
/// <param name="Sha256">Lowercase hex SHA-256 of the bytes; empty when the bytes were never read (size cap).</param>
/// <param name="Length">File length in bytes.</param>
/// <param name="Format">Format named by the first bytes.</param>
/// <param name="Width">Width in pixels, when the header was read.</param>
/// <param name="Height">Height in pixels, when the header was read.</param>
/// <param name="Frames">Frames the file declares.</param>
/// <param name="Orientation">EXIF orientation (1–8), when present.</param>
/// <param name="Quality">Statistics, when the image was decoded.</param>
/// <param name="Findings">Every finding, errors first.</param>
/// <param name="DecodeMilliseconds">Time spent identifying and decoding.</param>
public sealed record ImageInspection(
    string Sha256,
    long Length,
    ImageFormat Format,
    int? Width,
    int? Height,
    int Frames,
    int? Orientation,
    ImageQuality? Quality,
    IReadOnlyList<Finding> Findings,
    double DecodeMilliseconds)
{
    /// <summary>Rejected when any finding is an error.</summary>
    public InspectionStatus Status => Findings.Any(f => f.Severity == Severity.Error) ? InspectionStatus.Rejected : InspectionStatus.Accepted;
}
