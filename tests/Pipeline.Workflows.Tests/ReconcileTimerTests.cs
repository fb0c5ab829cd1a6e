using System.Diagnostics.Metrics;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Pipeline.Core.Telemetry;
using Pipeline.Testing;
using Pipeline.Workflows.Ingest;

namespace Pipeline.Workflows.Tests;

/// <summary>The reconciliation timer's round over every batch, in the in-process Durable Task engine on Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ReconcileTimerTests(AzuriteFixture azurite)
{
    /// <summary>This test's time window (a new class instance per test).</summary>
    private readonly CancellationToken testTimeout = TestTimeout.Start();

    [Fact]
    public async Task A_round_ingests_old_unjudged_blobs_of_every_batch_leaves_young_ones_and_counts_what_it_found()
    {
        await using var storage = azurite.CreateStorage();
        await storage.UploadAsync("b1/lost.png", TestFiles.Png(24, 16, seed: 1));
        await storage.UploadAsync("b2/deep/lost.png", TestFiles.Png(24, 16, seed: 2));
        await storage.UploadAsync("b2/delivered.png", TestFiles.Png(24, 16, seed: 3));
        await storage.Ingest.IngestAsync("b2/delivered.png", testTimeout); // its event arrived
        var found = 0L;
        using var meters = new MeterListener();
        var telemetry = storage.Services.GetRequiredService<PipelineTelemetry>();
        meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument == telemetry.ReconcileFound)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        meters.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref found, value));
        meters.Start();

        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var scheduler = new ReconcileScheduler(clock, Options.Create(new ReconcileOptions { MinAgeMinutes = 10 }), storage.Locks);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var activities = new ReconcileActivities(storage.Ingest, storage.Services.GetRequiredService<Pipeline.Core.Labels.IReportStore>());
        await using var host = await TestHosts.StartAsync(registry => registry.AddPipelineWorkflows(() => activities, TestHosts.NoLabelQa, TestHosts.NoPromotion, TestHosts.NoMaintenance), timeout.Token);

        // Now: every blob is younger than ten minutes, so their events may still come; nothing is touched.
        var young = await RunRoundAsync(host.Client, scheduler, timeout.Token);
        Assert.Equal((3, 0), (young.Scanned, young.Ingested));
        Assert.Equal(0, Interlocked.Read(ref found));

        // Eleven minutes on: the two blobs whose events were lost are found in both batches and ingested.
        clock.Advance(TimeSpan.FromMinutes(11));
        var late = await RunRoundAsync(host.Client, scheduler, timeout.Token);
        Assert.Equal((3, 2, 2), (late.Scanned, late.Ingested, late.Accepted));
        Assert.Equal(2, Interlocked.Read(ref found));
        Assert.Equal(3, (await storage.CatalogRowsAsync()).Count);

        // The next round finds nothing left.
        Assert.Equal(0, (await RunRoundAsync(host.Client, scheduler, timeout.Token)).Ingested);
    }

    [Fact]
    public async Task A_sealed_batch_whose_seal_event_was_lost_gets_its_label_qa_from_the_next_round()
    {
        await using var storage = azurite.CreateStorage();
        await storage.UploadAsync("s1/a.jpg", TestFiles.Jpeg(64, 48, seed: 3));
        await storage.UploadAsync("s1/coco.json", System.Text.Encoding.UTF8.GetBytes(PromotionTestData.Coco(("a.jpg", "cat"))));
        await storage.UploadAsync("s1/_SEALED", []);
        var scheduler = new ReconcileScheduler(TimeProvider.System, Options.Create(new ReconcileOptions { MinAgeMinutes = 0 }), storage.Locks);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var host = await TestHosts.StartAsync(registry => storage.RegisterWorkflows(registry), timeout.Token);

        // No event came for any of the three: the round ingests the two files and notes the sealed batch without label QA.
        var first = await RunRoundAsync(host.Client, scheduler, timeout.Token);
        Assert.Equal((3, 2), (first.Scanned, first.Ingested));
        Assert.Equal(["s1"], first.SealedWithoutLabelQa!);
        Assert.Null(await host.Client.GetInstanceAsync(Labels.LabelQaOrchestration.InstanceIdFor("s1"), timeout.Token));

        // The next round's start starts it; once it has run, no round reports the batch again.
        var second = await RunRoundAsync(host.Client, scheduler, timeout.Token);
        var qa = await OrchestrationWaits.CompletedAsync(host.Client, Labels.LabelQaOrchestration.InstanceIdFor("s1"), timeout.Token);
        Assert.Equal(1, qa.ReadOutputAs<Pipeline.Core.Labels.LabelQaSummary>()!.Boxes);
        Assert.Null((await RunRoundAsync(host.Client, scheduler, timeout.Token)).SealedWithoutLabelQa);
        Assert.Equal(0, second.Ingested);
    }

    private static async Task<ReconcileTotals> RunRoundAsync(DurableTaskClient client, ReconcileScheduler scheduler, CancellationToken cancellationToken)
    {
        var id = await scheduler.StartAsync(client, cancellationToken);
        Assert.Equal(ReconcileScheduler.InstanceId, id);
        return (await OrchestrationWaits.CompletedAsync(client, id!, cancellationToken)).ReadOutputAs<ReconcileTotals>()!;
    }
}
