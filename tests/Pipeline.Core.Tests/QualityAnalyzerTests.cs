using Pipeline.Core.Images;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Pipeline.Core.Tests;

public sealed class QualityAnalyzerTests
{
    [Theory]
    [InlineData(640, 480, 256)]
    [InlineData(257, 1000, 64)]
    [InlineData(16, 20_000, 16)] // cells 1,250 rows tall: the row band is folded in parts
    public void A_uniform_image_has_its_exact_brightness_at_every_size(int width, int height, int analysisSize)
    {
        using var image = new Image<Rgb24>(width, height, new Rgb24(200, 100, 50));

        var quality = QualityAnalyzer.Analyze(image, analysisSize);

        // Perceived brightness, as cleanvision computes it.
        var brightness = Math.Sqrt((0.241 * 200 * 200) + (0.691 * 100 * 100) + (0.068 * 50 * 50)) / 255;
        Assert.Equal(brightness, quality.BrightnessMean, 3);
        Assert.Equal(Math.Round(Math.Round(brightness * 255) / 255, 4), quality.BrightnessP50);
        Assert.Equal(0, quality.Blur); // plain: nothing to be blurry
        Assert.Equal(0, quality.Contrast, 3);
        Assert.Equal(0, quality.Entropy);
        Assert.Equal(150 / 255.0, quality.ColorSpread, 3);
        Assert.True(Math.Max(quality.AnalysisWidth, quality.AnalysisHeight) <= analysisSize);
    }

    [Fact]
    public void Half_black_half_white_averages_to_one_half_with_two_brightness_levels()
    {
        using var image = new Image<Rgb24>(1000, 600);
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                rows.GetRowSpan(y)[500..].Fill(new Rgb24(255, 255, 255));
            }
        });

        var quality = QualityAnalyzer.Analyze(image, 256);

        Assert.Equal(0.5, quality.BrightnessMean, 2);
        Assert.Equal(0, quality.BrightnessP01);
        Assert.Equal(1, quality.BrightnessP99);
        Assert.Equal(1.0, quality.Entropy, 1);
        Assert.Equal(0, quality.ColorSpread);
    }
}
