using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace Pipeline.Cli;

/// <summary><c>pipeline health</c> and <c>pipeline backfill</c>: the data's five pillars, and the current rules over old data.</summary>
internal static class MaintenanceCommands
{
    /// <summary>Checks a dataset now (or prints its history); exit 1 when a warning or error finding stands.</summary>
    public static Command Health(TextWriter output, TextWriter error)
    {
        var endpoint = new Endpoint();
        var dataset = ApiCommands.DatasetOption();
        var history = new Option<int?>("--history") { Description = "Instead of checking now, list the checks of the last N hours." };
        var command = new Command("health", "Check a dataset's freshness, volume, distribution, schema and lineage now; exit 1 when a finding stands.") { dataset, history };
        endpoint.SetAction(command, output, error, async (parsed, api, terminal, ct) =>
        {
            var name = parsed.GetValue(dataset)!;
            if (parsed.GetValue(history) is { } hours)
            {
                var series = await api.GetAsync($"datasets/{name}/health?hours={hours.ToString(CultureInfo.InvariantCulture)}", ct);
                await ApiCommands.PrintAsync(terminal, series, () => string.Join(Environment.NewLine, series.GetProperty("points").EnumerateArray().Select(p =>
                    $"{p.GetProperty("at").GetDateTimeOffset().UtcDateTime:yyyy-MM-dd HH:mm}  {p.GetProperty("status").GetString(),-9}  {Codes(p.GetProperty("snapshot"))}")));
                return PipelineCli.Accepted;
            }

            var snapshot = await api.PostAsync($"datasets/{name}/health", null, ct);
            await ApiCommands.PrintAsync(terminal, snapshot, () => Describe(snapshot));
            return snapshot.GetProperty("findings").EnumerateArray().Any(f => f.GetProperty("severity").GetString() is "warning" or "error")
                ? PipelineCli.Rejected
                : PipelineCli.Accepted;
        });
        return command;
    }

    /// <summary>Starts a backfill and, with --wait, follows it to its report; exit 1 when the gate's verdict would change.</summary>
    public static Command Backfill(TextWriter output, TextWriter error)
    {
        var endpoint = new Endpoint();
        var dataset = ApiCommands.DatasetOption();
        var wait = new Option<bool>("--wait") { Description = "Follow the backfill until it ends and print its report." };
        var chunk = new Option<int?>("--chunk-size") { Description = "Images per chunk (1–1000, default 200)." };
        var command = new Command("backfill", "Re-run the current image rules over a dataset's staged and published images; the findings go beside the old ones.") { dataset, wait, chunk };
        endpoint.SetAction(command, output, error, async (parsed, api, terminal, ct) =>
        {
            var name = parsed.GetValue(dataset)!;
            var started = await api.PostAsync($"datasets/{name}/backfill", new { chunkSize = parsed.GetValue(chunk) }, ct);
            if (!parsed.GetValue(wait))
            {
                await ApiCommands.PrintAsync(terminal, started, () => $"Started {started.GetProperty("instanceId").GetString()}; GET /api/datasets/{name}/backfill shows its progress and report.");
                return PipelineCli.Accepted;
            }

            while (true)
            {
                var status = await api.GetAsync($"datasets/{name}/backfill", ct);
                var runtime = status.GetProperty("runtimeStatus").GetString();
                if (status.TryGetProperty("progress", out var progress) && progress.ValueKind == JsonValueKind.Object)
                {
                    terminal.Progress("chunks", progress.GetProperty("chunksDone").GetInt32(), progress.GetProperty("chunks").GetInt32());
                }

                if (runtime is "Completed" or "Failed" or "Terminated")
                {
                    await ApiCommands.PrintAsync(terminal, status, () => status.TryGetProperty("report", out var r) && r.ValueKind == JsonValueKind.Object
                        ? r.GetProperty("summary").GetString()!
                        : $"{runtime}: {(status.TryGetProperty("failure", out var f) ? f.GetString() : string.Empty)}");
                    if (runtime != "Completed")
                    {
                        return PipelineCli.ServiceError;
                    }

                    var report = status.GetProperty("report");
                    return report.TryGetProperty("gate", out var gate) && gate.ValueKind == JsonValueKind.Object && gate.GetProperty("verdictChanged").GetBoolean()
                        ? PipelineCli.Rejected
                        : PipelineCli.Accepted;
                }

                await Task.Delay(TimeSpan.FromSeconds(1), ct);
            }
        });
        return command;
    }

    private static string Describe(JsonElement s)
    {
        var f = s.GetProperty("freshness");
        var v = s.GetProperty("volume");
        var d = s.GetProperty("distribution");
        var l = s.GetProperty("lineage");
        string Hours(JsonElement e, string p) => e.GetProperty(p).ValueKind == JsonValueKind.Number ? $"{e.GetProperty(p).GetDouble():0.#} h" : "none";
        var lines = new List<string>
        {
            $"{s.GetProperty("dataset").GetString()}: {s.GetProperty("status").GetString()}",
            $"freshness     newest image {Hours(f, "imageAgeHours")} old, newest labels {Hours(f, "labelAgeHours")} old (expected every {f.GetProperty("cadenceHours").GetDouble():0.#} h)",
            $"volume        {v.GetProperty("images").GetInt64():N0} images in the last {v.GetProperty("windowHours").GetInt32()} h"
                + (v.GetProperty("baselineImages").ValueKind == JsonValueKind.Number ? $" (baseline {v.GetProperty("baselineImages").GetDouble():N0})" : " (no baseline yet)"),
            $"distribution  " + (d.GetProperty("againstVersion").ValueKind == JsonValueKind.Number
                ? $"largest PSI against version {d.GetProperty("againstVersion").GetInt32()}: classes {d.GetProperty("maxClassPsi").GetDouble():0.###}, quality {d.GetProperty("maxQualityPsi").GetDouble():0.###}"
                : "nothing published to compare with"),
            $"schema        {s.GetProperty("schema").GetProperty("changes").GetArrayLength()} change(s) awaiting promotion",
            $"lineage       " + (l.GetProperty("currentVersion").ValueKind == JsonValueKind.Number ? $"version {l.GetProperty("currentVersion").GetInt32()}" : "no version")
                + $", {l.GetProperty("pendingImages").GetInt64():N0} images in {l.GetProperty("pendingBatches").GetInt32()} batch(es) awaiting promotion",
        };
        lines.AddRange(s.GetProperty("findings").EnumerateArray().Select(x => $"  {x.GetProperty("severity").GetString()} {x.GetProperty("code").GetString()}: {x.GetProperty("message").GetString()}"));
        return string.Join(Environment.NewLine, lines);
    }

    private static string Codes(JsonElement snapshot) =>
        string.Join(' ', snapshot.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("code").GetString()).Distinct());
}
