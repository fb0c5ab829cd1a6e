namespace Pipeline.Core.Images;

/// <summary>
/// No-reference blur estimate after Crete, Dolmiere, Ladret and Nicolas, "The blur effect: perception and
/// estimation with a new no-reference perceptual blur metric" (SPIE 2007): blur the image again with a
/// 9-tap box filter and measure how much of its neighbour-to-neighbour variation survives. A sharp image
/// loses most of it, an already blurry one loses little. The result is in 0 (sharp) … 1 (blurry) and does
/// not depend on contrast or (on the downscaled buffer) on resolution. A plain image, whose luma hardly
/// varies at all, scores 0: there is nothing to be blurry, and the low-information check speaks for it.
/// An image with contrast but no neighbour-to-neighbour variation at all is as blurry as can be: 1.
/// </summary>
internal static class BlurEffect
{
    private const int Taps = 9;

    /// <summary>Standard deviation of luma, in grey levels, below which an image is plain (nothing to judge).</summary>
    private const double PlainContrast = 2.0;

    /// <param name="luma">The analysis buffer's luma, row by row.</param>
    /// <param name="width">Buffer width.</param>
    /// <param name="height">Buffer height.</param>
    /// <param name="deviation">The buffer's luma standard deviation in grey levels (the caller has it already).</param>
    public static double Measure(float[] luma, int width, int height, double deviation)
    {
        if (width < Taps + 2 || height < Taps + 2 || deviation < PlainContrast)
        {
            return 0;
        }

        return Math.Max(Direction(luma, width, height, step: 1), Direction(luma, width, height, step: width));
    }

    // step: 1 walks along rows, the width walks down columns.
    private static double Direction(float[] f, int width, int height, int step)
    {
        var (lineCount, length) = step == 1 ? (height, width) : (width, height);
        var stride = step == 1 ? width : 1;
        var blurred = new float[length];
        var prefix = new double[length + Taps];
        double sF = 0, sV = 0;
        for (var line = 0; line < lineCount; line++)
        {
            var start = line * stride;

            // Box filter by prefix sums over the line with its ends repeated: O(1) per pixel.
            for (var j = 0; j < length + Taps - 1; j++)
            {
                prefix[j + 1] = prefix[j] + f[start + (Math.Clamp(j - (Taps / 2), 0, length - 1) * step)];
            }

            for (var i = 0; i < length; i++)
            {
                blurred[i] = (float)((prefix[i + Taps] - prefix[i]) / Taps);
            }

            var previous = f[start];
            for (var i = 1; i < length; i++)
            {
                var current = f[start + (i * step)];
                var dF = Math.Abs(current - previous);
                var dB = Math.Abs(blurred[i] - blurred[i - 1]);
                sF += dF;
                sV += Math.Max(0, dF - dB);
                previous = current;
            }
        }

        return sF <= 0 ? 1 : (sF - sV) / sF;
    }
}
