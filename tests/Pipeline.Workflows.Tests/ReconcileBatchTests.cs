using Azure;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Core.Ingest;
using Pipeline.Testing;
using Pipeline.Workflows.Ingest;

namespace Pipeline.Workflows.Tests;

/// <summary>The reconciliation orchestration in the in-process Durable Task engine, on real storage (Azurite).</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ReconcileBatchTests(AzuriteFixture azurite)
{
    /// <summary>This test's time window (a new class instance per test).</summary>
    private readonly CancellationToken testTimeout = TestTimeout.Start();

    private static async Task<OrchestrationMetadata> RunAsync(ReconcileActivities activities, string batch)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var host = await TestHosts.StartAsync(registry => registry.AddPipelineWorkflows(() => activities, TestHosts.NoLabelQa, TestHosts.NoPromotion, TestHosts.NoMaintenance), timeout.Token);
        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync(TaskNames.ReconcileBatch, new ReconcileBatchInput(batch), timeout.Token);
        var done = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, timeout.Token);
        Assert.True(done.RuntimeStatus == OrchestrationRuntimeStatus.Completed, done.FailureDetails?.ToString());
        return done;
    }

    [Fact]
    public async Task Blobs_without_a_verdict_are_found_across_pages_and_ingested_once()
    {
        await using var storage = azurite.CreateStorage();
        var small = Enumerable.Range(0, 125).Select(i => TestFiles.Png(24, 16, seed: i)).ToArray();
        await Task.WhenAll(small.Select((bytes, i) => storage.UploadAsync($"r1/img-{i:D3}.png", bytes)));
        await storage.UploadAsync("r1/cut.jpg", TestFiles.Truncate(TestFiles.Jpeg()));
        await storage.UploadAsync("r2/other.png", TestFiles.Png(24, 16, seed: 999)); // another batch: not touched
        for (var i = 0; i < 10; i++)
        {
            await storage.Ingest.IngestAsync($"r1/img-{i:D3}.png", testTimeout); // their events were delivered
        }

        var activities = new ReconcileActivities(storage.Ingest, storage.Services.GetRequiredService<Pipeline.Core.Labels.IReportStore>());
        var first = (await RunAsync(activities, "r1")).ReadOutputAs<ReconcileTotals>()!;

        Assert.Equal(new ReconcileTotals(Scanned: 126, Ingested: 116, Accepted: 115, Rejected: 1, Failed: 0, Pages: 2), first);
        var rows = await storage.CatalogRowsAsync();
        Assert.Equal(126, rows.Count);
        Assert.All(rows, r => Assert.Equal("r1", r.PartitionKey));
        Assert.Equal(125, (await storage.ListAsync(storage.Staging)).Count);

        var second = (await RunAsync(activities, "r1")).ReadOutputAs<ReconcileTotals>()!;
        Assert.Equal(0, second.Ingested); // nothing left to find
        Assert.Equal(126, second.Scanned);
    }

    [Fact]
    public async Task An_ingest_activity_that_fails_once_is_retried_and_the_batch_completes()
    {
        await using var storage = azurite.CreateStorage();
        await storage.UploadAsync("f/a.png", TestFiles.Png(24, 16, seed: 1));
        await storage.UploadAsync("f/b.png", TestFiles.Png(24, 16, seed: 2));
        var flaky = new FailFirstStage(storage.Services.GetRequiredService<IIngestBlobStore>());
        var ingest = storage.IngestOver(flaky);

        var done = await RunAsync(new ReconcileActivities(ingest, storage.Services.GetRequiredService<Pipeline.Core.Labels.IReportStore>()), "f");

        Assert.Equal(1, flaky.Failures);
        Assert.Equal(2, done.ReadOutputAs<ReconcileTotals>()!.Accepted);
        Assert.Equal(2, (await storage.ListAsync(storage.Staging)).Count);
    }

    /// <summary>Answers the first staging write with a 503, as a throttled account does.</summary>
    private sealed class FailFirstStage(IIngestBlobStore inner) : DelegatingIngestBlobStore(inner)
    {
        private int calls;

        public int Failures { get; private set; }

        public override Task<bool> StageAsync(string stagedName, ReadOnlyMemory<byte> bytes, string contentType, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                Failures++;
                throw new RequestFailedException(503, "Injected: the server is busy.");
            }

            return base.StageAsync(stagedName, bytes, contentType, metadata, cancellationToken);
        }
    }
}
