using Pipeline.Testing;

namespace Pipeline.Cli.Tests;

/// <summary><c>pipeline validate --gate</c>: a pull request's images held to the dataset's gate without Azure.</summary>
public sealed class DataCiTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("data-ci-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static Task<(int Exit, string Output, string Error)> Run(params string[] args) => Cli.RunAsync(args);

    private string Write(string name, string text)
    {
        var path = Path.Combine(folder, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    private void Images(int count)
    {
        Directory.CreateDirectory(Path.Combine(folder, "data"));
        for (var i = 0; i < count; i++)
        {
            File.WriteAllBytes(Path.Combine(folder, "data", $"img{i}.jpg"), TestFiles.Jpeg(320, 240, seed: (i * 37) + 3));
        }

        File.WriteAllText(Path.Combine(folder, "data", "coco.json"), PromotionTestData.Coco([.. Enumerable.Range(0, count).Select(i => ($"img{i}.jpg", i % 2 == 0 ? "cat" : "dog"))]));
    }

    [Fact]
    public async Task A_folder_that_meets_the_gate_exits_0_and_one_that_fails_it_exits_1_with_the_reason()
    {
        Images(4);
        var lenient = Write("lenient.json", """{"version": 1, "expectations": [{"expect": "no_findings", "findingSeverity": "error"}, {"expect": "min_images_per_class", "min": 2}]}""");
        var strict = Write("strict.json", """{"version": 2, "expectations": [{"expect": "min_images_per_class", "min": 3}]}""");

        var pass = await Run("validate", Path.Combine(folder, "data"), "--gate", lenient);
        var fail = await Run("validate", Path.Combine(folder, "data"), "--gate", strict);

        Assert.Equal(PipelineCli.Accepted, pass.Exit);
        Assert.Contains("Gate (version 1): passed", pass.Output, StringComparison.Ordinal);
        Assert.Equal(PipelineCli.Rejected, fail.Exit);
        Assert.Contains("Gate (version 2): FAILED", fail.Output, StringComparison.Ordinal);
        Assert.Contains("cat: 2 images", fail.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rejected_image_fails_a_gate_that_allows_no_error_findings()
    {
        Images(2);
        File.WriteAllBytes(Path.Combine(folder, "data", "broken.jpg"), TestFiles.Truncate(TestFiles.Jpeg(320, 240, seed: 5)));
        var gate = Write("gate.json", """{"version": 1, "expectations": [{"expect": "no_findings", "findingSeverity": "error"}]}""");

        var (exit, output, _) = await Run("validate", Path.Combine(folder, "data"), "--gate", gate);

        Assert.Equal(PipelineCli.Rejected, exit);
        Assert.Contains("image.truncated: broken.jpg", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invalid_gate_file_is_a_usage_error_that_says_what_is_wrong()
    {
        Images(1);
        var gate = Write("gate.json", """{"version": 1, "expectations": [{"expect": "max_imbalance_ratio"}]}""");

        var (exit, _, error) = await Run("validate", Path.Combine(folder, "data"), "--gate", gate);

        Assert.Equal(PipelineCli.UsageError, exit);
        Assert.Contains("max is required", error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_example_workflow_runs_validate_with_the_gate()
    {
        var workflow = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "docs", "examples", "data-ci.yml"));

        Assert.Contains("validate", workflow, StringComparison.Ordinal);
        Assert.Contains("--gate", workflow, StringComparison.Ordinal);
        Assert.Contains("on:", workflow, StringComparison.Ordinal);
    }
}
