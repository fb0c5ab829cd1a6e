using System.Diagnostics;
using System.Reflection;
using Pipeline.Testing;

namespace Pipeline.Infra.Tests;

/// <summary>Runs the Bicep CLI restored from NuGet (Azure.Bicep.CommandLine.linux-x64 0.49.2), offline.</summary>
internal static class BicepCli
{
    public static string Path { get; } = typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BicepPath").Value!;

    public static string Infra => System.IO.Path.Combine(RepositoryPaths.Root, "infra");

    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo(Path) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Infra };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // Offline: no telemetry, no registry restore attempts.
        start.Environment["BICEP_TELEMETRY_ENABLED"] = "false";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("bicep did not start: " + Path);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
