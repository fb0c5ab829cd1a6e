using System.Text;
using Microsoft.Playwright;
using Pipeline.Core.Datasets;
using Pipeline.Testing;
using Pipeline.Workflows.Labels;
using Pipeline.Workflows.Promotion;

namespace Pipeline.Local.Tests;

/// <summary>The HTML quality reports, served by the runner's HTTP routes and opened in headless Chromium (Debian's, through Playwright).</summary>
[Collection(AzuriteCollection.Name)]
public sealed class QualityReportPageTests(AzuriteFixture azurite)
{
    /// <summary>This test's time window (a new class instance per test).</summary>
    private readonly CancellationToken testTimeout = TestTimeout.Start();

    private static readonly string Chromium = File.Exists("/usr/lib/chromium/chromium") ? "/usr/lib/chromium/chromium" : "/usr/bin/chromium";

    private static string OutputFolder => Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "report-screenshots")).FullName;

    [Fact]
    public async Task The_batch_and_version_reports_show_verdict_findings_thumbnails_charts_annotators_and_lineage_offline()
    {
        await using var storage = azurite.CreateStorage();
        await PromotionTestData.UseGateWithoutLeakageAsync(storage, approval: "always");
        await PromotionTestData.IngestBatchAsync(storage, "b1", 4);
        await storage.UploadAsync("b1/broken.jpg", TestFiles.Truncate(TestFiles.Jpeg(320, 240, seed: 9)), PromotionTestData.Dataset);
        await storage.UploadAsync("b1/annotators/ann/coco.json", Encoding.UTF8.GetBytes(PromotionTestData.Coco(("img0.jpg", "cat"), ("img1.jpg", "cat"))), PromotionTestData.Dataset);
        await storage.UploadAsync("b1/annotators/bob/coco.json", Encoding.UTF8.GetBytes(PromotionTestData.Coco(("img0.jpg", "dog"))), PromotionTestData.Dataset);
        foreach (var name in new[] { "b1/broken.jpg", "b1/annotators/ann/coco.json", "b1/annotators/bob/coco.json" })
        {
            await storage.Ingest.IngestAsync(name, testTimeout);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var runner = await TestRunners.StartAsync(storage, timeout.Token);
        var (qa, _) = await LabelQaStarter.StartAsync(runner.Client, runner.Locks, "b1", timeout.Token);
        await runner.Client.WaitForInstanceCompletionAsync(qa, timeout.Token);
        var (promotion, _) = await PromotionClient.StartAsync(runner.Client, runner.Locks, new PromoteInput(new PromotionRequest(PromotionTestData.Dataset)), timeout.Token);
        await OrchestrationWaits.ApprovalAsync(runner.Client, PromotionTestData.Dataset, timeout.Token);

        await PromotionClient.DecideAsync(runner.Client, PromotionTestData.Dataset, new ApprovalDecision(true, "alice <lead>"), timeout.Token);
        await runner.Client.WaitForInstanceCompletionAsync(promotion, timeout.Token);

        using var http = new HttpClient { BaseAddress = new Uri(runner.Url + "/api/") };
        var batchFile = Path.Combine(OutputFolder, "batch.html");
        var versionFile = Path.Combine(OutputFolder, "version.html");
        await File.WriteAllTextAsync(batchFile, await http.GetStringAsync("batches/b1/report", timeout.Token), timeout.Token);
        await File.WriteAllTextAsync(versionFile, await http.GetStringAsync("datasets/cats/versions/1/report", timeout.Token), timeout.Token);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox"] });
        var page = await browser.NewPageAsync();
        var fetched = new List<string>();
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith("file:", StringComparison.Ordinal) && !request.Url.StartsWith("data:", StringComparison.Ordinal))
            {
                fetched.Add(request.Url);
            }
        };

        await page.GotoAsync(new Uri(batchFile).AbsoluteUri);
        Assert.Equal("Batch b1", await page.GetByTestId("title").InnerTextAsync());
        Assert.Contains("1 file(s) rejected", await page.GetByTestId("verdict").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("image.truncated", await page.GetByTestId("findings-by-code").InnerTextAsync(), StringComparison.Ordinal);
        var rejected = page.Locator("[data-testid=flagged] .card[data-status=rejected]");
        Assert.Equal(1, await rejected.CountAsync());
        Assert.Contains("rejected: not decoded again", await rejected.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await rejected.Locator("img").CountAsync());
        var thumbnails = page.Locator("[data-testid=flagged] .card[data-status=accepted] img");
        Assert.True(await thumbnails.CountAsync() > 0); // the flagged accepted images (near duplicates) have previews
        for (var i = 0; i < await thumbnails.CountAsync(); i++)
        {
            Assert.StartsWith("data:image/jpeg;base64,", await thumbnails.Nth(i).GetAttributeAsync("src"), StringComparison.Ordinal);
            Assert.True(await thumbnails.Nth(i).EvaluateAsync<int>("img => img.naturalWidth") > 0); // the thumbnail decodes
        }

        Assert.Contains("ann", await page.GetByTestId("annotators").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("bob", await page.GetByTestId("annotators").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(2, await page.Locator("[data-testid=classes] rect[data-bar]").CountAsync());
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(OutputFolder, "batch.png"), FullPage = true });

        await page.GotoAsync(new Uri(versionFile).AbsoluteUri);
        Assert.Equal("cats version 1", await page.GetByTestId("title").InnerTextAsync());
        Assert.Contains("Gate passed, approved by alice <lead>", await page.GetByTestId("verdict").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("no_findings", await page.GetByTestId("gate").InnerTextAsync(), StringComparison.Ordinal);
        Assert.True(await page.Locator("[data-testid=box-sizes] rect[data-bar]").CountAsync() >= 1);
        var lineage = await page.GetByTestId("lineage").InnerTextAsync();
        Assert.Contains("b1", lineage, StringComparison.Ordinal);
        Assert.Contains("reports/b1/qa.json", lineage, StringComparison.Ordinal);
        Assert.Contains("staging/gates/cats.json", lineage, StringComparison.Ordinal);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(OutputFolder, "version.png"), FullPage = true });

        Assert.Empty(fetched); // self-contained: nothing fetched, works offline
        Assert.True(new FileInfo(Path.Combine(OutputFolder, "version.png")).Length > 0);
    }
}
