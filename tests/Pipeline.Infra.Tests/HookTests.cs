using System.Diagnostics;
using Pipeline.Testing;

namespace Pipeline.Infra.Tests;

/// <summary>The azd hooks: declared in azure.yaml for both shells, in parity, and clean under shellcheck.</summary>
public sealed class HookTests
{
    private static readonly string[] Hooks = ["postprovision", "postdeploy"];

    [Fact]
    public void Azure_yaml_declares_each_hook_for_sh_and_pwsh_and_never_bash()
    {
        var yaml = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "azure.yaml"));

        Assert.DoesNotContain("shell: bash", yaml, StringComparison.Ordinal);
        Assert.Contains("project: ./functions/Pipeline.Functions", yaml, StringComparison.Ordinal);
        Assert.Contains("host: function", yaml, StringComparison.Ordinal);
        Assert.Contains("path: infra", yaml, StringComparison.Ordinal);
        foreach (var hook in Hooks)
        {
            Assert.Contains($"run: ./infra/hooks/{hook}.sh", yaml, StringComparison.Ordinal);
            Assert.Contains($"run: ./infra/hooks/{hook}.ps1", yaml, StringComparison.Ordinal);
        }

        Assert.Equal(4, yaml.Split('\n').Count(l => l.Trim() is "shell: sh" or "shell: pwsh"));
    }

    [Fact]
    public void Each_hook_exists_in_both_shells_reading_the_same_environment()
    {
        foreach (var hook in Hooks)
        {
            var sh = File.ReadAllText(Path.Combine(BicepCli.Infra, "hooks", hook + ".sh"));
            var ps1 = File.ReadAllText(Path.Combine(BicepCli.Infra, "hooks", hook + ".ps1"));
            Assert.StartsWith("#!/bin/sh", sh, StringComparison.Ordinal);
            var variables = System.Text.RegularExpressions.Regex.Matches(sh, @"\$\{?(AZURE_[A-Z_]+|PIPELINE_[A-Z_]+)").Select(m => m.Groups[1].Value).ToHashSet();
            Assert.NotEmpty(variables);
            Assert.All(variables, v => Assert.Contains(v, ps1, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Hook_and_project_scripts_pass_shellcheck()
    {
        var scripts = Directory.GetFiles(Path.Combine(BicepCli.Infra, "hooks"), "*.sh")
            .Concat(Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "scripts"), "*.sh"))
            .Append(Path.Combine(RepositoryPaths.Root, ".ci", "run"))
            .ToList();
        var start = new ProcessStartInfo("shellcheck") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var script in scripts)
        {
            start.ArgumentList.Add(script);
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Assert.Fail("shellcheck is not installed: scripts/test.sh installs it (apt-get install shellcheck).");
            return;
        }

        using (process)
        {
            var output = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, output);
        }
    }
}
