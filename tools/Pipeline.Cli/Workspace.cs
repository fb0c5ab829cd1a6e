using System.Security.Cryptography;
using System.Text.Json;

namespace Pipeline.Cli;

/// <summary>The workspace's own storage account, task hub and runner token, made once and kept in <c>settings.json</c> (readable by its owner only).</summary>
/// <param name="Account">Azurite's account name.</param>
/// <param name="Key">Its key (base64), made at random for this workspace: the data only opens with it.</param>
/// <param name="TaskHub">The runner's task hub.</param>
/// <param name="Token">The bearer token the workspace's runner requires (so no other local user or page can drive it).</param>
internal sealed record WorkspaceSettings(string Account, string Key, string TaskHub, string Token);

/// <summary>What runs on a workspace, written by whoever started it (<c>stack.json</c>).</summary>
/// <param name="Pid">The process that hosts the runner (and owns Azurite).</param>
/// <param name="Owner"><c>up</c> (a background stack) or <c>command</c> (a command's own, gone when it ends).</param>
/// <param name="AzuritePid">Azurite's process.</param>
/// <param name="Azurite">The Azurite executable that runs.</param>
/// <param name="BlobPort">Its blob port.</param>
/// <param name="QueuePort">Its queue port.</param>
/// <param name="TablePort">Its table port.</param>
/// <param name="RunnerUrl">The runner's API.</param>
/// <param name="StartedAt">When.</param>
internal sealed record StackFile(int Pid, string Owner, int AzuritePid, string Azurite, int BlobPort, int QueuePort, int TablePort, string RunnerUrl, DateTimeOffset StartedAt);

/// <summary>
/// The folder every local command works in: <c>--home DIR</c>, else <c>PIPELINE_HOME</c>, else <c>.pipeline/</c> in the
/// current folder. It holds Azurite's data (<c>azurite/</c>), the settings (<c>settings.json</c>: account, key, task
/// hub), what runs (<c>stack.json</c>), the lock that keeps two starts apart (<c>stack.lock</c>) and the background
/// stack's log (<c>stack.log</c>). Results stay when the commands end.
/// </summary>
internal sealed class Workspace
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private Workspace(string home) => Home = home;

    public string Home { get; }

    public string AzuriteData => Path.Combine(Home, "azurite");

    public string LogFile => Path.Combine(Home, "stack.log");

    private string SettingsFile => Path.Combine(Home, "settings.json");

    private string StackPath => Path.Combine(Home, "stack.json");

    /// <summary>The workspace <paramref name="option"/> names (or the environment's, or the current folder's), created if missing.</summary>
    public static Workspace Open(string? option)
    {
        var home = Path.GetFullPath(option ?? Environment.GetEnvironmentVariable("PIPELINE_HOME") ?? Path.Combine(Environment.CurrentDirectory, ".pipeline"));
        Directory.CreateDirectory(home);
        return new Workspace(home);
    }

    private WorkspaceSettings? settings;

    /// <summary>The settings, made on first use (a random account key: the data is this workspace's alone); read once.</summary>
    public WorkspaceSettings Settings() => settings ??= ReadOrMakeSettings();

    private WorkspaceSettings ReadOrMakeSettings()
    {
        if (File.Exists(SettingsFile))
        {
            return JsonSerializer.Deserialize<WorkspaceSettings>(File.ReadAllText(SettingsFile), Json)
                ?? throw new InvalidDataException($"{SettingsFile} is empty; delete it only together with {AzuriteData}.");
        }

        var made = new WorkspaceSettings(
            "pipeline", Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), "pipeline" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)),
            Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)));
        File.WriteAllText(SettingsFile, JsonSerializer.Serialize(made, Json));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(SettingsFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return made;
    }

    /// <summary>What stack.json says runs, or null.</summary>
    public StackFile? ReadStack()
    {
        try
        {
            return File.Exists(StackPath) ? JsonSerializer.Deserialize<StackFile>(File.ReadAllText(StackPath), Json) : null;
        }
        catch (JsonException)
        {
            return null; // half written by a process that died: nothing runs by it
        }
    }

    public void WriteStack(StackFile stack) => File.WriteAllText(StackPath, JsonSerializer.Serialize(stack, Json));

    /// <summary>Removes stack.json if it still describes <paramref name="stack"/>.</summary>
    public void ClearStack(StackFile stack)
    {
        if (ReadStack() is { } current && current.Pid == stack.Pid && current.StartedAt == stack.StartedAt)
        {
            File.Delete(StackPath);
        }
    }

    /// <summary>The storage connection of the stack's Azurite.</summary>
    public string Connection(StackFile stack)
    {
        var s = Settings();
        return $"DefaultEndpointsProtocol=http;AccountName={s.Account};AccountKey={s.Key};BlobEndpoint=http://127.0.0.1:{stack.BlobPort}/{s.Account};"
            + $"QueueEndpoint=http://127.0.0.1:{stack.QueuePort}/{s.Account};TableEndpoint=http://127.0.0.1:{stack.TablePort}/{s.Account}";
    }

    /// <summary>Takes the workspace's start lock (two commands never start two stacks, nor two engines on one task hub); waits for it.</summary>
    public async Task<IDisposable> LockAsync(CancellationToken cancellationToken)
    {
        var path = Path.Combine(Home, "stack.lock");
        var deadline = DateTimeOffset.UtcNow.AddMinutes(2);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTimeOffset.UtcNow < deadline)
            {
                await Task.Delay(200, cancellationToken);
            }
        }
    }

    /// <summary>Whether process <paramref name="pid"/> still runs.</summary>
    public static bool Alive(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
