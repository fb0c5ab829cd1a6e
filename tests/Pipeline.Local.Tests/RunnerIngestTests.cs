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
}
