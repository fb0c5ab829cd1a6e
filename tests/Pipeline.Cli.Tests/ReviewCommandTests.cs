using System.Text.Json;
using Pipeline.Testing;

namespace Pipeline.Cli.Tests;

/// <summary><c>pipeline review</c>: decisions held to the API's rules before any request, then recorded, listed and withdrawn on a runner.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ReviewCommandTests(AzuriteFixture azurite)
{
    private static readonly string Soon = DateTimeOffset.UtcNow.AddDays(30).ToString("yyyy-MM-dd");

    [Theory]
    [InlineData("--until: until is required for a waiver", "waive", "--dataset", "cats", "--code", "image.dark", "--whole-dataset", "--reason", "night", "--as", "ana", "--until", "2020-01-01")]
    [InlineData("--until: 'soon' is not a date", "waive", "--dataset", "cats", "--code", "image.dark", "--whole-dataset", "--reason", "night", "--as", "ana", "--until", "soon")]
    [InlineData("--until: until is required for a waiver: a time after now", "waive", "--dataset", "cats", "--code", "image.dark", "--whole-dataset", "--reason", "night", "--as", "ana")]
    [InlineData("Give one of --image, --batch or --whole-dataset.", "waive", "--dataset", "cats", "--code", "image.dark", "--image", "a.jpg", "--batch", "b1", "--reason", "night", "--as", "ana", "--until", "SOON")]
    [InlineData("--code: code 'Image Dark' is not a finding code", "waive", "--dataset", "cats", "--code", "Image Dark", "--whole-dataset", "--reason", "night", "--as", "ana", "--until", "SOON")]
    [InlineData("--reason: reason is required", "fix", "--dataset", "cats", "--code", "image.dark", "--image", "a.jpg", "--reason", " ", "--as", "ana")]
    [InlineData("--batch: '..' is not a batch name", "unwaive", "--dataset", "cats", "--code", "image.dark", "--batch", "..")]
    [InlineData("--dataset: '../x' is not a dataset name", "list", "--dataset", "../x")]
    public async Task Every_decision_is_held_to_the_api_rules_before_any_request(string expected, params string[] args)
    {
        // Port 9 answers nothing: a request would end in exit 4, not 2.
        var (exit, _, error) = await Cli.RunAsync(["review", .. args.Select(a => a == "SOON" ? Soon : a), "--api", "http://127.0.0.1:9"]);

        Assert.Equal(PipelineCli.UsageError, exit);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_waiver_and_a_fix_are_recorded_listed_and_withdrawn_on_the_runner()
    {
        await using var storage = azurite.CreateStorage();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var runner = await TestRunners.StartAsync(storage, timeout.Token);
        string[] api = ["--api", runner.Url];

        var waive = await Cli.RunAsync(["review", "waive", "--dataset", "cats", "--code", "label.*", "--batch", "b1", "--reason", "crops by design", "--until", Soon, "--as", "ana", .. api]);
        var fix = await Cli.RunAsync(["review", "fix", "--dataset", "cats", "--code", "label.box_out_of_bounds", "--image", "img0.jpg", "--reason", "relabelled in CVAT", "--as", "bo", .. api]);
        var listed = await Cli.RunAsync(["review", "list", "--dataset", "cats", "--json", .. api]);
        var unwaive = await Cli.RunAsync(["review", "unwaive", "--dataset", "cats", "--code", "label.*", "--batch", "b1", .. api]);
        var again = await Cli.RunAsync(["review", "unwaive", "--dataset", "cats", "--code", "label.*", "--batch", "b1", .. api]);
        var after = await Cli.RunAsync(["review", "list", "--dataset", "cats", .. api]);

        Assert.True(waive.Exit == PipelineCli.Accepted, waive.Output + waive.Error);
        Assert.Contains("active   label.* on batch b1 until", waive.Output, StringComparison.Ordinal);
        Assert.True(fix.Exit == PipelineCli.Accepted, fix.Output + fix.Error);
        var reviews = JsonDocument.Parse(listed.Output).RootElement.GetProperty("reviews").EnumerateArray()
            .Select(r => (r.GetProperty("code").GetString(), r.GetProperty("state").GetString(), r.GetProperty("by").GetString())).ToList();
        Assert.Equal([("label.*", "active", "ana"), ("label.box_out_of_bounds", "fixed", "bo")], reviews);
        Assert.Equal(PipelineCli.Accepted, unwaive.Exit);
        Assert.NotEqual(PipelineCli.Accepted, again.Exit);
        Assert.Contains("has no review", again.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("label.* on", after.Output, StringComparison.Ordinal);
        Assert.Contains("fixed    label.box_out_of_bounds on image img0.jpg, by bo: relabelled in CVAT", after.Output, StringComparison.Ordinal);
    }
}
