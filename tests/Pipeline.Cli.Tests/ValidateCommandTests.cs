using System.Text.Json;
using Pipeline.Core;
using Pipeline.Testing;

namespace Pipeline.Cli.Tests;

public sealed class ValidateCommandTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("validate-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static async Task<(int Exit, string Output, string Error)> Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await PipelineCli.RunAsync(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    private static List<FileReport> ReadJsonLines(string path) =>
        [.. File.ReadAllLines(path).Select(line => JsonSerializer.Deserialize<FileReport>(line, PipelineJson.Options)!)];

    [Fact]
    public async Task The_bundled_samples_give_every_bad_case_its_finding_and_exit_1()
    {
        var json = Path.Combine(folder, "out", "records.jsonl");

        var (exit, output, _) = await Run("validate", RepositoryPaths.Samples, "--json", json);

        Assert.Equal(PipelineCli.Rejected, exit);
        var records = ReadJsonLines(json);
        foreach (var sample in SampleSet.Bad)
        {
            var record = Assert.Single(records, r => r.Path == "images/bad/" + sample.FileName);
            Assert.Equal("rejected", record.Status);
            Assert.Contains(record.Findings, f => f.Code == sample.ExpectedCode);
            Assert.Contains(sample.FileName, output, StringComparison.Ordinal);
        }

        Assert.All(records.Where(r => r.Path.StartsWith("images/good/", StringComparison.Ordinal)), r =>
        {
            Assert.Equal("accepted", r.Status);
            Assert.Equal(64, r.Sha256.Length);
            Assert.True(r.Width > 0 && r.Height > 0);
        });
        Assert.Equal(6, records.Count(r => r.Status == "accepted"));
        Assert.Contains("6 accepted", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_records_have_the_documented_shape()
    {
        var json = Path.Combine(folder, "r.jsonl");
        await Run("validate", Path.Combine(SampleSet.BadFolder, "bomb-65535x65535.jpg"), "--json", json);

        using var doc = JsonDocument.Parse(File.ReadAllLines(json).Single());
        var root = doc.RootElement;
        Assert.Equal(["path", "status", "sha256", "width", "height", "format", "findings"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("bomb-65535x65535.jpg", root.GetProperty("path").GetString());
        var finding = root.GetProperty("findings")[0];
        Assert.Equal(["code", "severity", "value", "threshold", "message"], finding.EnumerateObject().Select(p => p.Name));
        Assert.Equal("error", finding.GetProperty("severity").GetString());
    }

    [Fact]
    public async Task A_folder_of_good_images_exits_0()
    {
        var (exit, output, _) = await Run("validate", SampleSet.GoodFolder);
        Assert.Equal(PipelineCli.Accepted, exit);
        Assert.Contains("6 files: 6 accepted", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_kind_of_bad_file_together_never_crashes_the_command()
    {
        File.WriteAllBytes(Path.Combine(folder, "random.bin"), TestFiles.Noise(5000));
        File.WriteAllBytes(Path.Combine(folder, "half.webp"), TestFiles.Truncate(TestFiles.Webp()));
        File.WriteAllBytes(Path.Combine(folder, "header-only.jpg"), TestFiles.Jpeg()[..20]);
        File.WriteAllBytes(Path.Combine(folder, "junk-after-sof.jpg"), [.. TestFiles.Jpeg()[..600], .. TestFiles.Noise(4000), 0xFF, 0xD9]);
        File.WriteAllBytes(Path.Combine(folder, "gif-header.gif"), "GIF89a"u8.ToArray());
        var json = Path.Combine(folder, "out.jsonl");

        var (exit, _, error) = await Run("validate", folder, "--json", json);

        Assert.Equal(PipelineCli.Rejected, exit);
        Assert.Equal(string.Empty, error);
        Assert.All(ReadJsonLines(json), r => Assert.Equal("rejected", r.Status));
        Assert.Equal(5, ReadJsonLines(json).Count);
    }

    [Fact]
    public async Task Exact_and_near_duplicates_in_the_folder_name_their_first()
    {
        var photo = SampleSet.Good("chelsea.png");
        File.WriteAllBytes(Path.Combine(folder, "a-original.png"), photo);
        File.WriteAllBytes(Path.Combine(folder, "b-copy.png"), photo);
        using (var image = SixLabors.ImageSharp.Image.Load(photo))
        {
            SixLabors.ImageSharp.ImageExtensions.SaveAsJpeg(image, Path.Combine(folder, "c-reencoded.jpg"), new SixLabors.ImageSharp.Formats.Jpeg.JpegEncoder { Quality = 60 });
        }

        File.WriteAllBytes(Path.Combine(folder, "d-other.png"), SampleSet.Good("coffee.png"));
        var json = Path.Combine(folder, "out.jsonl");

        await Run("validate", folder, "--json", json);

        var records = ReadJsonLines(json).ToDictionary(r => r.Path);
        Assert.Equal("a-original.png", Assert.Single(records["b-copy.png"].Findings, f => f.Code == "image.exact_duplicate").Subject);
        var near = Assert.Single(records["c-reencoded.jpg"].Findings, f => f.Code == "image.near_duplicate");
        Assert.Equal("a-original.png", near.Subject);
        Assert.True(near.Value <= near.Threshold);
        Assert.DoesNotContain(records["a-original.png"].Findings, f => f.Code.EndsWith("duplicate", StringComparison.Ordinal));
        Assert.DoesNotContain(records["d-other.png"].Findings, f => f.Code.EndsWith("duplicate", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Odd_sizes_are_judged_against_the_folder()
    {
        for (var i = 0; i < 24; i++)
        {
            File.WriteAllBytes(Path.Combine(folder, $"usual-{i:D2}.png"), TestFiles.Png(64 + (i % 5), 48, seed: i));
        }

        File.WriteAllBytes(Path.Combine(folder, "huge.png"), TestFiles.Png(800, 600, seed: 77));
        var json = Path.Combine(folder, "out.jsonl");

        var (exit, _, _) = await Run("validate", folder, "--json", json);

        Assert.Equal(PipelineCli.Accepted, exit); // odd size is a warning
        var records = ReadJsonLines(json);
        Assert.Contains(records.Single(r => r.Path == "huge.png").Findings, f => f.Code == "image.odd_size");
        Assert.All(records.Where(r => r.Path != "huge.png"), r => Assert.DoesNotContain(r.Findings, f => f.Code == "image.odd_size"));
    }

    [Fact]
    public async Task Evaluate_prints_precision_and_recall_for_every_check_and_for_near_duplicates()
    {
        foreach (var photo in new[] { "chelsea.png", "rocket.jpg" })
        {
            File.Copy(Path.Combine(SampleSet.GoodFolder, photo), Path.Combine(folder, photo));
        }

        var (exit, output, _) = await Run("evaluate", folder);

        Assert.Equal(PipelineCli.Accepted, exit);
        foreach (var code in new[] { "image.blurry", "image.dark", "image.light", "image.grayscale", "image.low_information", "image.odd_aspect_ratio" })
        {
            var row = output.Split('\n').Single(l => l.StartsWith($"| `{code}` |", StringComparison.Ordinal)).Split('|', StringSplitOptions.TrimEntries);
            Assert.InRange(double.Parse(row[4], System.Globalization.CultureInfo.InvariantCulture), 0, 1); // precision
            Assert.InRange(double.Parse(row[5], System.Globalization.CultureInfo.InvariantCulture), 0, 1); // recall
        }

        Assert.Contains("10 distinct bases", output, StringComparison.Ordinal);
        Assert.Contains("| 10 | ", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("validate")]
    [InlineData("validate", "/no/such/folder")]
    [InlineData("validate", ".", "--no-such-option")]
    [InlineData("frobnicate")]
    public async Task Usage_errors_exit_2_with_a_message(params string[] args)
    {
        var (exit, _, error) = await Run(args);
        Assert.Equal(PipelineCli.UsageError, exit);
        Assert.NotEqual(string.Empty, error.Trim());
    }

    [Fact]
    public async Task An_empty_folder_is_a_usage_error_not_a_pass()
    {
        var (exit, _, error) = await Run("validate", folder);
        Assert.Equal(PipelineCli.UsageError, exit);
        Assert.Contains("No image files", error, StringComparison.Ordinal);
    }
}
