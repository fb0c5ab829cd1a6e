using System.CommandLine;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Azure;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Pipeline.Core.Ingest;
using Pipeline.Storage;

namespace Pipeline.Cli;

/// <summary>Where a command uploads: a connection string, or a blob service URL reached with DefaultAzureCredential.</summary>
internal sealed class StorageTarget
{
    public Option<string?> Connection { get; } = new("--connection") { Description = "Storage connection string (default: PipelineStorage or PIPELINE_STORAGE_CONNECTION)." };

    public Option<string?> BlobUrl { get; } = new("--blob-url") { Description = "Blob service URL of the storage account, reached with DefaultAzureCredential (Azure)." };

    public void AddTo(Command command)
    {
        command.Add(Connection);
        command.Add(BlobUrl);
    }

    /// <summary>--connection, else the <c>PipelineStorage</c> setting (the test scripts' <c>PIPELINE_STORAGE_CONNECTION</c> is theirs, never read here).</summary>
    public string? ConnectionString(ParseResult parsed) =>
        parsed.GetValue(Connection) ?? Environment.GetEnvironmentVariable(PipelineStorageOptions.ConnectionName);

    public BlobServiceClient? Client(ParseResult parsed) =>
        parsed.GetValue(BlobUrl) is { } url ? new BlobServiceClient(new Uri(url), new DefaultAzureCredential())
        : ConnectionString(parsed) is { Length: > 0 } cs ? StorageConnection.FromConnectionString(cs).CreateBlobServiceClient()
        : null;
}

/// <summary>What an upload did: a verdict per file sent, and the files that could not be sent (with why).</summary>
internal sealed record UploadResult(IReadOnlyList<UploadCommand.Verdict> Verdicts, IReadOnlyList<UploadCommand.NotSent> Failed)
{
    /// <summary>The exit code: 4 when a file was not sent, 1 when one was rejected, else 0.</summary>
    public int Exit => Failed.Count > 0 ? PipelineCli.ServiceError : Verdicts.Any(v => v.Status == "rejected") ? PipelineCli.Rejected : PipelineCli.Accepted;

    public string Summary()
    {
        var lines = new List<string> { $"{Verdicts.Count} files: {Verdicts.Count(v => v.Status == "accepted")} accepted, {Verdicts.Count(v => v.Status == "rejected")} rejected" };
        lines.AddRange(Verdicts.Where(v => v.Status == "rejected").Select(v => $"  rejected {v.Name}: {string.Join(", ", v.Codes)}"));
        if (Failed.Count > 0)
        {
            lines.Add($"{Failed.Count} files were not sent (run the same command again: what is already uploaded is skipped):");
            lines.AddRange(Failed.Select(f => $"  not sent {f.Name}: {f.Reason}"));
        }

        return string.Join(Environment.NewLine, lines);
    }
}

/// <summary>
/// <c>pipeline upload</c>: files into <c>incoming/{batch}/</c>, the local runner told of each. Transient failures of
/// storage or the runner (5xx, 408, 429, a dropped connection) are retried with back-off per file; a file that still
/// fails is listed, the others go on. A file whose blob already holds the same bytes (its <c>sha256</c> metadata) is
/// not uploaded again, so running the same command again resumes an interrupted upload.
/// </summary>
internal static class UploadCommand
{
    /// <summary>Attempts per file before it is listed as not sent.</summary>
    internal const int Attempts = 6;

    internal sealed record Verdict(string Name, string Status, IReadOnlyList<string> Codes);

    internal sealed record NotSent(string Name, string Reason);

    /// <summary>The first back-off; it doubles per attempt (0.2, 0.4, 0.8, 1.6, 3.2 s). Tests shorten it.</summary>
    internal static TimeSpan FirstBackOff { get; set; } = TimeSpan.FromMilliseconds(200);

    public static Command Create(TextWriter output, TextWriter error)
    {
        var endpoint = new Endpoint();
        var storage = new StorageTarget();
        var path = new Argument<string>("path") { Description = "A file, or a folder uploaded recursively (images and annotation files)." };
        var batch = ApiCommands.BatchOption("The batch: the first path segment in incoming.", required: true);
        var dataset = ApiCommands.DatasetOption(required: false);
        var seal = new Option<bool>("--seal") { Description = "Seal the batch afterwards (an empty _SEALED blob): its label QA starts. Only when every file was sent." };
        var command = new Command("upload", "Upload files to incoming/{batch}/; the local runner is told of each as Event Grid tells the function app.") { path, batch, dataset, seal };
        endpoint.AddTo(command);
        storage.AddTo(command);
        command.SetAction(async (parsed, ct) =>
        {
            var terminal = new Terminal(output, error, parsed.GetValue(endpoint.Json));
            if (await CheckPathAsync(terminal, parsed.GetValue(path)!) is { } usage)
            {
                return usage;
            }

            var given = storage.Client(parsed);
            if (given is null && endpoint.GivenApi(parsed) is not null)
            {
                await error.WriteLineAsync("With --api, give the storage account too: --connection or --blob-url (or set PipelineStorage).");
                return PipelineCli.UsageError;
            }

            return await Endpoint.GuardAsync(terminal, async () =>
            {
                // No storage given: the workspace's local stack (its Azurite, its runner). Storage without an API: the
                // standalone runner's default address is told of each file (dotnet run --project functions/Pipeline.Local).
                await using var stack = given is null ? await endpoint.OpenWorkspaceAsync(parsed, terminal, ct) : null;
                var blobs = given ?? stack!.Blobs();
                using var client = stack?.Api()
                    ?? (endpoint.GivenApi(parsed) is null ? new ApiClient(new Uri("http://127.0.0.1:7071"), null, Environment.GetEnvironmentVariable("PIPELINE_API_TOKEN")) : endpoint.Client(parsed));
                var result = await UploadAsync(terminal, blobs, client, parsed.GetValue(path)!, parsed.GetValue(batch)!, parsed.GetValue(dataset), parsed.GetValue(seal), ct);
                await ApiCommands.PrintAsync(
                    terminal, JsonSerializer.SerializeToElement(new { batch = parsed.GetValue(batch), files = result.Verdicts.Count, verdicts = result.Verdicts, notSent = result.Failed }), result.Summary);
                return result.Exit;
            });
        });
        return command;
    }

    /// <summary>A usage error (exit 2) when <paramref name="path"/> is neither a file nor a folder, or holds nothing to upload.</summary>
    internal static async Task<int?> CheckPathAsync(Terminal terminal, string path)
    {
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            await terminal.Error.WriteLineAsync($"No such file or folder: {path}");
            return PipelineCli.UsageError;
        }

        if (FileSet.Collect(path) is { Images.Count: 0, Labels.Count: 0 })
        {
            await terminal.Error.WriteLineAsync($"No image or annotation files under {path}: nothing to upload.");
            return PipelineCli.UsageError;
        }

        return null;
    }

    /// <summary>The incoming container, as configured for the runner and the function app (<c>Pipeline__Storage__IncomingContainer</c>).</summary>
    private static string IncomingContainer =>
        Environment.GetEnvironmentVariable("Pipeline__Storage__IncomingContainer") ?? new PipelineStorageOptions().IncomingContainer;

    /// <summary>Uploads the files (with the dataset as metadata), tells a local runner of each, and seals the batch when asked and every file was sent.</summary>
    internal static async Task<UploadResult> UploadAsync(Terminal terminal, BlobServiceClient blobs, ApiClient api, string path, string batch, string? dataset, bool seal, CancellationToken ct)
    {
        var files = FileSet.Collect(path).ToUpload();
        var incoming = blobs.GetBlobContainerClient(IncomingContainer);
        await RetryAsync(() => incoming.CreateIfNotExistsAsync(cancellationToken: ct), ct);
        var verdicts = new Verdict?[files.Count];
        var failed = new System.Collections.Concurrent.ConcurrentBag<NotSent>();
        var done = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, files.Count), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct }, async (i, token) =>
        {
            var name = $"{batch}/{files[i].RelativePath}";
            try
            {
                verdicts[i] = await RetryAsync(() => SendAsync(incoming, api, files[i].FullPath, name, dataset, token), token);
            }
            catch (Exception ex) when (IsTransient(ex) || ex is ApiException or RequestFailedException or IOException)
            {
                failed.Add(new NotSent(name, Describe(ex)));
            }

            terminal.Progress("upload and ingest", Interlocked.Increment(ref done), files.Count);
        });

        if (seal && failed.IsEmpty)
        {
            var marker = $"{batch}/{BlobNames.SealMarker}";
            await RetryAsync(() => incoming.GetBlobClient(marker).UploadAsync(BinaryData.FromBytes([]), overwrite: true, ct), ct);
            await RetryAsync(() => NotifyAsync(api, marker, ct), ct);
        }

        return new UploadResult([.. verdicts.OfType<Verdict>()], [.. failed.OrderBy(f => f.Name, StringComparer.Ordinal)]);
    }

    /// <summary>Uploads one file unless its blob already holds these bytes, then tells the runner.</summary>
    private static async Task<Verdict> SendAsync(BlobContainerClient incoming, ApiClient api, string file, string name, string? dataset, CancellationToken ct)
    {
        string sha256;
        await using (var read = File.OpenRead(file))
        {
            sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(read, ct));
        }

        var blob = incoming.GetBlobClient(name);
        var present = false;
        try
        {
            present = (await blob.GetPropertiesAsync(cancellationToken: ct)).Value.Metadata.TryGetValue("sha256", out var stored) && stored == sha256;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Not uploaded yet.
        }

        if (!present)
        {
            var metadata = new Dictionary<string, string> { ["sha256"] = sha256 };
            if (dataset is not null)
            {
                metadata["dataset"] = dataset;
            }

            await using var stream = File.OpenRead(file);
            await blob.UploadAsync(stream, new BlobUploadOptions { Metadata = metadata }, ct);
        }

        return await NotifyAsync(api, name, ct) ?? new Verdict(name, "uploaded", []);
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

    private static async Task<T> RetryAsync<T>(Func<Task<T>> action, CancellationToken ct)
    {
        var delay = FirstBackOff;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await action();
            }
            catch (Exception ex) when (attempt < Attempts && IsTransient(ex) && !ct.IsCancellationRequested)
            {
                await Task.Delay(delay, ct);
                delay *= 2;
            }
        }
    }

    /// <summary>A failure worth trying again: the service busy or failing, or the connection lost.</summary>
    private static bool IsTransient(Exception ex) => ex switch
    {
        ApiException api => (int)api.Status >= 500 || api.Status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests,
        RequestFailedException storage => storage.Status is 0 or 408 or 429 or >= 500,
        HttpRequestException => true,
        TaskCanceledException cancelled => cancelled.InnerException is TimeoutException,
        _ => false,
    };

    private static string Describe(Exception ex) => ex switch
    {
        ApiException api => $"the API answered {(int)api.Status}: {api.Message}",
        RequestFailedException storage => $"storage answered {storage.Status} {storage.ErrorCode}",
        HttpRequestException http => $"the connection failed: {http.Message}",
        _ => ex.Message,
    };
}
