using System.Text.Json;
using Pipeline.Testing;

namespace Pipeline.Cli.Tests;

/// <summary><c>gate show|set</c>, <c>promote</c>, <c>datasets</c> and <c>catalog</c> against a runner: the job done from the CLI alone.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class DatasetCommandsTests(AzuriteFixture azurite) : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("dscmd-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Theory]
    [InlineData("--finding: 'Bad Code' is not a finding code", "catalog", "--dataset", "cats", "--finding", "Bad Code")]
    [InlineData("--status: 'maybe' is not one of accepted, rejected, failed.", "catalog", "--dataset", "cats", "--status", "maybe")]
    [InlineData("--format: 'xml' is not one of table, csv, json.", "catalog", "--dataset", "cats", "--format", "xml")]
    [InlineData("--limit: a whole number from 1 to 10,000.", "catalog", "--dataset", "cats", "--limit", "0")]
    [InlineData("--batch: '..' is not a batch name", "promote", "--dataset", "cats", "--batch", "b1", "--batch", "..")]
    [InlineData("--dataset: 'Cats' is not a dataset name", "gate", "show", "--dataset", "Cats")]
    public async Task Bad_arguments_are_refused_before_any_request(string expected, params string[] args)
    {
        var (exit, _, error) = await Cli.RunAsync([.. args, "--api", "http://127.0.0.1:9"]);

        Assert.Equal(PipelineCli.UsageError, exit);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_gate_is_set_and_shown_a_promotion_followed_to_publication_and_the_images_found_by_what_is_known_of_them()
    {
        await using var storage = azurite.CreateStorage();
        await PromotionTestData.IngestBatchAsync(storage, "b1", 3); // img0 dog, img1 and img2 cat
        await storage.UploadAsync("b1/cut.jpg", TestFiles.Truncate(TestFiles.Jpeg(320, 240, seed: 50)), PromotionTestData.Dataset);
        await storage.Ingest.IngestAsync("b1/cut.jpg", CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var runner = await TestRunners.StartAsync(storage, timeout.Token);
        string[] api = ["--api", runner.Url];
        var bad = Path.Combine(folder, "bad.json");
        var good = Path.Combine(folder, "gate.json");
        await File.WriteAllTextAsync(bad, """{"version": 1, "expectations": [{"expect": "min_images"}], "colour": "red"}""", timeout.Token);
        await File.WriteAllTextAsync(good, """{"version": 7, "expectations": [{"expect": "no_findings", "findingSeverity": "error"}], "approval": {"required": "always"}}""", timeout.Token);

        var refused = await Cli.RunAsync(["gate", "set", bad, "--dataset", "cats", "--api", "http://127.0.0.1:9"]);
        var set = await Cli.RunAsync(["gate", "set", good, "--dataset", "cats", .. api]);
        var shown = await Cli.RunAsync(["gate", "show", "--dataset", "cats", .. api]);
        var promoted = await Cli.RunAsync(["promote", "--dataset", "cats", "--wait", "--approve-as", "ana", .. api]);
        var datasets = await Cli.RunAsync(["datasets", "--json", .. api]);
        var table = await Cli.RunAsync(["datasets", .. api]);
        var rejected = await Cli.RunAsync(["catalog", "--dataset", "cats", "--status", "rejected", .. api]);
        var dogs = await Cli.RunAsync(["catalog", "--dataset", "cats", "--label", "dog", "--format", "csv", .. api]);
        var truncated = await Cli.RunAsync(["catalog", "--dataset", "cats", "--batch", "b1", "--finding", "image.*", "--limit", "1", "--json", .. api]);

        Assert.Equal(PipelineCli.UsageError, refused.Exit);
        Assert.Contains("colour: unknown property", refused.Error, StringComparison.Ordinal);
        Assert.True(set.Exit == PipelineCli.Accepted, set.Output + set.Error);
        Assert.Contains("Gate version 7", set.Output, StringComparison.Ordinal);
        Assert.Equal(7, JsonDocument.Parse(shown.Output).RootElement.GetProperty("version").GetInt32());
        Assert.True(promoted.Exit == PipelineCli.Accepted, promoted.Output + promoted.Error);
        Assert.Contains("approved as ana", promoted.Output, StringComparison.Ordinal);
        Assert.Contains("Published version 1 of 'cats'", promoted.Output, StringComparison.Ordinal);
        Assert.True(datasets.Exit == PipelineCli.Accepted, datasets.Output + datasets.Error);
        var cats = Assert.Single(JsonDocument.Parse(datasets.Output).RootElement.GetProperty("datasets").EnumerateArray());
        Assert.Equal(("cats", 1, 1), (cats.GetProperty("dataset").GetString(), cats.GetProperty("current").GetInt32(), cats.GetProperty("batches").GetInt32()));
        Assert.Matches(@"cats\s+v1\s+1\s", table.Output);
        Assert.Contains("rejected  b1/cut.jpg  image.truncated", rejected.Output, StringComparison.Ordinal);
        Assert.Contains("1 image(s).", rejected.Output, StringComparison.Ordinal);
        var csv = dogs.Output.Trim().Split('\n');
        Assert.Equal("name,batch,status,sha256,format,width,height,findings,ingestedAt,promoted", csv[0].Trim());
        Assert.StartsWith("b1/img0.jpg,b1,accepted,", Assert.Single(csv[1..]), StringComparison.Ordinal);
        Assert.EndsWith(",cats@1", csv[1].Trim(), StringComparison.Ordinal);
        var answer = JsonDocument.Parse(truncated.Output).RootElement;
        Assert.Equal((1, true), (answer.GetProperty("count").GetInt32(), answer.GetProperty("truncated").GetBoolean()));
    }
}
