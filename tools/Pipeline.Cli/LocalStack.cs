using Azure.Storage.Blobs;
using Pipeline.Local;
using Pipeline.Storage;

namespace Pipeline.Cli;

/// <summary>
/// What <c>pipeline run</c> talks to: the API given (<c>--api</c>); or, with <c>--connection</c>, a runner in this
/// process over that storage; or else the workspace's local stack (<see cref="WorkspaceStack"/>: the one running, or
/// one started for the run and stopped after it, its data kept, so a second run publishes version 2).
/// </summary>
internal sealed class LocalStack : IAsyncDisposable
{
    private RunningRunner? runner;
    private WorkspaceStack? workspace;

    public ApiClient? Api { get; private set; }

    public BlobServiceClient? Blobs { get; private set; }

    /// <summary>Whether the runner runs in this process (its spans can be watched here).</summary>
    public bool RunsHere => runner is not null || workspace?.Owned == true;

    /// <summary>Null (with the reason printed) when nothing could be started.</summary>
    public static async Task<LocalStack?> StartAsync(Terminal terminal, string? api, string? connection, BlobServiceClient? blobs, string? home, CancellationToken ct)
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
            stack.workspace = await WorkspaceStack.OpenAsync(Workspace.Open(home), "command", terminal.NoteAsync, ct);
            stack.Api = stack.workspace.Api();
            stack.Blobs = stack.workspace.Blobs();
            await terminal.NoteAsync($"{(stack.workspace.Owned ? "Runner" : "Using the workspace's running stack")} on {stack.workspace.Stack.RunnerUrl}.");
            return stack;
        }

        await terminal.NoteAsync("Starting the local runner …");
        var token = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        stack.runner = await LocalRunner.StartAsync(
            [],
            new Dictionary<string, string?>
            {
                [PipelineStorageOptions.ConnectionName] = connection,
                ["Pipeline:Local:Port"] = "0",
                ["Pipeline:Local:WatchSeconds"] = "0",
                ["Pipeline:Local:NoticeSeconds"] = "0", // the CLI announces every file it uploads
                ["Pipeline:Local:Token"] = token,
            },
            ct);
        stack.Api = new ApiClient(new Uri(stack.runner.Url), null, token);
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

        if (workspace is not null)
        {
            await workspace.DisposeAsync();
        }
    }
}
