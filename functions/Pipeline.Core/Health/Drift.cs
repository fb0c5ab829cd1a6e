namespace Pipeline.Core.Health;

/// <summary>How far one distribution moved from another: the effect (PSI) and whether it could be chance (chi-square).</summary>
/// <param name="Psi">Population stability index: below 0.1 stable, 0.1–0.25 moderate shift, above 0.25 a shift to act on.</param>
/// <param name="ChiSquare">The chi-square statistic of the 2×k table of the two count vectors.</param>
/// <param name="DegreesOfFreedom">k − 1 over the categories either side holds.</param>
/// <param name="PValue">The chance of a statistic this large if both came from one distribution.</param>
/// <param name="Expected">Items on the reference side.</param>
/// <param name="Actual">Items on the compared side.</param>
public sealed record DriftMeasure(double Psi, double ChiSquare, int DegreesOfFreedom, double PValue, long Expected, long Actual);

/// <summary>
/// Distribution drift between two count vectors over the same categories (class box counts, histogram bins).
/// PSI measures the size of the shift and does not grow with the sample; the chi-square test of homogeneity
/// says whether the shift is more than sampling noise. A shift is worth a finding when both agree.
/// </summary>
public static class Drift
{
    /// <summary>Added to every count before proportions are taken, so an empty category neither divides by zero nor dominates.</summary>
    public const double Smoothing = 0.5;

    /// <summary>Compares <paramref name="actual"/> with <paramref name="expected"/> (keys missing on one side count 0 there).</summary>
    public static DriftMeasure Compare(IReadOnlyDictionary<string, long> expected, IReadOnlyDictionary<string, long> actual)
    {
        var keys = expected.Keys.Union(actual.Keys).Where(k => expected.GetValueOrDefault(k) + actual.GetValueOrDefault(k) > 0).ToList();
        return Compare([.. keys.Select(k => expected.GetValueOrDefault(k))], [.. keys.Select(k => actual.GetValueOrDefault(k))]);
    }

    /// <summary>Compares two count vectors bin by bin (equal length).</summary>
    public static DriftMeasure Compare(IReadOnlyList<long> expected, IReadOnlyList<long> actual)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(actual.Count, expected.Count);
        var bins = Enumerable.Range(0, expected.Count).Where(i => expected[i] + actual[i] > 0).ToList();
        long e = bins.Sum(i => expected[i]), a = bins.Sum(i => actual[i]);
        if (bins.Count < 2 || e == 0 || a == 0)
        {
            return new DriftMeasure(0, 0, 0, 1, e, a);
        }

        double psi = 0, chi = 0;
        double eTotal = e + (Smoothing * bins.Count), aTotal = a + (Smoothing * bins.Count);
        foreach (var i in bins)
        {
            var pe = (expected[i] + Smoothing) / eTotal;
            var pa = (actual[i] + Smoothing) / aTotal;
            psi += (pa - pe) * Math.Log(pa / pe);

            // Chi-square of homogeneity: expected cell counts from the pooled proportion of the bin.
            var pooled = (double)(expected[i] + actual[i]) / (e + a);
            chi += Square(expected[i] - (pooled * e)) / (pooled * e);
            chi += Square(actual[i] - (pooled * a)) / (pooled * a);
        }

        var dof = bins.Count - 1;
        return new DriftMeasure(psi, chi, dof, ChiSquareSurvival(chi, dof), e, a);
    }

    /// <summary>P(X ≥ <paramref name="x"/>) for X chi-square distributed with <paramref name="dof"/> degrees of freedom.</summary>
    public static double ChiSquareSurvival(double x, int dof) =>
        dof <= 0 ? 1 : x <= 0 ? 1 : UpperRegularizedGamma(dof / 2.0, x / 2.0);

    private static double Square(double v) => v * v;

    /// <summary>Q(s, x) = Γ(s, x) / Γ(s): a power series below s + 1, a continued fraction (modified Lentz) above.</summary>
    private static double UpperRegularizedGamma(double s, double x)
    {
        const int MaxIterations = 1000;
        const double Epsilon = 1e-15;
        var logPrefix = (s * Math.Log(x)) - x - LogGamma(s);
        if (x < s + 1)
        {
            double term = 1 / s, sum = term;
            for (var n = 1; n < MaxIterations && Math.Abs(term) > Math.Abs(sum) * Epsilon; n++)
            {
                term *= x / (s + n);
                sum += term;
            }

            return Math.Clamp(1 - (sum * Math.Exp(logPrefix)), 0, 1);
        }

        const double Tiny = 1e-300;
        double b = x + 1 - s, c = 1 / Tiny, d = 1 / b, f = d;
        for (var n = 1; n < MaxIterations; n++)
        {
            var an = -n * (n - s);
            b += 2;
            d = an * d + b;
            d = Math.Abs(d) < Tiny ? Tiny : d;
            c = b + (an / c);
            c = Math.Abs(c) < Tiny ? Tiny : c;
            d = 1 / d;
            var delta = d * c;
            f *= delta;
            if (Math.Abs(delta - 1) < Epsilon)
            {
                break;
            }
        }

        return Math.Clamp(Math.Exp(logPrefix) * f, 0, 1);
    }

    /// <summary>ln Γ(z) by the Lanczos approximation (g = 7, nine coefficients), accurate to about 15 digits for z &gt; 0.</summary>
    private static double LogGamma(double z)
    {
        ReadOnlySpan<double> g =
        [
            0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
            12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
        ];
        if (z < 0.5)
        {
            return Math.Log(Math.PI / Math.Abs(Math.Sin(Math.PI * z))) - LogGamma(1 - z);
        }

        z -= 1;
        var sum = g[0];
        for (var i = 1; i < g.Length; i++)
        {
            sum += g[i] / (z + i);
        }

        var t = z + 7.5;
        return (0.5 * Math.Log(2 * Math.PI)) + ((z + 0.5) * Math.Log(t)) - t + Math.Log(sum);
    }
}
