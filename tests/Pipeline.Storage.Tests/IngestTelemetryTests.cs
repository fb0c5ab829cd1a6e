using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Core.Telemetry;
using Pipeline.Testing;

namespace Pipeline.Storage.Tests;

/// <summary>An ingest produces its span and its metric points (listened to in-process, as an exporter would).</summary>
[Collection(AzuriteCollection.Name)]
public sealed class IngestTelemetryTests(AzuriteFixture azurite)
{
    /// <summary>This test's time window (a new class instance per test).</summary>
    private readonly CancellationToken testTimeout = TestTimeout.Start();

    [Fact]
    public async Task Each_judged_upload_has_one_span_and_is_counted_once_without_its_name_in_any_attribute()
    {
        await using var storage = azurite.CreateStorage();
        var batch = "tel" + Guid.NewGuid().ToString("N")[..8];
        var telemetry = storage.Services.GetRequiredService<PipelineTelemetry>();
        var spans = new ConcurrentBag<Activity>();
        using var activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name == PipelineTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if ((string?)activity.GetTagItem("pipeline.batch") == batch)
                {
                    spans.Add(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(activities);
        using var recorder = new MetricRecorder(telemetry.Images, telemetry.Findings, telemetry.Bytes, telemetry.DecodeDuration, telemetry.Duration);
        await storage.UploadAsync($"{batch}/secret-person-name.jpg", TestFiles.Jpeg());
        await storage.UploadAsync($"{batch}/cut.png", TestFiles.Truncate(TestFiles.Png()));

        await storage.Ingest.IngestAsync($"{batch}/secret-person-name.jpg", testTimeout);
        await storage.Ingest.IngestAsync($"{batch}/cut.png", testTimeout);
        await storage.Ingest.IngestAsync($"{batch}/cut.png", testTimeout); // a redelivery: a span, no new counts

        Assert.Equal(3, spans.Count);
        Assert.All(spans, s => Assert.Equal(ActivityKind.Consumer, s.Kind));
        Assert.Equal(["accepted", "rejected", "rejected"], spans.Select(s => (string)s.GetTagItem("pipeline.verdict")!).Order());
        Assert.Single(spans, s => s.GetTagItem("pipeline.redelivery") is true);
        Assert.All(spans.SelectMany(s => s.TagObjects), tag => Assert.DoesNotContain("secret-person-name", tag.Value?.ToString() ?? string.Empty, StringComparison.Ordinal));
        Assert.Contains(spans, s => ((string)s.GetTagItem("pipeline.finding_codes")!).Contains("image.truncated", StringComparison.Ordinal));

        var points = recorder.Points;
        double Sum(Instrument instrument, string? tag = null, string? value = null) =>
            points.Where(p => p.Instrument == instrument && (tag is null || Equals(p.Tags.GetValueOrDefault(tag), value))).Sum(p => p.Value);
        Assert.Equal(1, Sum(telemetry.Images, "pipeline.outcome", "accepted"));
        Assert.Equal(1, Sum(telemetry.Images, "pipeline.outcome", "rejected"));
        Assert.Equal(1, Sum(telemetry.Findings, "pipeline.finding.code", "image.truncated"));
        Assert.Equal(TestFiles.Jpeg().Length, Sum(telemetry.Bytes, "pipeline.outcome", "accepted"));
        Assert.Single(points, p => p.Instrument == telemetry.DecodeDuration); // the truncated file was never decoded
        Assert.Equal(2, points.Count(p => p.Instrument == telemetry.Duration));
    }
}
