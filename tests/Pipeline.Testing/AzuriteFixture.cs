using System.Diagnostics;
using Xunit;

namespace Pipeline.Testing;

/// <summary>
/// Real storage for a test assembly: the Azurite named by <c>PIPELINE_STORAGE_CONNECTION</c> when the test command
/// started one, otherwise a private Azurite started through scripts/azurite.sh (own ports, own data folder)
/// and stopped by PID afterwards. Tests isolate themselves with their own containers and tables (<see cref="TestStorage"/>).
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    public const string ConnectionVariable = "PIPELINE_STORAGE_CONNECTION";

    private string? pid;
    private string? data;

    public string ConnectionString { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        var given = Environment.GetEnvironmentVariable(ConnectionVariable);
        if (!string.IsNullOrWhiteSpace(given))
        {
            ConnectionString = given;
            return;
        }

        var output = await RunScriptAsync("start");
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var assignment = line.Trim().Replace("export ", string.Empty, StringComparison.Ordinal);
            var eq = assignment.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0)
            {
                continue;
            }

            var (key, value) = (assignment[..eq], assignment[(eq + 1)..].Trim('\''));
            switch (key)
            {
                case "AZURITE_PID": pid = value; break;
                case "AZURITE_DATA": data = value; break;
                case ConnectionVariable: ConnectionString = value; break;
            }
        }

        if (ConnectionString.Length == 0)
        {
            throw new InvalidOperationException("scripts/azurite.sh start printed no connection: " + output);
        }
    }

    public async Task DisposeAsync()
    {
        if (pid is not null)
        {
            await RunScriptAsync("stop", pid, data ?? string.Empty);
        }
    }

    public TestStorage CreateStorage(Action<Dictionary<string, string?>>? configure = null, Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? services = null) =>
        new(ConnectionString, configure, services);

    private static async Task<string> RunScriptAsync(params string[] args)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(RepositoryPaths.Root, "scripts", "azurite.sh"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"scripts/azurite.sh {string.Join(' ', args)} failed: {await stderr}");
        }

        return await stdout;
    }
}
