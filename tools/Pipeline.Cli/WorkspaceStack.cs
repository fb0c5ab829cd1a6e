using System.Diagnostics;
using Pipeline.Local;
using Pipeline.Storage;

namespace Pipeline.Cli;

/// <summary>Why the workspace's stack could not start (Azurite missing, or it would not run).</summary>
internal sealed class WorkspaceException(string message) : Exception(message);

/// <summary>
/// The local stack of a workspace (Azurite over its data, a runner on its task hub), shared: a command finds the one
/// running (<c>pipeline up</c>'s, or another command's) through <c>stack.json</c> and uses it as a guest, or starts its
/// own under the workspace lock and stops it when it ends (after its guests are done). Never two engines on one task
/// hub: starting happens only under the lock and only when no live stack answers.
/// </summary>
internal sealed class WorkspaceStack : IAsyncDisposable
{
    private readonly Workspace workspace;
    private RunningRunner? runner;
    private Process? azurite;
    private string? guestFile;

    private WorkspaceStack(Workspace workspace, StackFile stack)
    {
        this.workspace = workspace;
        Stack = stack;
    }

    public StackFile Stack { get; private set; }

    /// <summary>Whether this process started the stack (and stops it).</summary>
    public bool Owned => runner is not null;

    public string Connection => workspace.Connection(Stack);

    /// <summary>The bearer token the runner requires.</summary>
    public string Token => workspace.Settings().Token;

    /// <summary>A client of the stack's runner, with its token.</summary>
    public ApiClient Api() => new(new Uri(Stack.RunnerUrl), null, Token);

    /// <summary>The stack's blob service.</summary>
    public Azure.Storage.Blobs.BlobServiceClient Blobs() => StorageConnection.FromConnectionString(Connection).CreateBlobServiceClient();

    public RunningRunner? Runner => runner;

    /// <summary>The stack running on <paramref name="workspace"/>, or a new one (owned by <paramref name="owner"/>: <c>up</c> or <c>command</c>).</summary>
    public static async Task<WorkspaceStack> OpenAsync(Workspace workspace, string owner, Func<string, Task> note, CancellationToken cancellationToken)
    {
        using (await workspace.LockAsync(cancellationToken))
        {
            if (workspace.ReadStack() is { } running)
            {
                if (Workspace.Alive(running.Pid) && await AnswersAsync(running.RunnerUrl, cancellationToken))
                {
                    var guest = new WorkspaceStack(workspace, running) { guestFile = Path.Combine(workspace.Home, "guests", $"{Environment.ProcessId}-{Guid.NewGuid():N}") };
                    Directory.CreateDirectory(Path.GetDirectoryName(guest.guestFile)!);
                    await File.WriteAllTextAsync(guest.guestFile, $"{Environment.ProcessId}", cancellationToken);
                    return guest;
                }

                // Its owner died (killed, or the machine restarted): the data is whole, the processes are not.
                if (running.AzuritePid != running.Pid && AzuriteProcess.IsAzurite(running.AzuritePid))
                {
                    AzuriteProcess.Stop(running.AzuritePid);
                }

                workspace.ClearStack(running);
            }

            var executable = AzuriteProcess.Locate() ?? throw new WorkspaceException(AzuriteProcess.InstallHint);
            await note($"Starting Azurite and the runner on the workspace {workspace.Home} …");
            var (process, blob, queue, table) = await AzuriteProcess.StartAsync(executable, workspace, cancellationToken);
            var stack = new WorkspaceStack(workspace, new StackFile(Environment.ProcessId, owner, process.Id, executable, blob, queue, table, string.Empty, DateTimeOffset.UtcNow)) { azurite = process };
            try
            {
                stack.runner = await LocalRunner.StartAsync(
                    [],
                    new Dictionary<string, string?>
                    {
                        [PipelineStorageOptions.ConnectionName] = stack.Connection,
                        ["Pipeline:Local:Port"] = "0",
                        ["Pipeline:Local:TaskHub"] = workspace.Settings().TaskHub,
                        ["Pipeline:Local:Token"] = workspace.Settings().Token,
                    },
                    cancellationToken);
                stack.Stack = stack.Stack with { RunnerUrl = stack.runner.Url };
                workspace.WriteStack(stack.Stack);
                return stack;
            }
            catch
            {
                AzuriteProcess.Stop(process.Id);
                throw;
            }
        }
    }

    /// <summary>Whether a runner answers at <paramref name="url"/>.</summary>
    public static async Task<bool> AnswersAsync(string url, CancellationToken cancellationToken)
    {
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
            return (await http.GetAsync(url.TrimEnd('/') + "/api/health", cancellationToken)).IsSuccessStatusCode; // the one route without the token
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (guestFile is not null)
        {
            File.Delete(guestFile);
            return;
        }

        // Guests (commands using this stack) finish first; a guest that died leaves a file of a dead process, skipped.
        // Checked under the lock, where guests register, so none can join between the check and the stop.
        var guests = Path.Combine(workspace.Home, "guests");
        var deadline = DateTimeOffset.UtcNow.AddMinutes(30);
        while (true)
        {
            using (await workspace.LockAsync(CancellationToken.None))
            {
                var waiting = Directory.Exists(guests)
                    && Directory.GetFiles(guests).Any(f => int.TryParse(File.ReadAllText(f), out var pid) && Workspace.Alive(pid));
                if (!waiting || DateTimeOffset.UtcNow > deadline)
                {
                    if (runner is not null)
                    {
                        await runner.DisposeAsync();
                    }

                    if (azurite is not null)
                    {
                        AzuriteProcess.Stop(azurite.Id);
                        azurite.Dispose();
                    }

                    workspace.ClearStack(Stack);
                    return;
                }
            }

            await Task.Delay(250);
        }
    }
}
