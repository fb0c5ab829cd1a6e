using System.Text;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Pipeline.Core.Datasets;
using Pipeline.Core.Findings;
using Pipeline.Core.Health;
using Pipeline.Core.Telemetry;
using Pipeline.Testing;
using Pipeline.Workflows.Labels;
using Pipeline.Workflows.Maintenance;
using Pipeline.Workflows.Promotion;

namespace Pipeline.Workflows.Tests;

/// <summary>The five pillars on Azurite: crafted histories raise freshness, volume, drift and schema findings, stored and exported.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class DataHealthTests(AzuriteFixture azurite)
{
    /// <summary>This test's time window (a new class instance per test).</summary>
    private readonly CancellationToken testTimeout = TestTimeout.Start();

    [Fact]
    public async Task A_dataset_that_stopped_receiving_data_is_stale_and_its_volume_dropped_in_storage_and_in_the_exported_metrics()
    {
        var now = DateTimeOffset.UtcNow;
        var clock = new FakeTimeProvider(now.AddDays(-8));
        var dataset = "fresh-" + Guid.NewGuid().ToString("N")[..8];
        await using var storage = azurite.CreateStorage(s => s["Pipeline:Health:MinBaselineImages"] = "3", services => services.AddSingleton<TimeProvider>(clock));
        var exported = new List<Metric>();
        using var meters = Sdk.CreateMeterProviderBuilder().AddMeter(PipelineTelemetry.Name).AddInMemoryExporter(exported).Build();

        // Four images a day for a week, the last of them 27 hours ago; one annotation file a week ago.
        for (var day = 7; day >= 1; day--)
        {
            clock.SetUtcNow(now.AddDays(-day).AddHours(-3));
            for (var i = 0; i < 4; i++)
            {
                var name = $"day{day}/img{i}.jpg";
                await storage.UploadAsync(name, TestFiles.Jpeg(160, 120, seed: (day * 10) + i), dataset);
                await storage.Ingest.IngestAsync(name, testTimeout);
            }

            if (day == 7)
            {
                await storage.UploadAsync("day7/coco.json", Encoding.UTF8.GetBytes(PromotionTestData.Coco(("img0.jpg", "cat"))), dataset);
                await storage.Ingest.IngestAsync("day7/coco.json", testTimeout);
            }
        }

        clock.SetUtcNow(now);
        var health = storage.Services.GetRequiredService<HealthService>();
        var snapshot = await health.CheckAsync(dataset, testTimeout);

        Assert.Equal("unhealthy", snapshot.Status);
        var stale = Assert.Single(snapshot.Findings, f => f.Code == FindingCodes.HealthStale);
        Assert.Equal(27, stale.Value!.Value, 1);
        Assert.Contains(snapshot.Findings, f => f.Code == FindingCodes.HealthLabelsStale);
        Assert.Contains(snapshot.Findings, f => f is { Code: FindingCodes.HealthVolumeDrop, Subject: "images", Value: 0 });
        Assert.Equal((0, 4.0, 7), (snapshot.Volume.Images, snapshot.Volume.BaselineImages, snapshot.Volume.BaselineWindows));
        Assert.Equal(28, snapshot.Lineage.PendingImages);
        Assert.Null(snapshot.Lineage.CurrentVersion);

        // Stored as a point of the dataset's time series.
        var api = ActivatorUtilities.CreateInstance<MaintenanceApi>(storage.Services);
        var history = await api.GetHealthAsync(dataset, "24", testTimeout);
        Assert.Equal(200, history.Status);
        var points = await storage.Services.GetRequiredService<IHealthStore>().ListAsync(dataset, now.AddHours(-1), testTimeout).ToListAsync();
        Assert.Equal(snapshot.Findings.Select(f => f.Code), Assert.Single(points).Snapshot.Findings.Select(f => f.Code));
        var latest = await storage.Services.GetRequiredService<IHealthStore>().LatestAsync(dataset, testTimeout);
        Assert.Equal((points[0].At, points[0].Status), (latest!.At, latest.Status)); // one read, and no listing meets its row

        // Exported: the freshness gauge and the findings counter, tagged with the dataset.
        meters.ForceFlush();
        Assert.Equal(27 * 3600, exported.Where(e => e.Name == "pipeline.dataset.freshness").SelectMany(Points)
            .Where(p => Tag(p, "pipeline.dataset") == dataset && Tag(p, "pipeline.data.kind") == "images").Select(p => p.GetGaugeLastValueDouble()).Single(), 0);
        Assert.Equal(1, exported.Where(e => e.Name == "pipeline.dataset.health.findings").SelectMany(Points)
            .Where(p => Tag(p, "pipeline.dataset") == dataset && Tag(p, "pipeline.finding.code") == FindingCodes.HealthStale).Sum(p => p.GetSumLong()));
        Assert.Equal(28, exported.Where(e => e.Name == "pipeline.dataset.pending").SelectMany(Points)
            .Where(p => Tag(p, "pipeline.dataset") == dataset).Select(p => p.GetGaugeLastValueLong()).Single());
        Assert.Equal(4, exported.Where(e => e.Name == "pipeline.dataset.volume").SelectMany(Points)
            .Where(p => Tag(p, "pipeline.dataset") == dataset && Tag(p, "pipeline.window") == "baseline").Select(p => p.GetGaugeLastValueLong()).Single());

        // New data arrives: fresh again, and today's volume matches the baseline.
        for (var i = 0; i < 4; i++)
        {
            await storage.UploadAsync($"today/img{i}.jpg", TestFiles.Jpeg(160, 120, seed: 900 + i), dataset);
            await storage.Ingest.IngestAsync($"today/img{i}.jpg", testTimeout);
        }

        var after = await health.CheckAsync(dataset, testTimeout);
        Assert.DoesNotContain(after.Findings, f => f.Code is FindingCodes.HealthStale or FindingCodes.HealthVolumeDrop or FindingCodes.HealthVolumeSpike);
        Assert.Equal(4, after.Volume.Images);
    }

    [Fact]
    public async Task A_new_batch_unlike_production_raises_class_and_quality_drift_and_a_schema_change_and_the_timer_checks_every_dataset()
    {
        await using var storage = azurite.CreateStorage(s => s["Pipeline:Health:DriftMinImages"] = "5");
        const string Dataset = PromotionTestData.Dataset;
        await PromotionTestData.IngestBatchAsync(storage, "v1", 12);
        await PromotionTestData.UseGateWithoutLeakageAsync(storage);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var host = await TestHosts.StartAsync(registry => storage.RegisterWorkflows(registry), timeout.Token);
        await PromotionTests.PromoteAsync(host.Client, storage.Locks, new PromoteInput(new PromotionRequest(Dataset)), timeout.Token);

        // Twelve dark PNGs, every box a dog (production: 8 cats, 4 dogs, all JPEG), with their label QA report.
        for (var i = 0; i < 12; i++)
        {
            await storage.UploadAsync($"night/img{i}.png", TestFiles.DarkPng(320, 240, seed: 500 + i), Dataset);
            await storage.Ingest.IngestAsync($"night/img{i}.png", timeout.Token);
        }

        await storage.UploadAsync("night/coco.json", Encoding.UTF8.GetBytes(PromotionTestData.Coco([.. Enumerable.Range(0, 12).Select(i => ($"img{i}.png", "dog"))])), Dataset);
        await storage.Ingest.IngestAsync("night/coco.json", timeout.Token);
        var qa = await host.Client.ScheduleNewOrchestrationInstanceAsync(TaskNames.LabelQa, new LabelQaInput("night"), timeout.Token);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, (await host.Client.WaitForInstanceCompletionAsync(qa, timeout.Token)).RuntimeStatus);

        var snapshot = await storage.Services.GetRequiredService<HealthService>().CheckAsync(Dataset, timeout.Token);

        Assert.Equal(1, snapshot.Distribution.AgainstVersion);
        var night = Assert.Single(snapshot.Distribution.Batches);
        Assert.Equal(("night", 12L), (night.Batch, night.Images));
        Assert.Contains(snapshot.Findings, f => f is { Code: FindingCodes.HealthClassDrift, Subject: "night" });
        Assert.Contains(snapshot.Findings, f => f is { Code: FindingCodes.HealthQualityDrift, Subject: "night" } && f.Message.Contains("brightness", StringComparison.Ordinal));
        Assert.Contains(snapshot.Schema.Changes, c => c is { Batch: "night", Kind: "image_format" } && c.Added.SequenceEqual(["png"]));
        Assert.Contains(snapshot.Findings, f => f is { Code: FindingCodes.HealthSchemaChange, Subject: "night" });
        Assert.Equal(["jpeg"], snapshot.Schema.ImageFormats);
        Assert.Equal((1, 12L, 1), (snapshot.Lineage.CurrentVersion, snapshot.Lineage.PendingImages, snapshot.Lineage.PendingBatches));
        Assert.Contains(await storage.ListAsync(storage.Reports), n => n.StartsWith($"health/{Dataset}/versions/1-", StringComparison.Ordinal));

        // The timer's orchestration lists the datasets and checks each.
        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync(TaskNames.CheckHealth, new HealthRunInput(), timeout.Token);
        var done = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, timeout.Token);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        var result = Assert.Single(done.ReadOutputAs<List<HealthCheckOutput>>()!);
        Assert.Equal((Dataset, "unhealthy"), (result.Dataset, result.Status));
        Assert.Contains(FindingCodes.HealthClassDrift, result.FindingCodes);
    }

    [Fact]
    public async Task Orchestrations_running_past_the_threshold_are_counted_as_stuck_but_a_promotion_waiting_for_approval_is_not()
    {
        await using var storage = azurite.CreateStorage();
        await PromotionTestData.IngestBatchAsync(storage, "b1", 2);
        await PromotionTestData.UseGateWithoutLeakageAsync(storage, approval: "always");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var host = await TestHosts.StartAsync(
            registry =>
            {
                storage.RegisterWorkflows(registry);
                registry.AddOrchestratorFunc<string, int>("WaitsForever", (context, _) => context.WaitForExternalEvent<int>("never"));
            },
            timeout.Token);
        var waiting = await host.Client.ScheduleNewOrchestrationInstanceAsync("WaitsForever", "x", timeout.Token);
        var (promotion, _) = await PromotionClient.StartAsync(host.Client, storage.Locks, new PromoteInput(new PromotionRequest(PromotionTestData.Dataset)), timeout.Token);
        await OrchestrationWaits.ApprovalAsync(host.Client, PromotionTestData.Dataset, timeout.Token);

        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var scheduler = new HealthScheduler(clock, Options.Create(new HealthOptions { StuckAfterHours = 6 }), storage.Services.GetRequiredService<PipelineTelemetry>(), storage.Locks);
        Assert.Empty(await scheduler.CountStuckAsync(host.Client, timeout.Token));

        clock.Advance(TimeSpan.FromHours(7));
        Assert.Equal(new Dictionary<string, int> { ["WaitsForever"] = 1 }, await scheduler.CountStuckAsync(host.Client, timeout.Token));
        await host.Client.TerminateInstanceAsync(waiting, cancellation: timeout.Token);
        await host.Client.TerminateInstanceAsync(promotion, cancellation: timeout.Token);
    }

    private static IEnumerable<OpenTelemetry.Metrics.MetricPoint> Points(Metric metric)
    {
        foreach (var point in metric.GetMetricPoints())
        {
            yield return point;
        }
    }

    private static string? Tag(OpenTelemetry.Metrics.MetricPoint point, string key)
    {
        foreach (var tag in point.Tags)
        {
            if (tag.Key == key)
            {
                return tag.Value?.ToString();
            }
        }

        return null;
    }
}
