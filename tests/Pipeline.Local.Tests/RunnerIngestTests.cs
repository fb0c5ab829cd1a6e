using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Pipeline.Testing;

namespace Pipeline.Local.Tests;

/// <summary>The runner drives ingest the way Event Grid drives the function app, and its watcher catches files copied in without an event.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class RunnerIngestTests(AzuriteFixture azurite)
{
    private static Task<RunningRunner> StartAsync(TestStorage storage, int watchSeconds, CancellationToken cancellationToken) =>
        TestRunners.StartAsync(storage, cancellationToken, s =>
        {
            s["Pipeline:Local:WatchSeconds"] = watchSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            s["Pipeline:Reconcile:MinAgeMinutes"] = "0";
        });

    [Fact]
    public async Task A_blob_created_event_ingests_the_blob_and_answers_with_its_verdict()
    {
        await using var storage = azurite.CreateStorage();
        await storage.UploadAsync("e1/good.jpg", TestFiles.Jpeg());
        await storage.UploadAsync("e1/cut.png", TestFiles.Truncate(TestFiles.Png()));
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await using var runner = await StartAsync(storage, watchSeconds: 0, timeout.Token);
        using var http = new HttpClient { BaseAddress = new Uri(runner.Url + "/api/") };
        var container = storage.Options.IncomingContainer;

        var response = await http.PostAsJsonAsync("events/blob-created", new object[]
        {
            new { eventType = "Microsoft.Storage.BlobCreated", subject = $"/blobServices/default/containers/{container}/blobs/e1/good.jpg" },
            new { eventType = "Microsoft.Storage.BlobCreated", subject = $"/blobServices/default/containers/{container}/blobs/e1/cut.png" },
            new { eventType = "Microsoft.Storage.BlobDeleted", subject = $"/blobServices/default/containers/{container}/blobs/e1/x.jpg" },
            new { eventType = "Microsoft.Storage.BlobCreated", subject = "/blobServices/default/containers/elsewhere/blobs/e1/y.jpg" },
        }, timeout.Token);
        var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync(timeout.Token)).RootElement;
        var bad = await http.PostAsync("events/blob-created", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"), timeout.Token);

        Assert.Equal(2, answer.GetProperty("handled").GetInt32());
        Assert.Equal(["accepted", "rejected"], answer.GetProperty("verdicts").EnumerateArray().Select(v => v.GetProperty("status").GetString()));
        Assert.Equal(2, (await storage.CatalogRowsAsync()).Count);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task The_watcher_ingests_a_file_copied_in_without_an_event()
    {
        await using var storage = azurite.CreateStorage();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await using var runner = await StartAsync(storage, watchSeconds: 1, timeout.Token);

        await storage.UploadAsync("w1/copied.jpg", TestFiles.Jpeg());
        while ((await storage.CatalogRowsAsync()).Count == 0)
        {
            await Task.Delay(200, timeout.Token);
        }

        Assert.Equal("accepted", Assert.Single(await storage.CatalogRowsAsync()).GetString("Status"));
    }

    [Fact]
    public async Task A_blob_uploaded_by_another_client_is_noticed_within_seconds_and_an_announced_one_is_ingested_once()
    {
        await using var storage = azurite.CreateStorage();
        var spans = new System.Collections.Concurrent.ConcurrentQueue<System.Diagnostics.Activity>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name == Pipeline.Core.Telemetry.PipelineTelemetry.Name,
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        // The runner's default: no announcement needed, the incoming container is listed every 2 s.
        await using var runner = await TestRunners.StartAsync(storage, timeout.Token, s => s["Pipeline:Local:NoticeSeconds"] = "2");
        using var http = new HttpClient { BaseAddress = new Uri(runner.Url + "/api/") };
        var batch = "n" + Guid.NewGuid().ToString("N")[..8];

        // Another client (the Storage SDK, as Storage Explorer or azcopy would) uploads and tells nobody.
        await storage.UploadAsync($"{batch}/quiet.png", TestFiles.Png());
        var uploadedAt = DateTimeOffset.UtcNow;
        while (!(await storage.CatalogRowsAsync()).Any(r => r.RowKey.Contains("quiet.png", StringComparison.Ordinal) || r.GetString("Name")?.EndsWith("quiet.png", StringComparison.Ordinal) == true))
        {
            await Task.Delay(100, timeout.Token);
        }

        var noticed = DateTimeOffset.UtcNow - uploadedAt;

        // pipeline upload announces what it sends, and the watcher sees the same files: each is still ingested once.
        var names = Enumerable.Range(0, 6).Select(i => $"{batch}/loud{i}.jpg").ToList();
        for (var i = 0; i < names.Count; i++)
        {
            await storage.UploadAsync(names[i], TestFiles.Jpeg(320, 240, seed: i + 1));
        }

        var container = storage.Options.IncomingContainer;
        (await http.PostAsJsonAsync("events/blob-created", names.Select(n => new { eventType = "Microsoft.Storage.BlobCreated", subject = $"/blobServices/default/containers/{container}/blobs/{n}" }), timeout.Token)).EnsureSuccessStatusCode();
        await Task.Delay(TimeSpan.FromSeconds(5), timeout.Token); // at least two listings after the announcement

        Assert.True(noticed < TimeSpan.FromSeconds(5), $"noticed after {noticed.TotalSeconds:0.0} s");
        var judged = spans.Where(s => s.OperationName == "ingest" && ((string?)s.GetCustomProperty("pipeline.blob"))?.StartsWith(batch + "/loud", StringComparison.Ordinal) == true).ToList();
        Assert.Equal(names.Order(StringComparer.Ordinal), judged.Where(s => s.GetTagItem("pipeline.redelivery") is false).Select(s => (string)s.GetCustomProperty("pipeline.blob")!).Order(StringComparer.Ordinal));
        Assert.Equal(7, (await storage.CatalogRowsAsync()).Count(r => r.GetString("Batch") == batch));
    }
}
