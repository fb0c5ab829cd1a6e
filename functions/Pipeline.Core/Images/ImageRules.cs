using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Pipeline.Core.Images;

/// <summary>The version of the image rules: what a backfill records beside the findings it produces.</summary>
public static class ImageRules
{
    /// <summary>
    /// The revision of the checks' code. Raise it with any change to what a check finds (a new check, a new way
    /// to measure), so a backfill knows images judged before need judging again.
    /// </summary>
    public const int Revision = 1;

    /// <summary>
    /// <c>r{revision}-{12 hex}</c>: the revision and a hash of every threshold that can change a finding
    /// (operational settings such as decode concurrency are left out: they never change a verdict).
    /// </summary>
    public static string Version(ImageGuardOptions o)
    {
        object[] values =
        [
            o.MaxBytes, o.MaxAxis, o.MaxPixels, o.MaxFrames, o.AllocationLimitMegabytes, o.DecodeTimeout.Ticks, o.AnalysisSize,
            o.DarkThreshold, o.LightThreshold, o.LowInformationThreshold, o.BlurThreshold, o.GrayscaleThreshold,
            o.OddSizeIqrFactor, o.OddSizeMinimumCount, o.NearDuplicateDistance, o.OddAspectRatioThreshold,
        ];
        var text = $"{Revision}|" + string.Join(';', values.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture)));
        return $"r{Revision}-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12]}";
    }
}
