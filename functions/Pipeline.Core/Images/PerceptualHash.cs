namespace Pipeline.Core.Images;

/// <summary>
/// A 64-bit DCT perceptual hash (pHash): the luma buffer area-averaged to 32×32, its 8×8 lowest DCT-II
/// frequencies, one bit per coefficient above their median. Re-encoding, rescaling and mild brightness
/// or crop changes move few bits; different pictures differ in about half. Compare with <see cref="Distance"/>.
/// </summary>
public static class PerceptualHash
{
    private const int Size = 32;
    private const int Low = 8;

    private static readonly double[,] Cosines = BuildCosines();

    /// <summary>The number of differing bits between two hashes (0–64).</summary>
    public static int Distance(ulong a, ulong b) => System.Numerics.BitOperations.PopCount(a ^ b);

    internal static ulong Compute(float[] luma, int width, int height)
    {
        var small = new double[Size, Size];
        for (var ty = 0; ty < Size; ty++)
        {
            var y0 = ty * height / Size;
            var y1 = Math.Max(y0 + 1, (ty + 1) * height / Size);
            for (var tx = 0; tx < Size; tx++)
            {
                var x0 = tx * width / Size;
                var x1 = Math.Max(x0 + 1, (tx + 1) * width / Size);
                double total = 0;
                for (var y = y0; y < y1; y++)
                {
                    for (var x = x0; x < x1; x++)
                    {
                        total += luma[(Math.Min(y, height - 1) * width) + Math.Min(x, width - 1)];
                    }
                }

                small[ty, tx] = total / ((y1 - y0) * (x1 - x0));
            }
        }

        // Separable DCT-II, low frequencies only: rows, then columns.
        var rows = new double[Size, Low];
        for (var y = 0; y < Size; y++)
        {
            for (var u = 0; u < Low; u++)
            {
                double total = 0;
                for (var x = 0; x < Size; x++)
                {
                    total += small[y, x] * Cosines[u, x];
                }

                rows[y, u] = total;
            }
        }

        var coefficients = new double[Low * Low];
        for (var v = 0; v < Low; v++)
        {
            for (var u = 0; u < Low; u++)
            {
                double total = 0;
                for (var y = 0; y < Size; y++)
                {
                    total += rows[y, u] * Cosines[v, y];
                }

                coefficients[(v * Low) + u] = total;
            }
        }

        var sorted = coefficients.Order().ToArray();
        var median = (sorted[(Low * Low / 2) - 1] + sorted[Low * Low / 2]) / 2;
        ulong hash = 0;
        for (var i = 0; i < coefficients.Length; i++)
        {
            if (coefficients[i] > median)
            {
                hash |= 1UL << i;
            }
        }

        return hash;
    }

    private static double[,] BuildCosines()
    {
        var table = new double[Low, Size];
        for (var u = 0; u < Low; u++)
        {
            for (var x = 0; x < Size; x++)
            {
                table[u, x] = Math.Cos(((2 * x) + 1) * u * Math.PI / (2 * Size));
            }
        }

        return table;
    }
}
