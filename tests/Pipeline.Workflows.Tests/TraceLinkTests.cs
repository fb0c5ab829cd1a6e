using System.Collections.Concurrent;
using System.Diagnostics;
using Pipeline.Core.Datasets;
using Pipeline.Core.Telemetry;
using Pipeline.Testing;
using Pipeline.Workflows.Labels;
using Pipeline.Workflows.Promotion;

namespace Pipeline.Workflows.Tests;

/// <summary>One upload followed through the pipeline: the label QA and promotion spans link to the upload's ingest span.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class TraceLinkTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Label_qa_and_promotion_spans_link_to_the_ingest_span_of_every_image_they_work_on()
    {
        await using var storage = azurite.CreateStorage(s => s["Pipeline:Promotion:ChunkSize"] = "2");
        await PromotionTestData.UseGateWithoutLeakageAsync(storage);
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == PipelineTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        await PromotionTestData.IngestBatchAsync(storage, "t1", 3);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var host = await TestHosts.StartAsync(registry => storage.RegisterWorkflows(registry), timeout.Token);

        var (qa, _) = await LabelQaStarter.StartAsync(host.Client, storage.Locks, "t1", timeout.Token);
        await host.Client.WaitForInstanceCompletionAsync(qa, timeout.Token);
        await PromotionTests.PromoteAsync(host.Client, storage.Locks, new PromoteInput(new PromotionRequest(PromotionTestData.Dataset)), timeout.Token);

        var rows = (await storage.CatalogRowsAsync()).Where(r => r.GetString("Kind") == "image").ToList();
        var ingests = rows.Select(r => ActivityContext.Parse(r.GetString("TraceParent"), null).TraceId).ToHashSet();
        Assert.Equal(3, ingests.Count);
        Assert.Subset(spans.Where(s => s.OperationName == "ingest").Select(s => s.TraceId).ToHashSet(), ingests);
        var unit = Assert.Single(spans, s => s.OperationName == "labelqa.unit" && (string?)s.GetTagItem("pipeline.batch") == "t1");
        Assert.Equal(ingests, unit.Links.Select(l => l.Context.TraceId).ToHashSet());
        var copies = spans.Where(s => s.OperationName == "promotion.copy" && (string?)s.GetTagItem("pipeline.dataset") == PromotionTestData.Dataset).ToList();
        Assert.Equal(2, copies.Count); // three images, two to a chunk
        Assert.Equal(ingests, copies.SelectMany(c => c.Links).Select(l => l.Context.TraceId).ToHashSet());
    }
}
