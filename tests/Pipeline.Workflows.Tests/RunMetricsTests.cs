using Microsoft.Extensions.DependencyInjection;
using Pipeline.Core.Datasets;
using Pipeline.Core.Telemetry;
using Pipeline.Testing;
using Pipeline.Workflows.Labels;
using Pipeline.Workflows.Promotion;

namespace Pipeline.Workflows.Tests;

/// <summary>Label QA and promotion produce their metric points (listened to in-process, as an exporter would).</summary>
[Collection(AzuriteCollection.Name)]
public sealed class RunMetricsTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Label_findings_gate_results_promoted_images_and_run_ends_are_counted()
    {
        await using var storage = azurite.CreateStorage();
        await PromotionTestData.UseGateWithoutLeakageAsync(storage);
        await PromotionTestData.IngestBatchAsync(storage, "m1", 3);
        var telemetry = storage.Services.GetRequiredService<PipelineTelemetry>();
        using var recorder = new MetricRecorder(telemetry.LabelFindings, telemetry.GateEvaluations, telemetry.PromotedImages, telemetry.Runs, telemetry.RunDuration);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var host = await TestHosts.StartAsync(registry => storage.RegisterWorkflows(registry), timeout.Token);

        var (qa, _) = await LabelQaStarter.StartAsync(host.Client, storage.Locks, "m1", timeout.Token);
        await host.Client.WaitForInstanceCompletionAsync(qa, timeout.Token);
        await PromotionTests.PromoteAsync(host.Client, storage.Locks, new PromoteInput(new PromotionRequest(PromotionTestData.Dataset)), timeout.Token);
        var points = recorder.Points;

        // One dog box among three: label QA reports the class as having too few samples.
        Assert.Contains(points, p => p.Name == "pipeline.labelqa.findings" && (string?)p.Tags["pipeline.finding.code"] == "label.few_samples");
        var gate = Assert.Single(points, p => p.Name == "pipeline.gate.evaluations");
        Assert.Equal(("passed", false), ((string?)gate.Tags["pipeline.gate.result"], (bool?)gate.Tags["pipeline.gate.approval_required"]));
        Assert.Equal(3, Assert.Single(points, p => p.Name == "pipeline.promotion.images").Value);
        var runs = points.Where(p => p.Name == "pipeline.runs").Select(p => ((string?)p.Tags["pipeline.job"], (string?)p.Tags["pipeline.run.end"])).Order().ToList();
        Assert.Equal([("label-qa", "COMPLETE"), ("promote", "COMPLETE")], runs);
        Assert.Equal(2, points.Count(p => p.Name == "pipeline.run.duration" && p.Value >= 0));
    }
}
