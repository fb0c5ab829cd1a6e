using System.Net.Http.Json;
using System.Text;
using Pipeline.Testing;
using Pipeline.Workflows.Promotion;

namespace Pipeline.Local.Tests;

/// <summary>
/// The runner sets up the function app's OpenTelemetry: with an OTLP endpoint, a local run's spans (one trace per
/// upload, linked through label QA and promotion, as in Azure) and metrics reach any OTLP receiver.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class LocalTelemetryTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_local_run_exports_each_uploads_spans_linked_across_ingest_label_qa_and_promotion_to_an_otlp_receiver()
    {
        await using var receiver = new OtlpReceiver();
        await using var storage = azurite.CreateStorage(s => s["Pipeline:Promotion:ChunkSize"] = "2");
        await PromotionTestData.UseGateWithoutLeakageAsync(storage);
        var batch = "otlp" + Guid.NewGuid().ToString("N")[..8];
        var names = Enumerable.Range(0, 3).Select(i => $"{batch}/img{i}.jpg").ToList();
        for (var i = 0; i < names.Count; i++)
        {
            await storage.UploadAsync(names[i], TestFiles.Jpeg(320, 240, seed: i + 1), PromotionTestData.Dataset);
        }

        await storage.UploadAsync($"{batch}/coco.json", Encoding.UTF8.GetBytes(PromotionTestData.Coco(("img0.jpg", "cat"), ("img1.jpg", "dog"), ("img2.jpg", "cat"))), PromotionTestData.Dataset);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using (var runner = await TestRunners.StartAsync(storage, timeout.Token, s =>
        {
            s["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint;
            s["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
            s["Pipeline:Local:WatchSeconds"] = "0";
        }))
        {
            using var http = new HttpClient { BaseAddress = new Uri(runner.Url + "/api/") };
            var container = storage.Options.IncomingContainer;
            var events = names.Append($"{batch}/coco.json").Select(n => new { eventType = "Microsoft.Storage.BlobCreated", subject = $"/blobServices/default/containers/{container}/blobs/{n}" });
            (await http.PostAsJsonAsync("events/blob-created", events, timeout.Token)).EnsureSuccessStatusCode();
            (await http.PostAsync($"batches/{batch}/label-qa", null, timeout.Token)).EnsureSuccessStatusCode();
            await OrchestrationWaits.CompletedAsync(runner.Client, Pipeline.Workflows.Labels.LabelQaOrchestration.InstanceIdFor(batch), timeout.Token);
            (await http.PostAsync($"datasets/{PromotionTestData.Dataset}/promotions", null, timeout.Token)).EnsureSuccessStatusCode();
            await OrchestrationWaits.CompletedAsync(runner.Client, PromoteOrchestration.InstanceIdFor(PromotionTestData.Dataset), timeout.Token);
        } // stopping the runner flushes its exporters

        var spans = receiver.Spans.ToList();
        // One trace per upload: the three images' and the annotation file's.
        var ingests = spans.Where(s => s.Name == "ingest" && s.Attributes.GetValueOrDefault("pipeline.batch") == batch).Select(s => s.TraceId).ToHashSet();
        Assert.True(ingests.Count == 4, $"ingest traces received: {ingests.Count} ({string.Join(", ", spans.Select(s => s.Name).Distinct())})");
        var unit = Assert.Single(spans, s => s.Name == "labelqa.unit" && s.Attributes.GetValueOrDefault("pipeline.batch") == batch);
        Assert.Subset(ingests, unit.LinkedTraceIds.ToHashSet());
        var copies = spans.Where(s => s.Name == "promotion.copy" && s.Attributes.GetValueOrDefault("pipeline.dataset") == PromotionTestData.Dataset).ToList();
        Assert.Equal(2, copies.Count); // three images, two to a chunk
        var published = copies.SelectMany(c => c.LinkedTraceIds).ToHashSet();
        Assert.Equal(3, published.Count);
        Assert.Subset(ingests, published);
        Assert.True(receiver.MetricExports > 0, "no metrics reached the receiver");
    }
}
