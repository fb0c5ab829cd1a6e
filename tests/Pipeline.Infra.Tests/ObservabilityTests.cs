using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Core.Telemetry;

namespace Pipeline.Infra.Tests;

/// <summary>The workbook and alert rules as deployed: present, wired to the right resources, and reading metrics the app really emits.</summary>
public sealed partial class ObservabilityTests
{
    private static readonly Snapshot Deployed = Snapshot.Load("default");

    [Fact]
    public void The_workbook_reads_application_insights_and_shows_throughput_rejects_qa_gates_and_the_five_pillars()
    {
        var workbook = Deployed.Single("Microsoft.Insights/workbooks");
        Assert.Equal("shared", (string?)workbook["kind"]);
        Assert.Contains(".outputs.applicationInsightsId.value", (string)Snapshot.At(workbook, "properties.sourceId")!, StringComparison.Ordinal);
        var data = JsonNode.Parse((string)Snapshot.At(workbook, "properties.serializedData")!)!;
        Assert.Equal("Notebook/1.0", (string?)data["version"]);
        var titles = data["items"]!.AsArray().Select(i => (string?)Snapshot.At(i, "content.title") ?? (string?)Snapshot.At(i, "content.json") ?? string.Empty).ToList();
        foreach (var section in new[] { "throughput", "Rejects", "Label", "Gate", "Freshness", "Volume", "Distribution", "Schema", "Lineage", "Stuck" })
        {
            Assert.Contains(titles, t => t.Contains(section, StringComparison.OrdinalIgnoreCase));
        }
    }

    [Fact]
    public void Alert_rules_cover_ingest_failures_poison_messages_stale_datasets_drift_and_stuck_orchestrations()
    {
        var rules = Deployed.OfType("Microsoft.Insights/scheduledQueryRules").ToDictionary(Snapshot.Name);
        Assert.Equal(
            ["alert-pipeline-data-drift", "alert-pipeline-ingest-failures", "alert-pipeline-poison-messages", "alert-pipeline-stale-dataset", "alert-pipeline-stuck-orchestrations"],
            rules.Keys.Order(StringComparer.Ordinal));
        foreach (var rule in rules.Values)
        {
            Assert.True((bool)Snapshot.At(rule, "properties.enabled")!);
            Assert.Contains(".outputs.applicationInsightsId.value", (string)Snapshot.At(rule, "properties.scopes")![0]!, StringComparison.Ordinal);
            var criterion = Snapshot.At(rule, "properties.criteria.allOf")![0]!;
            Assert.Equal(("GreaterThan", 0.0), ((string)criterion["operator"]!, (double)criterion["threshold"]!));
            Assert.Contains("summarize total", (string)criterion["query"]!, StringComparison.Ordinal);
        }

        Assert.Contains("6 hours", (string)Snapshot.At(rules["alert-pipeline-stuck-orchestrations"], "properties.description")!, StringComparison.Ordinal);
        var settings = Deployed.OfType("Microsoft.Web/sites/config").Single(r => Snapshot.Name(r).EndsWith("/appsettings", StringComparison.Ordinal));
        Assert.Equal("6", (string?)Snapshot.At(settings, "properties.Pipeline__Health__StuckAfterHours"));

        // Event Grid's dead-lettered deliveries are poison messages too.
        var deadLetters = Deployed.Single("Microsoft.Insights/metricAlerts");
        Assert.Contains("/providers/Microsoft.EventGrid/systemTopics/", (string)Snapshot.At(deadLetters, "properties.scopes")![0]!, StringComparison.Ordinal);
        Assert.Equal("DeadLetteredCount", (string?)Snapshot.At(deadLetters, "properties.criteria.allOf")![0]!["metricName"]);
    }

    [Fact]
    public void Every_metric_the_workbook_and_alerts_query_is_one_the_app_emits_and_every_one_it_emits_is_documented()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var telemetry = new PipelineTelemetry(services.GetRequiredService<IMeterFactory>());
        var emitted = typeof(PipelineTelemetry).GetProperties().Where(p => typeof(Instrument).IsAssignableFrom(p.PropertyType))
            .Select(p => ((Instrument)p.GetValue(telemetry)!).Name).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("pipeline.dataset.freshness", emitted);

        var workbook = File.ReadAllText(Path.Combine(BicepCli.Infra, "workbooks", "pipeline.workbook.json"));
        var alerts = File.ReadAllText(Path.Combine(BicepCli.Infra, "modules", "observability.bicep"));
        var queried = MetricName().Matches(workbook + alerts).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        string[] pillarsAndOutcomes =
        [
            "pipeline.ingest.images", "pipeline.ingest.findings", "pipeline.labelqa.findings", "pipeline.gate.evaluations", "pipeline.runs",
            "pipeline.dataset.freshness", "pipeline.dataset.volume", "pipeline.dataset.drift", "pipeline.dataset.schema.changes",
            "pipeline.dataset.pending", "pipeline.dataset.health.findings", "pipeline.orchestrations.stuck",
        ];
        Assert.Empty(pillarsAndOutcomes.Except(queried));
        Assert.Empty(queried.Except(emitted));

        var docs = File.ReadAllText(Path.Combine(BicepCli.Infra, "..", "docs", "observability.md"));
        Assert.Equal([], emitted.Where(name => !docs.Contains($"`{name}`", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
    }

    [GeneratedRegex("""name == \\?"(pipeline\.[a-z0-9._]+)""")]
    private static partial Regex MetricName();
}
