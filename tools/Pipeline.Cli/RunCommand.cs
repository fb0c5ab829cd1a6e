using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Azure.Storage.Blobs;

namespace Pipeline.Cli;

/// <summary><c>pipeline run</c>: the whole pipeline on a folder.</summary>
internal static class RunCommand
{
    public static Command Run(TextWriter output, TextWriter error)
    {
        var endpoint = new Endpoint();
        var storage = new StorageTarget();
        var path = new Argument<string>("path") { Description = "The folder: images and their annotation files." };
        var dataset = ApiCommands.DatasetOption();
        var batch = ApiCommands.BatchOption("The batch name (default: {dataset}-{UTC time}).");
        var gate = new Option<string?>("--gate") { Description = "A gate file to set for the dataset first (docs/gates.md)." };
        var approveAs = new Option<string?>("--approve-as") { Description = "Approve the promotion as this person if the gate asks for approval (otherwise wait for 'pipeline approve')." };
        var trace = new Option<bool>("--trace") { Description = "Print the run's trace tree at the end: each upload's spans through ingest, label QA and promotion (local runner only)." };
        var timeoutMinutes = new Option<double>("--timeout-minutes") { Description = "Give up waiting for label QA and the promotion after this long (exit 4).", DefaultValueFactory = _ => 120 };
        var command = new Command("run", "The whole pipeline on a folder: upload, ingest, label QA, gate, promotion; writes the HTML reports. Starts Azurite and a runner when no --api is given.")
        {
            path, dataset, batch, gate, approveAs, timeoutMinutes, trace,
        };
        endpoint.AddTo(command);
        storage.AddTo(command);
        command.SetAction(async (parsed, ct) =>
        {
            var terminal = new Terminal(output, error, parsed.GetValue(endpoint.Json));
            var datasetName = parsed.GetValue(dataset)!;
            var batchName = parsed.GetValue(batch) ?? $"{datasetName}-{DateTime.UtcNow:yyyyMMddTHHmmssZ}";
            if (await UploadCommand.CheckPathAsync(terminal, parsed.GetValue(path)!) is { } usage)
            {
                return usage;
            }

            byte[]? gateBytes = null;
            if (parsed.GetValue(gate) is { } gatePath)
            {
                if (await GateFiles.ReadAsync(gatePath, error, ct) is not { } read)
                {
                    return PipelineCli.UsageError;
                }

                gateBytes = read.Bytes;
            }

            LocalStack? started;
            try
            {
                started = await LocalStack.StartAsync(terminal, endpoint.GivenApi(parsed), storage.ConnectionString(parsed), storage.Client(parsed), parsed.GetValue(endpoint.Home), ct);
            }
            catch (WorkspaceException ex)
            {
                await error.WriteLineAsync(ex.Message);
                return PipelineCli.ServiceError;
            }

            await using var stack = started;
            if (stack is null)
            {
                return PipelineCli.ServiceError;
            }

            if (parsed.GetValue(trace) && !stack.RunsHere)
            {
                await error.WriteLineAsync("--trace shows the spans of a runner in this process; this run uses one elsewhere (--api, or the workspace's 'pipeline up' stack): see its telemetry (Application Insights, or an OTLP collector), or run without it.");
                return PipelineCli.UsageError;
            }

            using var spans = parsed.GetValue(trace) ? new RunTrace() : null;

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(TimeSpan.FromMinutes(Math.Max(0.01, parsed.GetValue(timeoutMinutes))));
            try
            {
                return await Endpoint.GuardAsync(terminal, async () =>
                {
                    using var api = stack.Api ?? endpoint.Client(parsed);
                    var exit = await RunAsync(terminal, api, stack.Blobs ?? storage.Client(parsed)!, parsed.GetValue(path)!, datasetName, batchName, (parsed.GetValue(gate), gateBytes), parsed.GetValue(approveAs), deadline.Token);
                    if (spans is not null)
                    {
                        await (terminal.Json ? error : output).WriteLineAsync(spans.Render(batchName)); // stdout stays one JSON document with --json
                    }

                    return exit;
                });
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                await error.WriteLineAsync($"Gave up after {parsed.GetValue(timeoutMinutes)} minutes: see 'pipeline status --batch {batchName}' and 'pipeline status --dataset {datasetName}'.");
                return PipelineCli.ServiceError;
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(
        Terminal terminal, ApiClient api, BlobServiceClient blobs, string folder, string dataset, string batch, (string? Path, byte[]? Bytes) gate, string? approveAs, CancellationToken ct)
    {
        var started = Stopwatch.StartNew();
        if (gate is { Path: { } gatePath, Bytes: { } bytes })
        {
            await api.PutRawAsync($"datasets/{dataset}/gate", bytes, ct);
            await terminal.NoteAsync($"Gate {gatePath} set for '{dataset}'.");
        }

        var upload = await UploadCommand.UploadAsync(terminal, blobs, api, folder, batch, dataset, seal: true, ct);
        var verdicts = upload.Verdicts;
        await terminal.LineAsync(upload.Summary());
        if (upload.Failed.Count > 0)
        {
            await terminal.Error.WriteLineAsync($"The batch was not sealed: {upload.Failed.Count} files were not sent. Run 'pipeline upload {folder} --batch {batch} --dataset {dataset} --seal' to send the rest.");
            return PipelineCli.ServiceError;
        }

        // Label QA, started by the seal.
        JsonElement qa;
        while (true)
        {
            qa = await api.FindAsync($"batches/{Uri.EscapeDataString(batch)}/label-qa", ct) ?? default;
            var state = qa.ValueKind == JsonValueKind.Object ? qa.GetProperty("runtimeStatus").GetString() : null;
            if (state is "Completed" or "Failed" or "Terminated")
            {
                break;
            }

            if (qa.ValueKind == JsonValueKind.Object && qa.GetProperty("progress") is { ValueKind: JsonValueKind.Object } p)
            {
                terminal.Progress("label QA units", p.GetProperty("done").GetInt32(), p.GetProperty("total").GetInt32());
            }

            await Task.Delay(250, ct);
        }

        await terminal.LineAsync("Label QA: " + ApiCommands.DescribeStatus(qa).Replace(Environment.NewLine, "; ", StringComparison.Ordinal));

        // Gate and promotion of this batch.
        await api.PostAsync($"datasets/{dataset}/promotions", new { batches = new[] { batch }, requestedBy = "pipeline run" }, ct);
        var (outcome, message) = await WaitForPromotionAsync(terminal, api, dataset, approveAs, ct);
        var batchReport = await ApiCommands.WriteReportAsync(api, null, null, batch, null, ct);
        string? versionReport = null;
        if (outcome is "published" or "unchanged")
        {
            versionReport = await ApiCommands.WriteReportAsync(api, dataset, null, null, null, ct);
            await terminal.GoodAsync($"Promotion: {message}");
        }
        else
        {
            await terminal.BadAsync($"Promotion {outcome}: {message}");
        }

        await terminal.LineAsync($"Batch report: {batchReport}");
        if (versionReport is not null)
        {
            await terminal.LineAsync($"Version report: {versionReport}");
        }

        // The dataset's health after the run: the five pillars, as the hourly check would see them now.
        var health = await api.PostAsync($"datasets/{dataset}/health", null, ct);
        var healthStatus = health.GetProperty("status").GetString();
        var healthCodes = health.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("code").GetString()).Distinct().ToList();
        await terminal.LineAsync($"Dataset health: {healthStatus}" + (healthCodes.Count > 0 ? $" ({string.Join(", ", healthCodes)}); pipeline health --dataset {dataset} explains" : string.Empty));

        await terminal.NoteAsync($"Done in {started.Elapsed.TotalSeconds:0.0} s.");
        if (terminal.Json)
        {
            await terminal.Output.WriteLineAsync(JsonSerializer.Serialize(new
            {
                dataset, batch, outcome, message, files = verdicts.Count, accepted = verdicts.Count(v => v.Status == "accepted"), batchReport, versionReport,
                health = new { status = healthStatus, codes = healthCodes },
            }));
        }

        return outcome is "published" or "unchanged" ? PipelineCli.Accepted : PipelineCli.Rejected;
    }

    /// <summary>Follows the dataset's promotion to its end (approving as <paramref name="approveAs"/> when the gate asks and one is given); its outcome and message.</summary>
    internal static async Task<(string? Outcome, string? Message)> WaitForPromotionAsync(Terminal terminal, ApiClient api, string dataset, string? approveAs, CancellationToken ct)
    {
        JsonElement promotion;
        var approvalShown = false;
        while (true)
        {
            promotion = await api.GetAsync($"datasets/{dataset}/promotion", ct);
            var state = promotion.GetProperty("runtimeStatus").GetString();
            if (state is "Completed" or "Failed" or "Terminated")
            {
                break;
            }

            if (promotion.GetProperty("progress") is { ValueKind: JsonValueKind.Object } progress)
            {
                var stage = progress.GetProperty("stage").GetString();
                if (stage == "awaiting_approval" && !approvalShown)
                {
                    approvalShown = true;
                    if (approveAs is not null)
                    {
                        await api.PostAsync($"datasets/{dataset}/promotion/approve", new { approver = approveAs, comment = "approved with --approve-as" }, ct);
                        await terminal.NoteAsync($"The gate asked for approval; approved as {approveAs}.");
                    }
                    else
                    {
                        await terminal.LineAsync($"The gate asks for approval ({string.Join("; ", progress.GetProperty("approvalReasons").EnumerateArray().Select(r => r.GetString()))}).");
                        await terminal.LineAsync($"Waiting: pipeline approve --dataset {dataset} --as NAME --api {api.BaseUrl} (or reject).");
                    }
                }
                else if (promotion.TryGetProperty("chunksDone", out var chunks) && chunks.ValueKind == JsonValueKind.Number)
                {
                    terminal.Progress($"promotion: {stage}", chunks.GetInt32(), progress.GetProperty("chunks").GetInt32());
                }
            }

            await Task.Delay(250, ct);
        }

        var outcome = promotion.TryGetProperty("result", out var result) && result.ValueKind == JsonValueKind.Object ? result.GetProperty("outcome").GetString() : "failed";
        var message = result.ValueKind == JsonValueKind.Object ? result.GetProperty("message").GetString() : promotion.GetProperty("failure").GetString();
        return (outcome, message);
    }
}
