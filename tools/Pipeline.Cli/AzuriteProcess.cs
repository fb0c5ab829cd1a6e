using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Pipeline.Cli;

/// <summary>
/// Azurite (the Azure Storage emulator, npm package <c>azurite</c>) for a workspace: found at <c>PIPELINE_AZURITE</c>, else
/// on <c>PATH</c>, else in a <c>node_modules/.bin</c> above the current folder or the tool (a repository checkout);
/// started on three free loopback ports over the workspace's data folder with its own account.
/// </summary>
internal static class AzuriteProcess
{
    /// <summary>The version the project is tested with (package-lock.json).</summary>
    public const string Version = "3.37.0";

    /// <summary>How to install it, for the message when it is missing.</summary>
    public static string InstallHint =>
        $"Azurite (the Azure Storage emulator) was not found. Install it with 'npm install -g azurite@{Version}' (Node.js 20), "
        + "or set PIPELINE_AZURITE to its path, or give --connection (any storage account) or --api (a running pipeline).";

    /// <summary>The Azurite executable, or null.</summary>
    public static string? Locate()
    {
        if (Environment.GetEnvironmentVariable("PIPELINE_AZURITE") is { Length: > 0 } given)
        {
            return File.Exists(given) ? given : null;
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, OperatingSystem.IsWindows() ? "azurite.cmd" : "azurite");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "node_modules", ".bin", "azurite");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    /// <summary>Starts <paramref name="executable"/> over the workspace's data; returns its process and ports once all three answer.</summary>
    public static async Task<(Process Process, int Blob, int Queue, int Table)> StartAsync(string executable, Workspace workspace, CancellationToken cancellationToken)
    {
        var settings = workspace.Settings();
        Directory.CreateDirectory(workspace.AzuriteData);
        var ports = new List<int>();
        while (ports.Count < 3)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            if (!ports.Contains(port))
            {
                ports.Add(port);
            }
        }

        var info = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var arg in new[]
        {
            "--silent", "--skipApiVersionCheck", "--disableProductStyleUrl", "--disableTelemetry", "--location", workspace.AzuriteData,
            "--blobHost", "127.0.0.1", "--blobPort", $"{ports[0]}", "--queueHost", "127.0.0.1", "--queuePort", $"{ports[1]}",
            "--tableHost", "127.0.0.1", "--tablePort", $"{ports[2]}",
        })
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["AZURITE_ACCOUNTS"] = $"{settings.Account}:{settings.Key}";
        var process = Process.Start(info) ?? throw new InvalidOperationException($"{executable} did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        foreach (var port in ports)
        {
            while (true)
            {
                try
                {
                    using var probe = new TcpClient();
                    await probe.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
                    break;
                }
                catch (SocketException) when (!process.HasExited && DateTimeOffset.UtcNow < deadline)
                {
                    await Task.Delay(100, cancellationToken);
                }
                catch (SocketException)
                {
                    Stop(process.Id);
                    throw new InvalidOperationException($"Azurite ({executable}) did not start on ports {string.Join(", ", ports)}{(process.HasExited ? $": it exited with {process.ExitCode}" : string.Empty)}.");
                }
            }
        }

        return (process, ports[0], ports[1], ports[2]);
    }

    /// <summary>
    /// Whether <paramref name="pid"/> is still an Azurite (a recorded PID of a process that died may have been given to
    /// another program since: that one is never signalled). Where <c>/proc</c> cannot tell, whether it runs at all.
    /// </summary>
    public static bool IsAzurite(int pid)
    {
        var cmdline = $"/proc/{pid}/cmdline";
        try
        {
            return File.Exists(cmdline) ? File.ReadAllText(cmdline).Contains("azurite", StringComparison.OrdinalIgnoreCase) : Workspace.Alive(pid);
        }
        catch (IOException)
        {
            return false; // it ended while being read
        }
    }

    /// <summary>
    /// Stops Azurite by its PID: TERM, on which it writes its stores to the data folder and exits; KILL only after a
    /// minute (a kill loses what it wrote since its last save, so it is given every chance; a loaded machine takes seconds).
    /// </summary>
    public static void Stop(int pid)
    {
        if (!Workspace.Alive(pid))
        {
            return;
        }

        Signals.Terminate(pid);
        using var process = Process.GetProcessById(pid);
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
    }
}

/// <summary>POSIX signals the runtime does not send itself (it only kills): through <c>kill(1)</c>.</summary>
internal static class Signals
{
    /// <summary>Asks process <paramref name="pid"/> to stop (SIGTERM: a graceful shutdown for .NET hosts and Node); on Windows, kills it.</summary>
    public static void Terminate(int pid)
    {
        if (OperatingSystem.IsWindows())
        {
            using var target = Process.GetProcessById(pid);
            target.Kill(entireProcessTree: true);
            return;
        }

        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", pid.ToString(System.Globalization.CultureInfo.InvariantCulture) }, UseShellExecute = false });
        kill?.WaitForExit(5000);
    }
}
