using System.Diagnostics;
using Azure.Storage.Blobs;
using Pipeline.Local;
using Pipeline.Storage;

namespace Pipeline.Cli;

/// <summary>
/// What <c>pipeline run</c> starts when it is given no API: a private Azurite (through the repository's
/// <c>scripts/azurite.sh</c>, unless storage is given) and a local runner in this process on a free loopback
/// port. Disposing stops both (Azurite's data goes with it; give <c>--connection</c> to keep the results).
/// </summary>
internal sealed class LocalStack : IAsyncDisposable
{
    private RunningRunner? runner;
    private (string Pid, string Data)? azurite;

    public ApiClient? Api { get; private set; }

    public BlobServiceClient? Blobs { get; private set; }

    /// <summary>Whether the runner runs in this process (its spans can be watched here).</summary>
    public bool RunsHere => runner is not null;

    /// <summary>Null (with the reason printed) when nothing could be started.</summary>
    public static async Task<LocalStack?> StartAsync(Terminal terminal, string? api, string? connection, BlobServiceClient? blobs, CancellationToken ct)
    {
        var stack = new LocalStack();
        if (api is not null || Environment.GetEnvironmentVariable("PIPELINE_API") is not null)
        {
            if (blobs is null)
            {
                await terminal.Error.WriteLineAsync("With --api, give the storage account too: --connection or --blob-url.");
                return null;
            }

            stack.Blobs = blobs;
            return stack;
        }

        if (connection is null)
        {
            if (FindScript() is not { } script)
            {
                await terminal.Error.WriteLineAsync("No storage given and no scripts/azurite.sh found above this folder: run from the repository, or give --connection.");
                return null;
            }

            await terminal.NoteAsync("Starting Azurite …");
            var exports = await RunAsync("bash", [script, "start"], ct);
            var values = exports.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Trim().Replace("export ", string.Empty, StringComparison.Ordinal).Split('=', 2))
                .Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1].Trim('\''));
            stack.azurite = (values["AZURITE_PID"], values["AZURITE_DATA"]);
            connection = values["PIPELINE_STORAGE_CONNECTION"];
        }

        await terminal.NoteAsync("Starting the local runner …");
        stack.runner = await LocalRunner.StartAsync(
            [],
            new Dictionary<string, string?>
            {
                [PipelineStorageOptions.ConnectionName] = connection,
                ["Pipeline:Local:Port"] = "0",
                ["Pipeline:Local:WatchSeconds"] = "0",
                ["Pipeline:Local:NoticeSeconds"] = "0", // the CLI announces every file it uploads
            },
            ct);
        stack.Api = new ApiClient(new Uri(stack.runner.Url), null);
        stack.Blobs = StorageConnection.FromConnectionString(connection).CreateBlobServiceClient();
        await terminal.NoteAsync($"Runner on {stack.runner.Url}.");
        return stack;
    }

    public async ValueTask DisposeAsync()
    {
        Api?.Dispose();
        if (runner is not null)
        {
            await runner.DisposeAsync();
        }

        if (azurite is { } a && FindScript() is { } script)
        {
            await RunAsync("bash", [script, "stop", a.Pid, a.Data], CancellationToken.None);
        }
    }

    private static string? FindScript()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var script = Path.Combine(dir.FullName, "scripts", "azurite.sh");
                if (File.Exists(script))
                {
                    return script;
                }
            }
        }

        return null;
    }

    private static async Task<string> RunAsync(string file, string[] args, CancellationToken ct)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync(ct);
        var error = await process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        return process.ExitCode == 0 ? output : throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {error}");
    }
}
