using Pipeline.Testing;

namespace Pipeline.Cli.Tests;

public sealed class SampleSetTests
{
    [Fact]
    public void Bundled_bad_samples_equal_what_their_generator_makes()
    {
        var write = Environment.GetEnvironmentVariable("PIPELINE_WRITE_SAMPLES") == "1";
        foreach (var sample in SampleSet.Bad)
        {
            var path = Path.Combine(SampleSet.BadFolder, sample.FileName);
            var made = sample.Make();
            if (write)
            {
                Directory.CreateDirectory(SampleSet.BadFolder);
                File.WriteAllBytes(path, made);
            }

            Assert.True(File.Exists(path), $"{sample.FileName} is missing; run with PIPELINE_WRITE_SAMPLES=1 to regenerate.");
            Assert.True(made.AsSpan().SequenceEqual(File.ReadAllBytes(path)), $"{sample.FileName} differs from its generator.");
        }

        var expected = SampleSet.Bad.Select(s => s.FileName).Order(StringComparer.Ordinal);
        Assert.Equal(expected, Directory.GetFiles(SampleSet.BadFolder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }
}
