using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Pipeline.Core.Findings;

namespace Pipeline.Cli;

/// <summary>The commands that complete the job from the CLI: <c>promote</c>, <c>gate show|set</c>, <c>datasets</c>, <c>catalog</c>.</summary>
internal static class DatasetCommands
{
    public static IEnumerable<Command> Create(TextWriter output, TextWriter error)
    {
        yield return Promote(output, error);
        yield return Gate(output, error);
        yield return Datasets(output, error);
        yield return Catalog(output, error);
    }

    private static string Escaped(string name) => Uri.EscapeDataString(name);

    private static Command Promote(TextWriter output, TextWriter error)
    {
        var endpoint = new Endpoint();
        var dataset = ApiCommands.DatasetOption();
        var batches = new Option<string[]>("--batch") { Description = "Only these batches (repeat the option); default: every batch of the dataset not yet wholly published.", AllowMultipleArgumentsPerToken = true };
        batches.Validators.Add(result =>
        {
            foreach (var problem in (result.GetValueOrDefault<string[]>() ?? []).Select(Pipeline.Core.Ingest.BlobNames.BatchProblem).OfType<string>())
            {
                result.AddError($"--batch: {problem}");
            }
        });
        var wait = new Option<bool>("--wait") { Description = "Follow the promotion to its end; exit 0 when published (or nothing changed), 1 when the gate failed, it was rejected or timed out." };
        var approveAs = new Option<string?>("--approve-as") { Description = "With --wait: approve as this person if the gate asks for approval." };
        var command = new Command("promote", "Start a promotion of the dataset's staged images through its gate; with --wait, follow it to the end.") { dataset, batches, wait, approveAs };
        endpoint.SetAction(command, output, error, async (parsed, api, terminal, ct) =>
        {
            var name = parsed.GetValue(dataset)!;
            var chosen = parsed.GetValue(batches) is { Length: > 0 } b ? b : null;
            var started = await api.PostAsync($"datasets/{Escaped(name)}/promotions", new { batches = chosen, requestedBy = Environment.UserName }, ct);
            if (!parsed.GetValue(wait))
            {
                await ApiCommands.PrintAsync(terminal, started, () => $"Promotion of '{name}' started ({started.GetProperty("instanceId").GetString()}); follow it with: pipeline status --dataset {name}");
                return PipelineCli.Accepted;
            }

            var (outcome, message) = await RunCommand.WaitForPromotionAsync(terminal, api, name, parsed.GetValue(approveAs), ct);
            var ok = outcome is "published" or "unchanged";
            if (terminal.Json)
            {
                await terminal.Output.WriteLineAsync(JsonSerializer.Serialize(new { dataset = name, outcome, message }));
            }
            else if (ok)
            {
                await terminal.GoodAsync($"Promotion: {message}");
            }
            else
            {
                await terminal.BadAsync($"Promotion {outcome}: {message}");
            }

            return ok ? PipelineCli.Accepted : PipelineCli.Rejected;
        });
        return command;
    }

    private static Command Gate(TextWriter output, TextWriter error)
    {
        var showEndpoint = new Endpoint();
        var showDataset = ApiCommands.DatasetOption();
        var show = new Command("show", "Print the gate in force for the dataset (the built-in default when it has none).") { showDataset };
        showEndpoint.SetAction(show, output, error, async (parsed, api, terminal, ct) =>
        {
            var gate = await api.GetAsync($"datasets/{Escaped(parsed.GetValue(showDataset)!)}/gate", ct);
            await terminal.Output.WriteLineAsync(JsonSerializer.Serialize(gate, new JsonSerializerOptions { WriteIndented = true }));
            return PipelineCli.Accepted;
        });

        var setEndpoint = new Endpoint();
        var setDataset = ApiCommands.DatasetOption();
        var file = new Argument<string>("file") { Description = "The gate file (docs/gates.md; schemas/gate.schema.json)." };
        var set = new Command("set", "Check a gate file against the gate's rules (every problem listed, nothing sent when one is found), then set it for the dataset.") { setDataset, file };
        setEndpoint.SetAction(set, output, error, async (parsed, api, terminal, ct) =>
        {
            if (await GateFiles.ReadAsync(parsed.GetValue(file)!, error, ct) is not { } read)
            {
                return PipelineCli.UsageError;
            }

            var answer = await api.PutRawAsync($"datasets/{Escaped(parsed.GetValue(setDataset)!)}/gate", read.Bytes, ct);
            await ApiCommands.PrintAsync(terminal, answer, () => $"Gate version {read.Gate.Version} ({read.Gate.Expectations.Count} expectation(s)) set for '{parsed.GetValue(setDataset)}'; the next promotion is judged by it.");
            return PipelineCli.Accepted;
        });
        return new Command("gate", "The dataset's quality gate: show the one in force, or set a file.") { show, set };
    }

    private static Command Datasets(TextWriter output, TextWriter error)
    {
        var endpoint = new Endpoint();
        var command = new Command("datasets", "Every dataset: its current version, batches, last ingest and health.");
        endpoint.SetAction(command, output, error, async (parsed, api, terminal, ct) =>
        {
            var list = await api.GetAsync("datasets", ct);
            await ApiCommands.PrintAsync(terminal, list, () =>
            {
                var rows = list.GetProperty("datasets").EnumerateArray().Select(d =>
                {
                    var current = d.GetProperty("current") is { ValueKind: JsonValueKind.Number } c ? $"v{c.GetInt32()}" : "–";
                    var ingest = d.GetProperty("lastIngest") is { ValueKind: JsonValueKind.String } i ? i.GetDateTimeOffset().UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) : "–";
                    var health = d.GetProperty("health") is { ValueKind: JsonValueKind.Object } h ? h.GetProperty("status").GetString() : "not checked";
                    return $"{d.GetProperty("dataset").GetString(),-24} {current,8} {d.GetProperty("batches").GetInt32(),8:N0}  {ingest,-16}  {health}";
                }).ToList();
                return rows.Count == 0
                    ? "No dataset yet: upload a folder with 'pipeline run' or 'pipeline upload'."
                    : $"{"dataset",-24} {"current",8} {"batches",8}  {"last ingest (UTC)",-16}  health" + Environment.NewLine + string.Join(Environment.NewLine, rows);
            });
            return PipelineCli.Accepted;
        });
        return command;
    }

    private static Command Catalog(TextWriter output, TextWriter error)
    {
        var endpoint = new Endpoint();
        var dataset = ApiCommands.DatasetOption();
        var batch = ApiCommands.BatchOption("Only this batch (faster: without it, every batch of the dataset is read).");
        var finding = new Option<string?>("--finding") { Description = "Images with this finding code (image.blurry) or family (image.*), under the newest rules." };
        finding.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } code && !CodePatterns.IsValid(code))
            {
                result.AddError($"--finding: '{code}' is not a finding code (image.blurry) or a family (image.*).");
            }
        });
        var label = new Option<string?>("--label") { Description = "Images of the current version with a box of this label." };
        var status = new Option<string?>("--status") { Description = "accepted or rejected." };
        OneOf(status, "accepted", "rejected", "failed");
        var format = new Option<string?>("--format") { Description = "table, csv or json.", DefaultValueFactory = _ => "table" };
        OneOf(format, "table", "csv", "json");
        var limit = new Option<int>("--limit") { Description = "At most this many images (1 to 10,000).", DefaultValueFactory = _ => 1000 };
        limit.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 10_000)
            {
                result.AddError("--limit: a whole number from 1 to 10,000.");
            }
        });
        var command = new Command("catalog", "Find a dataset's images by what the pipeline knows of them: batch, verdict, finding, label.") { dataset, batch, finding, label, status, format, limit };
        endpoint.SetAction(command, output, error, async (parsed, api, terminal, ct) =>
        {
            var query = new StringBuilder($"datasets/{Escaped(parsed.GetValue(dataset)!)}/catalog?limit={parsed.GetValue(limit)}");
            foreach (var (key, value) in new[] { ("batch", parsed.GetValue(batch)), ("status", parsed.GetValue(status)), ("finding", parsed.GetValue(finding)), ("label", parsed.GetValue(label)) })
            {
                if (value is not null)
                {
                    query.Append(CultureInfo.InvariantCulture, $"&{key}={Escaped(value)}");
                }
            }

            var answer = await api.GetAsync(query.ToString(), ct);
            var images = answer.GetProperty("images").EnumerateArray().ToList();
            var chosen = terminal.Json ? "json" : parsed.GetValue(format);
            if (chosen == "json")
            {
                await terminal.Output.WriteLineAsync(JsonSerializer.Serialize(answer, new JsonSerializerOptions { WriteIndented = true }));
                return PipelineCli.Accepted;
            }

            static string Codes(JsonElement image) => string.Join(' ', image.GetProperty("findings").EnumerateArray().Select(f => f.GetString()));
            if (chosen == "csv")
            {
                await terminal.Output.WriteLineAsync("name,batch,status,sha256,format,width,height,findings,ingestedAt,promoted");
                foreach (var i in images)
                {
                    string[] cells =
                    [
                        i.GetProperty("name").GetString()!, i.GetProperty("batch").GetString()!, i.GetProperty("status").GetString()!, i.GetProperty("sha256").GetString()!,
                        i.GetProperty("format").GetString()!, i.GetProperty("width").ToString(), i.GetProperty("height").ToString(), Codes(i),
                        i.GetProperty("ingestedAt").GetString()!, i.GetProperty("promoted").ValueKind == JsonValueKind.String ? i.GetProperty("promoted").GetString()! : string.Empty,
                    ];
                    await terminal.Output.WriteLineAsync(string.Join(',', cells.Select(Csv)));
                }
            }
            else
            {
                foreach (var i in images)
                {
                    await terminal.Output.WriteLineAsync($"{i.GetProperty("status").GetString(),-9} {i.GetProperty("name").GetString()}  {Codes(i)}");
                }

                await terminal.Output.WriteLineAsync($"{images.Count:N0} image(s){(answer.GetProperty("truncated").GetBoolean() ? $", more not listed (raise --limit or narrow the filters)" : string.Empty)}.");
            }

            return PipelineCli.Accepted;
        });
        return command;
    }

    /// <summary>Refuses any value but <paramref name="allowed"/>, naming the option (exit 2).</summary>
    private static void OneOf(Option<string?> option, params string[] allowed) =>
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } value && !allowed.Contains(value, StringComparer.Ordinal))
            {
                result.AddError($"{option.Name}: '{value}' is not one of {string.Join(", ", allowed)}.");
            }
        });

    /// <summary>A CSV cell (RFC 4180), with a leading formula character neutralised so a spreadsheet does not run it.</summary>
    private static string Csv(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@')
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
    }
}
