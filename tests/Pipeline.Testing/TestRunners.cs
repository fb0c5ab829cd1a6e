using Microsoft.Extensions.Configuration;
using Pipeline.Local;

namespace Pipeline.Testing;

/// <summary>The local runner on one test's storage: its own task hub (deleted with the storage), any free port, no watcher (tests that need one turn it on).</summary>
public static class TestRunners
{
    /// <summary>A task hub name no other test uses.</summary>
    public static string NewTaskHub() => "t" + Guid.NewGuid().ToString("N")[..16];

    /// <summary>
    /// Starts a runner in-process over <paramref name="storage"/>. <paramref name="configure"/> changes its settings
    /// (watcher period, options under test). The task hub is deleted when the storage is disposed, after the runner.
    /// </summary>
    public static Task<RunningRunner> StartAsync(TestStorage storage, CancellationToken cancellationToken, Action<Dictionary<string, string?>>? configure = null)
    {
        var settings = storage.Configuration.AsEnumerable().Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value);
        settings["Pipeline:Local:Port"] = "0";
        settings["Pipeline:Local:WatchSeconds"] = "0";
        settings["Pipeline:Local:NoticeSeconds"] = "0";
        settings["Pipeline:Local:TaskHub"] = storage.OwnTaskHub(NewTaskHub());
        configure?.Invoke(settings);
        return LocalRunner.StartAsync([], settings, cancellationToken);
    }
}
