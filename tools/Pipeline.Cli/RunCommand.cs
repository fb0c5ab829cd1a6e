using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Pipeline.Core.Ingest;
using Pipeline.Storage;

namespace Pipeline.Cli;

/// <summary><c>pipeline upload</c> and <c>pipeline run</c>: files into <c>incoming</c>, and the whole pipeline on a folder.</summary>
internal static class RunCommand
{
    /// <summary>Where a command uploads: a connection string, or a blob service URL reached with DefaultAzureCredential.</summary>
    private sealed class StorageTarget
    {
        public Option<string?> Connection { get; } = new("--connection") { Description = "Storage connection string (default: PipelineStorage or PIPELINE_STORAGE_CONNECTION)." };

        public Option<string?> BlobUrl { get; } = new("--blob-url") { Description = "Blob service URL of the storage account, reached with DefaultAzureCredential (Azure)." };

        public void AddTo(Command command)
        {
            command.Add(Connection);
            command.Add(BlobUrl);
        }

        public string? ConnectionString(ParseResult parsed) =>
            parsed.GetValue(Connection) ?? Environment.GetEnvironmentVariable(PipelineStorageOptions.ConnectionName) ?? Environment.GetEnvironmentVariable("PIPELINE_STORAGE_CONNECTION");

        public BlobServiceClient? Client(ParseResult parsed) =>
            parsed.GetValue(BlobUrl) is { } url ? new BlobServiceClient(new Uri(url), new DefaultAzureCredential())
            : ConnectionString(parsed) is { Length: > 0 } cs ? StorageConnection.FromConnectionString(cs).CreateBlobServiceClient()
            : null;
    }

    public static Command Upload(TextWriter output, TextWriter error)
    {
        var endpoint = new Endpoint();
        var storage = new StorageTarget();
        var path = new Argument<string>("path") { Description = "A file, or a folder uploaded recursively (images and annotation files)." };
        var batch = new Option<string>("--batch") { Description = "The batch: the first path segment in incoming.", Required = true };
        var dataset = ApiCommands.DatasetOption(required: false);
        var seal = new Option<bool>("--seal") { Description = "Seal the batch afterwards (an empty _SEALED blob): its label QA starts." };
        var command = new Command("upload", "Upload files to incoming/{batch}/; the local runner is told of each as Event Grid tells the function app.") { path, batch, dataset, seal };
        endpoint.AddTo(command);
        storage.AddTo(command);
        command.SetAction(async (parsed, ct) =>
        {
            var terminal = new Terminal(output, error, parsed.GetValue(endpoint.Json));
            if (await CheckNamesAsync(terminal, parsed.GetValue(batch)!, parsed.GetValue(dataset), parsed.GetValue(path)!) is { } usage)
            {
                return usage;
            }

            if (storage.Client(parsed) is not { } blobs)
            {
                await error.WriteLineAsync("No storage: pass --connection or --blob-url, or set PipelineStorage.");
                return PipelineCli.UsageError;
            }

            return await Endpoint.GuardAsync(terminal, async () =>
            {
                using var api = endpoint.Client(parsed);
                var verdicts = await UploadAsync(terminal, blobs, api, parsed.GetValue(path)!, parsed.GetValue(batch)!, parsed.GetValue(dataset), parsed.GetValue(seal), ct);
                await ApiCommands.PrintAsync(terminal, JsonSerializer.SerializeToElement(new { batch = parsed.GetValue(batch), files = verdicts.Count, verdicts }), () => Summary(verdicts));
                return PipelineCli.Accepted;
            });
        });
        return command;
    }

    public static Command Run(TextWriter output, TextWriter error)
    {
        var endpoint = new Endpoint();
        var storage = new StorageTarget();
        var path = new Argument<string>("path") { Description = "The folder: images and their annotation files." };
        var dataset = ApiCommands.DatasetOption();
        var batch = new Option<string?>("--batch") { Description = "The batch name (default: {dataset}-{UTC time})." };
        var gate = new Option<string?>("--gate") { Description = "A gate file to set for the dataset first (docs/gates.md)." };
        var approveAs = new Option<string?>("--approve-as") { Description = "Approve the promotion as this person if the gate asks for approval (otherwise wait for 'pipeline approve')." };
        var timeoutMinutes = new Option<double>("--timeout-minutes") { Description = "Give up waiting for label QA and the promotion after this long (exit 4).", DefaultValueFactory = _ => 120 };
        var command = new Command("run", "The whole pipeline on a folder: upload, ingest, label QA, gate, promotion; writes the HTML reports. Starts Azurite and a runner when no --api is given.")
        {
            path, dataset, batch, gate, approveAs, timeoutMinutes,
        };
        endpoint.AddTo(command);
        storage.AddTo(command);
        command.SetAction(async (parsed, ct) =>
        {
            var terminal = new Terminal(output, error, parsed.GetValue(endpoint.Json));
            var datasetName = parsed.GetValue(dataset)!;
            var batchName = parsed.GetValue(batch) ?? $"{datasetName}-{DateTime.UtcNow:yyyyMMddTHHmmssZ}";
            if (await CheckNamesAsync(terminal, batchName, datasetName, parsed.GetValue(path)!) is { } usage)
            {
                return usage;
            }

            await using var stack = await LocalStack.StartAsync(terminal, parsed.GetValue(endpoint.Api), storage.ConnectionString(parsed), storage.Client(parsed), ct);
            if (stack is null)
            {
                return PipelineCli.ServiceError;
            }

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(TimeSpan.FromMinutes(Math.Max(0.01, parsed.GetValue(timeoutMinutes))));
            try
            {
                return await Endpoint.GuardAsync(terminal, async () =>
                {
                    using var api = stack.Api ?? endpoint.Client(parsed);
                    return await RunAsync(terminal, api, stack.Blobs ?? storage.Client(parsed)!, parsed.GetValue(path)!, datasetName, batchName, parsed.GetValue(gate), parsed.GetValue(approveAs), deadline.Token);
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

    private static async Task<int> RunAsync(Terminal terminal, ApiClient api, BlobServiceClient blobs, string folder, string dataset, string batch, string? gate, string? approveAs, CancellationToken ct)
    {
        var started = Stopwatch.StartNew();
        if (gate is not null)
        {
            await api.PutRawAsync($"datasets/{dataset}/gate", await File.ReadAllBytesAsync(gate, ct), ct);
            await terminal.NoteAsync($"Gate {gate} set for '{dataset}'.");
        }

        var verdicts = await UploadAsync(terminal, blobs, api, folder, batch, dataset, seal: true, ct);
        await terminal.LineAsync(Summary(verdicts));

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
                        await api.PostAsync($"datasets/{dataset}/promotion/approve", new { approver = approveAs, comment = "approved by pipeline run --approve-as" }, ct);
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

    /// <summary>The incoming container, as configured for the runner and the function app (<c>Pipeline__Storage__IncomingContainer</c>).</summary>
    private static string IncomingContainer =>
        Environment.GetEnvironmentVariable("Pipeline__Storage__IncomingContainer") ?? new PipelineStorageOptions().IncomingContainer;

    internal sealed record Verdict(string Name, string Status, IReadOnlyList<string> Codes);

    /// <summary>Uploads the files (with the dataset as metadata), tells a local runner of each, and optionally seals the batch.</summary>
    private static async Task<List<Verdict>> UploadAsync(Terminal terminal, BlobServiceClient blobs, ApiClient api, string path, string batch, string? dataset, bool seal, CancellationToken ct)
    {
        var (images, labels, _) = FileSet.Collect(path);
        var files = images.Concat(labels).ToList();
        var incoming = blobs.GetBlobContainerClient(IncomingContainer);
        await incoming.CreateIfNotExistsAsync(cancellationToken: ct);
        var verdicts = new Verdict?[files.Count];
        var done = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, files.Count), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct }, async (i, token) =>
        {
            var name = $"{batch}/{files[i].RelativePath}";
            await using (var stream = File.OpenRead(files[i].FullPath))
            {
                await incoming.GetBlobClient(name).UploadAsync(stream, new BlobUploadOptions { Metadata = dataset is null ? null : new Dictionary<string, string> { ["dataset"] = dataset } }, token);
            }

            verdicts[i] = await NotifyAsync(api, name, token) ?? new Verdict(name, "uploaded", []);
            terminal.Progress("upload and ingest", Interlocked.Increment(ref done), files.Count);
        });

        if (seal)
        {
            var marker = $"{batch}/{BlobNames.SealMarker}";
            await incoming.GetBlobClient(marker).UploadAsync(BinaryData.FromBytes([]), overwrite: true, ct);
            await NotifyAsync(api, marker, ct);
        }

        return [.. verdicts.OfType<Verdict>()];
    }

    /// <summary>Tells a local runner of an upload (in Azure, Event Grid does); returns the verdict it gives.</summary>
    private static async Task<Verdict?> NotifyAsync(ApiClient api, string name, CancellationToken ct)
    {
        if (!api.IsLocal)
        {
            return null;
        }

        var answer = await api.PostAsync("events/blob-created", new[] { new { eventType = "Microsoft.Storage.BlobCreated", subject = $"/blobServices/default/containers/{IncomingContainer}/blobs/{name}" } }, ct);
        return answer.TryGetProperty("verdicts", out var verdicts) && verdicts.GetArrayLength() > 0
            ? JsonSerializer.Deserialize<Verdict>(verdicts[0].GetRawText(), Pipeline.Core.PipelineJson.Options)
            : null;
    }

    private static string Summary(IReadOnlyList<Verdict> verdicts)
    {
        var lines = new List<string> { $"{verdicts.Count} files: {verdicts.Count(v => v.Status == "accepted")} accepted, {verdicts.Count(v => v.Status == "rejected")} rejected" };
        lines.AddRange(verdicts.Where(v => v.Status == "rejected").Select(v => $"  rejected {v.Name}: {string.Join(", ", v.Codes)}"));
        return string.Join(Environment.NewLine, lines);
    }

    private static async Task<int?> CheckNamesAsync(Terminal terminal, string batch, string? dataset, string path)
    {
        if (BlobNames.Check(batch + "/x") is not null || batch.Contains('/', StringComparison.Ordinal))
        {
            await terminal.Error.WriteLineAsync($"'{batch}' cannot be a batch name: use one path segment without '..' or control characters.");
            return PipelineCli.UsageError;
        }

        if (dataset is not null && !DatasetNames.IsValid(dataset))
        {
            await terminal.Error.WriteLineAsync($"'{dataset}' cannot be a dataset name: use lowercase letters, digits and hyphens.");
            return PipelineCli.UsageError;
        }

        if (!File.Exists(path) && !Directory.Exists(path))
        {
            await terminal.Error.WriteLineAsync($"No such file or folder: {path}");
            return PipelineCli.UsageError;
        }

        return null;
    }
}
