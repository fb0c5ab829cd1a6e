using System.Diagnostics;
using Azure.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Pipeline.Testing;

namespace Pipeline.Storage.Tests;

/// <summary>The one telemetry set-up, exported to OpenTelemetry's in-memory exporter.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class TelemetrySetupTests(AzuriteFixture azurite)
{
    /// <summary>This test's time window (a new class instance per test).</summary>
    private readonly CancellationToken testTimeout = TestTimeout.Start();

    [Fact]
    public async Task An_ingest_reaches_the_exporters_as_a_span_and_metric_points()
    {
        var spans = new List<Activity>();
        var metrics = new List<Metric>();
        var empty = new ConfigurationBuilder().Build();
        await using var storage = azurite.CreateStorage(services: services => services.AddPipelineTelemetry(empty)
            .WithTracing(t => t.AddInMemoryExporter(spans))
            .WithMetrics(m => m.AddInMemoryExporter(metrics)));
        using var tracer = storage.Services.GetRequiredService<TracerProvider>();
        using var meter = storage.Services.GetRequiredService<MeterProvider>();
        var batch = "otel" + Guid.NewGuid().ToString("N")[..8];
        await storage.UploadAsync($"{batch}/a.png", TestFiles.Png());

        await storage.Ingest.IngestAsync($"{batch}/a.png", testTimeout);
        tracer.ForceFlush();
        meter.ForceFlush();

        var span = Assert.Single(spans, s => (string?)s.GetTagItem("pipeline.batch") == batch);
        Assert.Equal("ingest", span.DisplayName);
        Assert.Equal("accepted", span.GetTagItem("pipeline.verdict"));
        Assert.Contains(metrics, m => m.Name == "pipeline.ingest.images" && m.Unit == "{image}");
        Assert.Contains(metrics, m => m.Name == "pipeline.ingest.decode.duration" && m.Unit == "s");
    }

    [Fact]
    public void Azure_Monitor_is_added_only_with_a_connection_string_and_authenticates_with_the_named_identity()
    {
        static int AzureMonitorRegistrations(Dictionary<string, string?> settings)
        {
            var services = new ServiceCollection();
            services.AddPipelineTelemetry(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
            return services.Count(d => (d.ImplementationType ?? d.ServiceType).FullName!.Contains("AzureMonitor", StringComparison.Ordinal)
                || d.ImplementationFactory?.Method.DeclaringType?.FullName?.Contains("AzureMonitor", StringComparison.Ordinal) == true);
        }

        Assert.Equal(0, AzureMonitorRegistrations([]));
        Assert.True(AzureMonitorRegistrations(new() { ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://127.0.0.1/" }) > 0);
        Assert.IsType<ManagedIdentityCredential>(TelemetryServiceCollectionExtensions.AppInsightsCredential("ClientId=11111111-1111-1111-1111-111111111111;Authorization=AAD"));
        Assert.IsType<DefaultAzureCredential>(TelemetryServiceCollectionExtensions.AppInsightsCredential(null));
    }
}
