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

    public static double Measure(float[] luma, int width, int height)
    {
        if (width < Taps + 2 || height < Taps + 2)
        {
            return 0;
        }

        var mean = luma.Average();
        var deviation = Math.Sqrt(luma.Average(v => (v - mean) * (v - mean)));
        if (deviation < PlainContrast)
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
        double sF = 0, sV = 0;
        for (var line = 0; line < lineCount; line++)
        {
            var start = line * stride;
            for (var i = 0; i < length; i++)
            {
                float total = 0;
                for (var k = -Taps / 2; k <= Taps / 2; k++)
                {
                    total += f[start + (Math.Clamp(i + k, 0, length - 1) * step)];
                }

                blurred[i] = total / Taps;
            }

            for (var i = 1; i < length; i++)
            {
                var dF = Math.Abs(f[start + (i * step)] - f[start + ((i - 1) * step)]);
                var dB = Math.Abs(blurred[i] - blurred[i - 1]);
                sF += dF;
                sV += Math.Max(0, dF - dB);
            }
        }

        return sF <= 0 ? 1 : (sF - sV) / sF;
    }
}
