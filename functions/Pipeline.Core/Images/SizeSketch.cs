using System.Text.Json.Serialization;
using Pipeline.Core.Findings;

namespace Pipeline.Core.Images;

/// <summary>
/// A mergeable quantile sketch of image sizes, size = sqrt(width × height) (cleanvision's measure): counts in
/// logarithmic bins 2 % wide, so any quantile is known to within 1 % however many images it has seen, and
/// two sketches add up bin by bin. Sparse: a dataset with few distinct sizes keeps few bins.
/// </summary>
public sealed class SizeSketch
{
    private const double Growth = 1.02;
    private static readonly double LogGrowth = Math.Log(Growth);

    /// <summary>Creates an empty sketch, or one from stored bins.</summary>
    [JsonConstructor]
    public SizeSketch(SortedDictionary<int, long>? bins = null) => Bins = bins ?? [];

    /// <summary>Count per bin; bin b holds sizes in [1.02^b, 1.02^(b+1)).</summary>
    public SortedDictionary<int, long> Bins { get; }

    /// <summary>Images counted.</summary>
    [JsonIgnore]
    public long Count => Bins.Values.Sum();

    /// <summary>cleanvision's size measure.</summary>
    public static double SizeOf(int width, int height) => Math.Sqrt((double)width * height);

    /// <summary>Counts one image.</summary>
    public void Add(double size)
    {
        var bin = (int)Math.Floor(Math.Log(Math.Max(size, 1)) / LogGrowth);
        Bins[bin] = Bins.GetValueOrDefault(bin) + 1;
    }

    /// <summary>Adds another sketch's counts to this one.</summary>
    public void Merge(SizeSketch other)
    {
        foreach (var (bin, count) in other.Bins)
        {
            Bins[bin] = Bins.GetValueOrDefault(bin) + count;
        }
    }

    /// <summary>The q-quantile (0–1), as the geometric middle of its bin.</summary>
    public double Quantile(double q)
    {
        var rank = q * (Count - 1);
        long seen = 0;
        foreach (var (bin, count) in Bins)
        {
            seen += count;
            if (seen > rank)
            {
                return Math.Pow(Growth, bin + 0.5);
            }
        }

        return Bins.Count == 0 ? 0 : Math.Pow(Growth, Bins.Keys.Last() + 0.5);
    }

    /// <summary>
    /// The odd-size finding for an image of <paramref name="size"/> against this sketch: outside
    /// Q1 − k·IQR … Q3 + k·IQR (cleanvision's rule, k = 3 by default; the IQR at least one bin wide), once the sketch has counted at least
    /// <paramref name="minimumCount"/> images; null otherwise.
    /// </summary>
    public Finding? Judge(double size, double iqrFactor, int minimumCount)
    {
        if (Count < minimumCount)
        {
            return null;
        }

        // The IQR is never taken as narrower than one bin: the sketch cannot resolve less, and a dataset of
        // nearly equal sizes (every image 640×480 but one at 641×481) has no odd size in it.
        var (q1, q3) = (Quantile(0.25), Quantile(0.75));
        var iqr = Math.Max(q3 - q1, q3 * (Growth - 1));
        var (low, high) = (q1 - (iqrFactor * iqr), q3 + (iqrFactor * iqr));
        return size < low
            ? Finding.Warning(FindingCodes.ImageOddSize, $"Much smaller than the rest of its dataset (sqrt(w×h) {size:0} vs. a lower fence of {low:0}).", Math.Round(size, 1), Math.Round(low, 1))
            : size > high
                ? Finding.Warning(FindingCodes.ImageOddSize, $"Much larger than the rest of its dataset (sqrt(w×h) {size:0} vs. an upper fence of {high:0}).", Math.Round(size, 1), Math.Round(high, 1))
                : null;
    }
}
