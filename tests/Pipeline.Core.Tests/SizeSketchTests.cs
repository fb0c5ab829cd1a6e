using Pipeline.Core.Findings;
using Pipeline.Core.Images;

namespace Pipeline.Core.Tests;

public sealed class SizeSketchTests
{
    [Fact]
    public void Quantiles_are_within_one_percent_of_the_exact_ones()
    {
        var random = new Random(3);
        var sizes = Enumerable.Range(0, 5000).Select(_ => 200 + (random.NextDouble() * 1800)).ToList();
        var sketch = new SizeSketch();
        sizes.ForEach(sketch.Add);
        var sorted = sizes.Order().ToList();

        foreach (var q in new[] { 0.25, 0.5, 0.75 })
        {
            var exact = sorted[(int)(q * (sorted.Count - 1))];
            Assert.InRange(sketch.Quantile(q), exact * 0.99, exact * 1.01);
        }
    }

    [Fact]
    public void Shards_merge_into_the_sketch_of_the_whole()
    {
        var (whole, a, b) = (new SizeSketch(), new SizeSketch(), new SizeSketch());
        for (var i = 0; i < 100; i++)
        {
            whole.Add(300 + i);
            (i % 2 == 0 ? a : b).Add(300 + i);
        }

        a.Merge(b);

        Assert.Equal(whole.Bins, a.Bins);
        Assert.Equal(100, a.Count);
    }

    [Fact]
    public void A_dataset_of_nearly_equal_sizes_has_no_odd_size_in_it()
    {
        var sketch = new SizeSketch();
        for (var i = 0; i < 30; i++)
        {
            sketch.Add(SizeSketch.SizeOf(640, 480));
        }

        Assert.Null(sketch.Judge(SizeSketch.SizeOf(641, 481), 3, 20));
        Assert.Null(sketch.Judge(SizeSketch.SizeOf(660, 495), 3, 20));
        Assert.NotNull(sketch.Judge(SizeSketch.SizeOf(1280, 960), 3, 20));
    }

    [Fact]
    public void Sizes_outside_three_iqr_of_the_dataset_are_odd_in_either_direction()
    {
        var sketch = new SizeSketch();
        for (var i = 0; i < 40; i++)
        {
            sketch.Add(SizeSketch.SizeOf(640 + (i * 4), 480 + (i * 3)));
        }

        var tiny = sketch.Judge(SizeSketch.SizeOf(32, 32), 3, 20)!;
        var huge = sketch.Judge(SizeSketch.SizeOf(6000, 4000), 3, 20)!;

        Assert.Equal((FindingCodes.ImageOddSize, Severity.Warning), (tiny.Code, tiny.Severity));
        Assert.True(tiny.Value < tiny.Threshold);
        Assert.True(huge.Value > huge.Threshold);
        Assert.Null(sketch.Judge(SizeSketch.SizeOf(700, 520), 3, 20));
        Assert.Null(sketch.Judge(SizeSketch.SizeOf(32, 32), 3, 50)); // too few images to judge yet
    }
}
