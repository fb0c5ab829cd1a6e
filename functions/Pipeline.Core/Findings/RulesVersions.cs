using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Pipeline.Core.Images;
using Pipeline.Core.Labels;

namespace Pipeline.Core.Findings;

/// <summary>
/// The versions of the rules: what a backfill records beside the findings it produces, so findings made under
/// different rules are never mixed up. A version is the code revision of the checks and a hash of every threshold
/// that can change a finding (operational settings such as decode concurrency are left out).
/// </summary>
public static class RulesVersions
{
    /// <summary>
    /// The revision of the image checks' code. Raise it with any change to what a check finds (a new check, a new
    /// way to measure), so a backfill knows images judged before need judging again.
    /// </summary>
    public const int ImageRevision = 1;

    /// <summary>The revision of the label checks' code (as <see cref="ImageRevision"/>).</summary>
    public const int LabelRevision = 2; // 2: keypoint schemas, kpt_shape, segmentation masks, split lists

    /// <summary><c>r{revision}-{12 hex}</c>: the image rules in force.</summary>
    public static string Images(ImageGuardOptions o) => Version(
        "r",
        ImageRevision,
        [
            o.MaxBytes, o.MaxAxis, o.MaxPixels, o.MaxFrames, o.AllocationLimitMegabytes, o.DecodeTimeout.Ticks, o.AnalysisSize,
            o.DarkThreshold, o.LightThreshold, o.LowInformationThreshold, o.BlurThreshold, o.GrayscaleThreshold,
            o.OddSizeIqrFactor, o.OddSizeMinimumCount, o.NearDuplicateDistance, o.OddAspectRatioThreshold,
        ]);

    /// <summary><c>l{revision}-{12 hex}</c>: the label rules in force.</summary>
    public static string Labels(LabelQaOptions o) => Version(
        "l",
        LabelRevision,
        [
            o.MaxFileBytes, o.BoundsTolerancePixels, o.BoundsToleranceFraction, o.DuplicateIou, o.FewSamples, o.ImbalanceRatio, o.DominanceShare,
            o.FarFromMeanSigma, o.FarFromMeanMinimumBoxes, o.AgreementIou, o.AgreementQuorum, o.MaxBoxesPairedPerImage,
        ]);

    private static string Version(string prefix, int revision, object[] values)
    {
        var text = string.Join(';', values.Prepend(revision).Select(v => Convert.ToString(v, CultureInfo.InvariantCulture)));
        return $"{prefix}{revision.ToString(CultureInfo.InvariantCulture)}-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12]}";
    }
}
