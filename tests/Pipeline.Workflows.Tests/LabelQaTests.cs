using System.Text;
using System.Text.Json;
using Azure;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Pipeline.Core;
using Pipeline.Core.Findings;
using Microsoft.DurableTask;
using Pipeline.Core.Labels;
using Pipeline.Testing;
using Pipeline.Workflows.Labels;

namespace Pipeline.Workflows.Tests;

/// <summary>The label QA orchestration in the in-process Durable Task engine, on Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class LabelQaTests(AzuriteFixture azurite)
{
    /// <summary>This test's time window (a new class instance per test).</summary>
    private readonly CancellationToken testTimeout = TestTimeout.Start();

    private const string Coco = """
        {"images": [{"id": 1, "file_name": "cat.jpg", "width": 320, "height": 240},
                    {"id": 2, "file_name": "missing.jpg", "width": 10, "height": 10}],
         "categories": [{"id": 1, "name": "cat"}, {"id": 2, "name": "ear"}],
         "annotations": [
           {"id": 1, "image_id": 1, "category_id": 1, "bbox": [300, 10, 100, 100], "annotator": "ann"},
           {"id": 2, "image_id": 1, "category_id": 1, "bbox": [10, 10, 100, 100], "annotator": "ann"},
           {"id": 3, "image_id": 1, "category_id": 1, "bbox": [12, 11, 100, 100], "annotator": "bob"},
           {"id": 4, "image_id": 1, "category_id": 2, "bbox": [150, 150, 20, 20], "annotator": "bob"},
           {"id": 5, "image_id": 2, "category_id": 1, "bbox": [1, 1, 5, 5], "annotator": "ann"}]}
        """;

    private async Task UploadBatchAsync(TestStorage storage)
    {
        await storage.UploadAsync("qa/coco.json", Encoding.UTF8.GetBytes(Coco));
        await storage.UploadAsync("qa/classes.txt", Encoding.UTF8.GetBytes("dog\ncat\nbird\n"));
        await storage.UploadAsync("qa/labels/dog.txt", Encoding.UTF8.GetBytes("0 0.5 0.5 0.2 0.2\n0 0.95 0.5 0.2 0.2\n"));
        await storage.UploadAsync("qa/cat.jpg", TestFiles.Jpeg(320, 240, seed: 1));
        await storage.UploadAsync("qa/images/dog.jpg", TestFiles.Jpeg(320, 240, seed: 2));
        foreach (var name in new[] { "qa/coco.json", "qa/classes.txt", "qa/labels/dog.txt", "qa/cat.jpg", "qa/images/dog.jpg" })
        {
            await storage.Ingest.IngestAsync(name, testTimeout);
        }
    }

    private static async Task<OrchestrationMetadata> RunAsync(DurableTaskClient client, LabelQaInput input, CancellationToken cancellationToken)
    {
        var id = await client.ScheduleNewOrchestrationInstanceAsync(TaskNames.LabelQa, input, new StartOrchestrationOptions(LabelQaOrchestration.InstanceIdFor(input.Batch)), cancellationToken);
        var done = await client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, cancellationToken);
        Assert.True(done.RuntimeStatus == OrchestrationRuntimeStatus.Completed, done.FailureDetails?.ToString());
        return done;
    }

    [Theory]
    [InlineData(100)] // both units in the orchestration itself
    [InlineData(1)]   // one sub-orchestration per unit
    public async Task A_batch_is_checked_in_units_merged_into_qa_json_with_a_summary_row(int unitsPerSubOrchestration)
    {
        await using var storage = azurite.CreateStorage();
        await UploadBatchAsync(storage);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var host = await TestHosts.StartAsync(registry => storage.RegisterWorkflows(registry), timeout.Token);

        var done = await RunAsync(host.Client, new LabelQaInput("qa", unitsPerSubOrchestration), timeout.Token);

        var summary = done.ReadOutputAs<LabelQaSummary>()!;
        Assert.Equal(("qa", 2, 3, 7), (summary.Batch, summary.Images, summary.LabelFiles, summary.Boxes));
        Assert.Equal(new LabelQaProgress(2, 2), done.ReadCustomStatusAs<LabelQaProgress>());
        var json = (await storage.Reports.GetBlobClient("qa/qa.json").DownloadContentAsync()).Value.Content.ToArray();
        var result = JsonSerializer.Deserialize<LabelQaResult>(json, PipelineJson.Options)!;
        var codes = result.Codes.ToDictionary(c => c.Code);
        Assert.Equal(2, codes[FindingCodes.LabelBoxOutOfBounds].Count); // COCO annotation 1 and the second dog line
        Assert.Contains(codes[FindingCodes.LabelBoxOutOfBounds].Examples, e => e.Finding.Subject == "cat.jpg");
        Assert.Contains(codes[FindingCodes.LabelBoxOutOfBounds].Examples, e => e.Finding.Subject == "images/dog.jpg");
        Assert.Contains(codes[FindingCodes.LabelAnnotationWithoutImage].Examples, e => e.Finding.Subject == "missing.jpg");
        // Label counts merged over the whole batch: 'ear' (1 box, COCO) is few; 'cat' counts COCO's 4 boxes.
        Assert.Equal(4, result.BoxesPerLabel["cat"]);
        Assert.Equal(1, result.FindingsPerLabel["ear"][FindingCodes.LabelFewSamples]);
        Assert.Equal(1, result.FindingsPerLabel["dog"][FindingCodes.LabelBoxOutOfBounds]);
        Assert.Equal("ear", Assert.Single(codes[FindingCodes.LabelFewSamples].Examples).Label);
        // The batch is one dataset: 'cat' of classes.txt has no YOLO box but COCO's boxes (another unit) use it, so only
        // 'bird', which nothing uses, is unused, once, on the file that defines it.
        var unused = Assert.Single(codes[FindingCodes.LabelUnused].Examples);
        Assert.Equal(("bird", "classes.txt"), (unused.Label, unused.Finding.Subject));
        Assert.Equal(1, codes[FindingCodes.LabelUnused].Count);
        Assert.Equal(["ann", "bob"], result.Annotators.Select(a => a.Annotator).Order());
        Assert.Equal(summary.Errors, result.Errors);

        var row = (await storage.Tables.GetTableClient(storage.Options.StatisticsTable).GetEntityAsync<Azure.Data.Tables.TableEntity>("labelqa", "qa")).Value;
        Assert.Equal(7, row.GetInt32("Boxes"));
    }

    [Fact]
    public async Task A_unit_that_fails_once_is_retried_a_second_start_while_running_is_refused_and_a_rerun_gives_the_same_result()
    {
        await using var storage = azurite.CreateStorage();
        await UploadBatchAsync(storage);
        var flaky = new FailFirstOpen(storage.Services.GetRequiredService<ILabelQaStore>());
        var service = new LabelQaService(storage.Catalog, flaky, storage.Services.GetRequiredService<IOptions<LabelQaOptions>>(), TimeProvider.System);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var host = await TestHosts.StartAsync(registry => storage.RegisterWorkflows(registry, labels: new LabelQaActivities(service)), timeout.Token);

        var (id, started) = await LabelQaStarter.StartAsync(host.Client, storage.Locks, "qa", timeout.Token);
        var (_, again) = await LabelQaStarter.StartAsync(host.Client, storage.Locks, "qa", timeout.Token);
        var first = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, timeout.Token);
        var firstJson = (await storage.Reports.GetBlobClient("qa/qa.json").DownloadContentAsync()).Value.Content.ToString();

        Assert.True(started);
        Assert.False(again); // "already running": never a second run
        Assert.Equal(OrchestrationRuntimeStatus.Completed, first.RuntimeStatus);
        Assert.Equal(1, flaky.Failures);

        var (rerunId, rerun) = await LabelQaStarter.StartAsync(host.Client, storage.Locks, "qa", timeout.Token);
        var second = await host.Client.WaitForInstanceCompletionAsync(rerunId, getInputsAndOutputs: true, timeout.Token);
        var secondJson = (await storage.Reports.GetBlobClient("qa/qa.json").DownloadContentAsync()).Value.Content.ToString();

        Assert.True(rerun);
        Assert.Equal(first.ReadOutputAs<LabelQaSummary>()! with { CheckedAt = default }, second.ReadOutputAs<LabelQaSummary>()! with { CheckedAt = default });
        Assert.Equal(Strip(firstJson), Strip(secondJson));
    }

    [Fact]
    public async Task Files_whose_events_never_came_are_judged_first_and_the_seal_marker_is_never_a_file()
    {
        await using var storage = azurite.CreateStorage();
        await storage.UploadAsync("late/coco.json", Encoding.UTF8.GetBytes(Coco));
        await storage.UploadAsync("late/cat.jpg", TestFiles.Jpeg(320, 240, seed: 1));
        await storage.UploadAsync("late/_SEALED", []);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var host = await TestHosts.StartAsync(registry => storage.RegisterWorkflows(registry), timeout.Token);

        var summary = (await RunAsync(host.Client, new LabelQaInput("late"), timeout.Token)).ReadOutputAs<LabelQaSummary>()!;

        Assert.Equal((1, 1, 5), (summary.Images, summary.LabelFiles, summary.Boxes)); // none was ingested before
        var rows = await storage.CatalogRowsAsync();
        Assert.Equal(["late/cat.jpg", "late/coco.json"], rows.Select(r => r.GetString("Name")).Order());
        Assert.Empty(await storage.ListAsync(storage.Quarantine)); // the marker is not judged as a file
    }

    /// <summary>The result without its timestamp.</summary>
    private static string Strip(string json) => JsonSerializer.Serialize(JsonSerializer.Deserialize<LabelQaResult>(json, PipelineJson.Options)! with { CheckedAt = default }, PipelineJson.Options);

    /// <summary>Answers the first staged read with a 503, as a throttled account does.</summary>
    private sealed class FailFirstOpen(ILabelQaStore inner) : ILabelQaStore
    {
        private int calls;

        public int Failures { get; private set; }

        public Task<Stream> OpenStagedAsync(string stagedPath, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                Failures++;
                throw new RequestFailedException(503, "Injected: the server is busy.");
            }

            return inner.OpenStagedAsync(stagedPath, cancellationToken);
        }

        public Task WriteReportAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) => inner.WriteReportAsync(name, content, cancellationToken);

        public Task<byte[]?> ReadReportAsync(string name, CancellationToken cancellationToken) => inner.ReadReportAsync(name, cancellationToken);

        public Task RecordSummaryAsync(LabelQaSummary summary, CancellationToken cancellationToken) => inner.RecordSummaryAsync(summary, cancellationToken);
    }
}
