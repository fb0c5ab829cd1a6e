using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Numerics;
using System.Runtime.InteropServices;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Pipeline.Core.Images;

/// <summary>
/// Box-reduces a decoded image to one small buffer in a single pass over its rows, then computes every
/// statistic on that buffer, so a 12-megapixel image costs one decode plus one read of its pixels.
/// </summary>
internal static class QualityAnalyzer
{
    private const int MaxBandRows = ushort.MaxValue / byte.MaxValue;

    public static ImageQuality Analyze(Image<Rgb24> image, int analysisSize)
    {
        var factor = Math.Max(1, (Math.Max(image.Width, image.Height) + analysisSize - 1) / analysisSize);
        var width = (image.Width + factor - 1) / factor;
        var height = (image.Height + factor - 1) / factor;
        // The cell buffers are rented: fresh ones this size would land on the large-object heap at every image
        // and bring on full collections while decodes hold large buffers.
        var sums = ArrayPool<uint>.Shared.Rent(width * height * 3);
        var counts = ArrayPool<uint>.Shared.Rent(width * height);
        Array.Clear(sums, 0, width * height * 3);
        Array.Clear(counts, 0, width * height);
        try
        {
            return Reduce(image, factor, width, height, sums, counts);
        }
        finally
        {
            ArrayPool<uint>.Shared.Return(sums);
            ArrayPool<uint>.Shared.Return(counts);
        }
    }

    private static ImageQuality Reduce(Image<Rgb24> image, int factor, int width, int height, uint[] sums, uint[] counts)
    {

        // Rows are summed column by column into one band of `factor` rows (a widening SIMD add per row),
        // and each full band is folded into its row of cells: the per-pixel work is one vector lane.
        // A ushort lane holds 257 rows of 255, so very tall cells are folded in parts.
        // The same pass hashes the decoded pixels (XxHash128), so a copy that differs only in metadata or
        // container is an exact duplicate too.
        var band = new ushort[image.Width * 3];
        var bandRows = 0;
        var pixels = new XxHash128();
        Span<byte> size = stackalloc byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(size, image.Width);
        BinaryPrimitives.WriteInt32LittleEndian(size[4..], image.Height);
        pixels.Append(size);
        image.ProcessPixelRows(accessor =>
        {
            for (var y = 0; y < accessor.Height; y++)
            {
                var bytes = MemoryMarshal.AsBytes(accessor.GetRowSpan(y));
                pixels.Append(bytes);
                AddWidening(bytes, band);
                if (++bandRows == MaxBandRows || (y + 1) % factor == 0 || y == accessor.Height - 1)
                {
                    Fold(band, bandRows, factor, width, y / factor, sums, counts);
                    Array.Clear(band);
                    bandRows = 0;
                }
            }
        });

        return Statistics(sums, counts, width, height, Convert.ToHexStringLower(pixels.GetCurrentHash()));
    }

    private static void AddWidening(ReadOnlySpan<byte> row, ushort[] band)
    {
        var i = 0;
        ref var source = ref MemoryMarshal.GetReference(row);
        ref var target = ref MemoryMarshal.GetArrayDataReference(band);
        for (; i <= row.Length - Vector<byte>.Count; i += Vector<byte>.Count)
        {
            Vector.Widen(Vector.LoadUnsafe(ref source, (nuint)i), out var low, out var high);
            (Vector.LoadUnsafe(ref target, (nuint)i) + low).StoreUnsafe(ref target, (nuint)i);
            (Vector.LoadUnsafe(ref target, (nuint)(i + Vector<ushort>.Count)) + high).StoreUnsafe(ref target, (nuint)(i + Vector<ushort>.Count));
        }

        for (; i < row.Length; i++)
        {
            band[i] += row[i];
        }
    }

    private static void Fold(ushort[] band, int rows, int factor, int width, int cellRow, uint[] sums, uint[] counts)
    {
        var pixels = band.Length / 3;
        for (var cx = 0; cx < width; cx++)
        {
            var start = cx * factor;
            var end = Math.Min(start + factor, pixels);
            uint r = 0, g = 0, b = 0;
            for (var x = start; x < end; x++)
            {
                r += band[x * 3];
                g += band[(x * 3) + 1];
                b += band[(x * 3) + 2];
            }

            var cell = (cellRow * width) + cx;
            sums[cell * 3] += r;
            sums[(cell * 3) + 1] += g;
            sums[(cell * 3) + 2] += b;
            counts[cell] += (uint)((end - start) * rows);
        }
    }

    private static ImageQuality Statistics(uint[] sums, uint[] counts, int width, int height, string pixelHash)
    {
        var n = width * height;
        var luma = ArrayPool<float>.Shared.Rent(n);
        try
        {
            return Statistics(sums, counts, luma, width, height, pixelHash);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(luma);
        }
    }

    private static ImageQuality Statistics(uint[] sums, uint[] counts, float[] luma, int width, int height, string pixelHash)
    {
        var n = width * height;
        var lumaHistogram = new int[256];
        var brightnessHistogram = new int[256];
        double sum = 0, lumaSum = 0, sumSq = 0, spread = 0;
        for (var i = 0; i < n; i++)
        {
            var c = (float)counts[i];
            var r = sums[i * 3] / c;
            var g = sums[(i * 3) + 1] / c;
            var b = sums[(i * 3) + 2] / c;
            var y = (0.299f * r) + (0.587f * g) + (0.114f * b); // BT.601 luma
            luma[i] = y;
            lumaSum += y;
            lumaHistogram[Math.Clamp((int)MathF.Round(y), 0, 255)]++;

            // Perceived brightness (the formula cleanvision's dark and light checks use).
            var perceived = MathF.Sqrt((0.241f * r * r) + (0.691f * g * g) + (0.068f * b * b));
            brightnessHistogram[Math.Clamp((int)MathF.Round(perceived), 0, 255)]++;
            sum += perceived;
            sumSq += y * y;
            spread += Math.Max(r, Math.Max(g, b)) - Math.Min(r, Math.Min(g, b));
        }

        var lumaMean = lumaSum / n;
        var variance = Math.Max(0, (sumSq / n) - (lumaMean * lumaMean));
        var deviation = Math.Sqrt(variance);

        double entropy = 0;
        foreach (var count in lumaHistogram)
        {
            if (count > 0)
            {
                var p = (double)count / n;
                entropy -= p * Math.Log2(p);
            }
        }

        return new ImageQuality(
            Percentile(brightnessHistogram, n, 0.01),
            Percentile(brightnessHistogram, n, 0.05),
            Percentile(brightnessHistogram, n, 0.50),
            Percentile(brightnessHistogram, n, 0.95),
            Percentile(brightnessHistogram, n, 0.99),
            Round(sum / n / 255),
            Round(deviation / 255),
            Round(entropy),
            Round(LaplacianVariance(luma, width, height)),
            Round(BlurEffect.Measure(luma, width, height, deviation)),
            Round(spread / n / 255),
            width,
            height,
            PerceptualHash.Compute(luma, width, height).ToString("x16", System.Globalization.CultureInfo.InvariantCulture),
            pixelHash);
    }

    private static double Percentile(int[] histogram, int n, double q)
    {
        var rank = q * (n - 1);
        var seen = 0;
        for (var v = 0; v < histogram.Length; v++)
        {
            seen += histogram[v];
            if (seen > rank)
            {
                return Round(v / 255.0);
            }
        }

        return 1;
    }

    private static double LaplacianVariance(float[] luma, int width, int height)
    {
        if (width < 3 || height < 3)
        {
            return 0;
        }

        double sum = 0, sumSq = 0;
        var n = 0;
        for (var y = 1; y < height - 1; y++)
        {
            for (var x = 1; x < width - 1; x++)
            {
                var i = (y * width) + x;
                double lap = luma[i - 1] + luma[i + 1] + luma[i - width] + luma[i + width] - (4 * luma[i]);
                sum += lap;
                sumSq += lap * lap;
                n++;
            }
        }

        var mean = sum / n;
        return Math.Max(0, (sumSq / n) - (mean * mean));
    }

    private static double Round(double value) => Math.Round(value, 4);
}
