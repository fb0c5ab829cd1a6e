using System.Buffers.Binary;
using System.ComponentModel.DataAnnotations;

namespace Pipeline.Core.Datasets;

/// <summary>The names of the three splits.</summary>
public static class SplitNames
{
    /// <summary>Training images.</summary>
    public const string Train = "train";

    /// <summary>Validation images.</summary>
    public const string Val = "val";

    /// <summary>Held-out test images.</summary>
    public const string Test = "test";

    /// <summary>All three, in order.</summary>
    public static IReadOnlyList<string> All { get; } = [Train, Val, Test];
}

/// <summary>How a dataset's images are divided between the splits (fractions that sum to 1).</summary>
/// <param name="Train">Fraction in train.</param>
/// <param name="Val">Fraction in val.</param>
/// <param name="Test">Fraction in test.</param>
public sealed record SplitRatios(
    [property: Range(0.0, 1.0)] double Train = 0.8,
    [property: Range(0.0, 1.0)] double Val = 0.1,
    [property: Range(0.0, 1.0)] double Test = 0.1)
{
    /// <summary>The usual 80 / 10 / 10.</summary>
    public static SplitRatios Default { get; } = new();

    /// <summary>Why these ratios cannot be used, or null when they can.</summary>
    public string? Problem() =>
        new[] { Train, Val, Test }.Any(r => !double.IsFinite(r) || r < 0 || r > 1) ? "each split ratio must be between 0 and 1"
        : Math.Abs(Train + Val + Test - 1) > 1e-9 ? $"split ratios must sum to 1 (they sum to {Train + Val + Test:0.###})"
        : null;

    /// <summary>
    /// The split of the image with SHA-256 <paramref name="sha256"/> (hex). The first 64 bits of the hash, read
    /// as a fraction of 2^64, fall into train, val or test by the cumulative ratios: the same image lands in
    /// the same split in every version and on every machine, and changing the ratios moves only the images
    /// near a boundary.
    /// </summary>
    public string Assign(string sha256)
    {
        var prefix = Convert.FromHexString(sha256.AsSpan(0, 16));
        var position = BinaryPrimitives.ReadUInt64BigEndian(prefix) / 18446744073709551616.0;
        return position < Train ? SplitNames.Train : position < Train + Val ? SplitNames.Val : SplitNames.Test;
    }
}
