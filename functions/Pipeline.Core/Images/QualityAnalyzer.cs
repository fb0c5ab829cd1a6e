using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Pipeline.Core.Images;

/// <summary>
/// Box-reduces a decoded image to one small buffer in a single pass over its rows, then computes every
/// statistic on that buffer, so a 12-megapixel image costs one decode plus one read of its pixels.
/// </summary>
internal static class QualityAnalyzer
{
    public static ImageQuality Analyze(Image<Rgb24> image, int analysisSize)
    {
        var factor = Math.Max(1, (Math.Max(image.Width, image.Height) + analysisSize - 1) / analysisSize);
        var width = (image.Width + factor - 1) / factor;
        var height = (image.Height + factor - 1) / factor;
        var sums = new uint[width * height * 3];
        var counts = new uint[width * height];

        image.ProcessPixelRows(accessor =>
        {
            for (var y = 0; y < accessor.Height; y++)
            {
                var row = accessor.GetRowSpan(y);
                var cellRow = y / factor * width;
                for (var cx = 0; cx < width; cx++)
                {
                    var start = cx * factor;
                    var block = row.Slice(start, Math.Min(factor, row.Length - start));
                    uint r = 0, g = 0, b = 0;
                    foreach (var p in block)
                    {
                        r += p.R;
                        g += p.G;
                        b += p.B;
                    }

                    var cell = cellRow + cx;
                    sums[cell * 3] += r;
                    sums[(cell * 3) + 1] += g;
                    sums[(cell * 3) + 2] += b;
                    counts[cell] += (uint)block.Length;
                }
            }
        });

        return Statistics(sums, counts, width, height);
    }

    private static ImageQuality Statistics(uint[] sums, uint[] counts, int width, int height)
    {
        var n = width * height;
        var luma = new float[n];
        var histogram = new int[256];
        double sum = 0, sumSq = 0, spread = 0;
        for (var i = 0; i < n; i++)
        {
            var c = (float)counts[i];
            var r = sums[i * 3] / c;
            var g = sums[(i * 3) + 1] / c;
            var b = sums[(i * 3) + 2] / c;
            var y = (0.299f * r) + (0.587f * g) + (0.114f * b); // BT.601 luma
            luma[i] = y;
            histogram[Math.Clamp((int)MathF.Round(y), 0, 255)]++;
            sum += y;
            sumSq += y * y;
            spread += Math.Max(r, Math.Max(g, b)) - Math.Min(r, Math.Min(g, b));
        }

        var mean = sum / n;
        var variance = Math.Max(0, (sumSq / n) - (mean * mean));

        double entropy = 0;
        foreach (var count in histogram)
        {
            if (count > 0)
            {
                var p = (double)count / n;
                entropy -= p * Math.Log2(p);
            }
        }

        return new ImageQuality(
            Percentile(histogram, n, 0.01),
            Percentile(histogram, n, 0.05),
            Percentile(histogram, n, 0.50),
            Percentile(histogram, n, 0.95),
            Percentile(histogram, n, 0.99),
            Round(mean / 255),
            Round(Math.Sqrt(variance) / 255),
            Round(entropy),
            Round(LaplacianVariance(luma, width, height)),
            Round(spread / n / 255),
            width,
            height);
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
