using System.ComponentModel.DataAnnotations;

namespace Pipeline.Core.Images;

/// <summary>Caps and thresholds for <see cref="ImageGuard"/>; bound from the <c>Pipeline:Images</c> configuration section.</summary>
public sealed class ImageGuardOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Pipeline:Images";

    /// <summary>Largest file accepted, in bytes; a larger blob is rejected before it is downloaded.</summary>
    [Range(1, 2L * 1024 * 1024 * 1024)]
    public long MaxBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Largest width or height, in pixels.</summary>
    [Range(1, 1_000_000)]
    public int MaxAxis { get; set; } = 20_000;

    /// <summary>Largest number of pixels to decode (width × height, times frames where every frame decodes).</summary>
    [Range(1, 1_000_000_000)]
    public long MaxPixels { get; set; } = 80_000_000;

    /// <summary>Largest number of frames an animation may declare.</summary>
    [Range(1, 100_000)]
    public int MaxFrames { get; set; } = 100;

    /// <summary>Largest single buffer the decoder may allocate, in megabytes.</summary>
    [Range(1, 4096)]
    public int AllocationLimitMegabytes { get; set; } = 320;

    /// <summary>
    /// Memory the decoder may keep pooled between decodes, in megabytes. Large enough by default for two
    /// 12-megapixel decodes at once: below that, every decode allocates and faults in fresh pages.
    /// </summary>
    [Range(0, 4096)]
    public int MaximumPoolSizeMegabytes { get; set; } = 256;

    /// <summary>How long one identify-and-decode may take.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan DecodeTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How many decodes may run at once in this process; 0 means one per processor.</summary>
    [Range(0, 1024)]
    public int MaxConcurrentDecodes { get; set; }

    /// <summary>Longest side of the downscaled buffer every statistic is computed on.</summary>
    [Range(16, 4096)]
    public int AnalysisSize { get; set; } = 256;

    /// <summary>An image is dark when its 99th-percentile brightness (0–1) is below this (cleanvision's default).</summary>
    [Range(0.0, 1.0)]
    public double DarkThreshold { get; set; } = 0.32;

    /// <summary>An image is washed out when its 5th-percentile brightness (0–1) is above this (cleanvision's default).</summary>
    [Range(0.0, 1.0)]
    public double LightThreshold { get; set; } = 0.95;

    /// <summary>An image carries little information when its brightness entropy (bits) is below this (cleanvision: 0.3 × 10 bits).</summary>
    [Range(0.0, 8.0)]
    public double LowInformationThreshold { get; set; } = 3.0;

    /// <summary>
    /// An image is blurry when its sharpness score, 1 − blur effect, is below this. Chosen from the evaluation
    /// in docs/checks.md (cleanvision's own score and threshold, 0.29, belong to its different measure).
    /// </summary>
    [Range(0.0, 1.0)]
    public double BlurThreshold { get; set; } = 0.5;

    /// <summary>An RGB image is grayscale when the mean spread of its channels (0–1) is below this.</summary>
    [Range(0.0, 1.0)]
    public double GrayscaleThreshold { get; set; } = 0.02;

    /// <summary>An image has an odd size outside Q1 − k·IQR … Q3 + k·IQR of its dataset's sizes; this is k (cleanvision's default).</summary>
    [Range(0.0, 100.0)]
    public double OddSizeIqrFactor { get; set; } = 3.0;

    /// <summary>Images a dataset must have before sizes are judged against it.</summary>
    [Range(1, 1_000_000)]
    public int OddSizeMinimumCount { get; set; } = 20;

    /// <summary>Two images are near duplicates when their 64-bit perceptual hashes differ in at most this many bits (chosen from the evaluation in docs/checks.md).</summary>
    [Range(0, 32)]
    public int NearDuplicateDistance { get; set; } = 10;

    /// <summary>An image has an odd aspect ratio when min(w/h, h/w) is below this (cleanvision's default).</summary>
    [Range(0.0, 1.0)]
    public double OddAspectRatioThreshold { get; set; } = 0.35;
}
