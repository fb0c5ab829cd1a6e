using System.Diagnostics;
using System.Text.Json;
using Pipeline.Testing;

namespace Pipeline.Cli.Tests;

/// <summary>
/// The workspace keeps its results: runs, commands and the background stack (<c>up</c>, <c>down</c>, <c>ps</c>) over one
/// Azurite data folder and one task hub, with Azurite found on PATH. These start real Azurite processes of their own.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class WorkspaceTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("ws-").FullName;

    public void Dispose()
    {
        // A stack a failed test left behind is stopped; then the folder goes.
        foreach (var home in new[] { Path.Combine(folder, "home"), Path.Combine(folder, "project", ".pipeline") })
        {
            _ = Cli.RunAsync("down", "--home", home).GetAwaiter().GetResult();
        }

        Directory.Delete(folder, recursive: true);
    }

    private string Home => Path.Combine(folder, "home");

    private async Task<string> DataAsync(string name, int images, int seed)
    {
        var data = Directory.CreateDirectory(Path.Combine(folder, name)).FullName;
        for (var i = 0; i < images; i++)
        {
            await File.WriteAllBytesAsync(Path.Combine(data, $"{Path.GetFileName(name)}{i}.jpg"), TestFiles.Jpeg(320, 240, seed: seed + (i * 41)));
        }

        return data;
    }

    private async Task<string> GateAsync()
    {
        var gate = Path.Combine(folder, "gate.json");
        await File.WriteAllTextAsync(gate, """{"version": 1, "expectations": [{"expect": "no_findings", "findingSeverity": "error"}], "approval": {"required": "never"}}""");
        return gate;
    }

    [Fact]
    public async Task Two_runs_in_one_workspace_publish_versions_1_and_2_and_every_command_finds_them_after_the_runs_end()
    {
        var gate = await GateAsync();
        var first = await Cli.RunAsync("run", await DataAsync("a", 2, 7), "--dataset", "kept", "--batch", "a", "--gate", gate, "--home", Home, "--json");
        // A second run, and another command at the same time: one starts the stack, the other uses it as a guest.
        var secondRun = Cli.RunAsync("run", await DataAsync("b", 2, 500), "--dataset", "kept", "--batch", "b", "--home", Home, "--json");
        var beside = Cli.RunAsync("datasets", "--home", Home, "--json");
        var (second, besideResult) = (await secondRun, await beside);
        Assert.True(besideResult.Exit == PipelineCli.Accepted, besideResult.Output + besideResult.Error);
        var nothing = await Cli.RunAsync("ps", "--home", Home);
        var versions = await Cli.RunAsync("versions", "--dataset", "kept", "--home", Home, "--json");
        var target = Path.Combine(folder, "pulled");
        var pull = await Cli.RunAsync("pull", "--dataset", "kept", "--version", "2", "--to", target, "--home", Home, "--json");

        Assert.True(first.Exit == PipelineCli.Accepted, first.Output + first.Error);
        Assert.True(second.Exit == PipelineCli.Accepted, second.Output + second.Error);
        Assert.Equal("published", JsonDocument.Parse(second.Output.Trim().Split('\n')[^1]).RootElement.GetProperty("outcome").GetString());
        Assert.Contains("Nothing runs", nothing.Output, StringComparison.Ordinal);
        Assert.Equal([1, 2], JsonDocument.Parse(versions.Output).RootElement.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("version").GetInt32()));
        Assert.True(pull.Exit == PipelineCli.Accepted, pull.Output + pull.Error);
        Assert.Equal(4, File.ReadAllLines(Path.Combine(target, "manifest.jsonl")).Length);
        Assert.Equal(4, Directory.GetFiles(Path.Combine(target, "images")).Length);
    }

    [Fact]
    public async Task Up_serves_every_command_two_at_once_on_one_engine_down_stops_it_and_a_killed_stack_restarts_with_nothing_lost()
    {
        var up = await Cli.RunAsync("up", "--home", Home, "--json");
        Assert.True(up.Exit == PipelineCli.Accepted, up.Output + up.Error);
        var started = JsonDocument.Parse(up.Output).RootElement;
        var pid = started.GetProperty("pid").GetInt32();
        Assert.Equal("up", started.GetProperty("owner").GetString());

        // The stack's runner answers only with the workspace's token, which the CLI sends.
        using (var http = new HttpClient())
        {
            var url = started.GetProperty("api").GetString() + "/api/datasets";
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await http.GetAsync(url)).StatusCode);
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", started.GetProperty("token").GetString());
            Assert.Equal(System.Net.HttpStatusCode.OK, (await http.SendAsync(request)).StatusCode);
        }

        // Two commands at once use the running stack; neither starts another.
        var run = Cli.RunAsync("run", await DataAsync("c", 2, 900), "--dataset", "shared", "--batch", "c", "--gate", await GateAsync(), "--home", Home, "--json");
        var datasets = Cli.RunAsync("datasets", "--home", Home);
        var (ran, listed) = (await run, await datasets);
        Assert.True(ran.Exit == PipelineCli.Accepted, ran.Output + ran.Error);
        Assert.Equal(PipelineCli.Accepted, listed.Exit);
        var ps = JsonDocument.Parse((await Cli.RunAsync("ps", "--home", Home, "--json")).Output).RootElement;
        Assert.Equal((true, pid), (ps.GetProperty("running").GetBoolean(), ps.GetProperty("pid").GetInt32()));

        // Killed without warning: the next start finds the data whole.
        using (var stack = Process.GetProcessById(pid))
        {
            stack.Kill();
            await stack.WaitForExitAsync();
        }

        var again = await Cli.RunAsync("up", "--home", Home, "--json");
        Assert.True(again.Exit == PipelineCli.Accepted, again.Output + again.Error);
        Assert.NotEqual(pid, JsonDocument.Parse(again.Output).RootElement.GetProperty("pid").GetInt32());
        var versions = await Cli.RunAsync("versions", "--dataset", "shared", "--home", Home, "--json");
        Assert.Equal([1], JsonDocument.Parse(versions.Output).RootElement.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("version").GetInt32()));
        var catalog = await Cli.RunAsync("catalog", "--dataset", "shared", "--home", Home, "--json");
        Assert.Equal(2, JsonDocument.Parse(catalog.Output).RootElement.GetProperty("count").GetInt32());

        var down = await Cli.RunAsync("down", "--home", Home);
        Assert.Contains("Stopped the stack", down.Output, StringComparison.Ordinal);
        Assert.Contains("Nothing runs", (await Cli.RunAsync("ps", "--home", Home)).Output, StringComparison.Ordinal);
        Assert.True(Directory.EnumerateFileSystemEntries(Path.Combine(Home, "azurite")).Any());
    }

    [Fact]
    public async Task Azurite_is_found_on_PATH_and_a_missing_one_is_named_with_how_to_install_it()
    {
        var bin = Directory.CreateDirectory(Path.Combine(folder, "bin")).FullName;
        File.CreateSymbolicLink(Path.Combine(bin, "azurite"), Path.Combine(RepositoryPaths.Root, "node_modules", ".bin", "azurite"));
        var path = Environment.GetEnvironmentVariable("PATH");
        var current = Environment.CurrentDirectory;
        var outside = Directory.CreateDirectory(Path.Combine(folder, "project")).FullName;
        try
        {
            // From a folder outside the repository, no --home: the workspace is .pipeline/ there. (The current directory
            // is the process's: safe because the tests beside this one outside the Azurite collection give every path absolute.)
            Environment.SetEnvironmentVariable("PATH", bin + Path.PathSeparator + path);
            Environment.CurrentDirectory = outside;
            var up = await Cli.RunAsync("up", "--json");
            Assert.True(up.Exit == PipelineCli.Accepted, up.Output + up.Error);
            var stack = JsonDocument.Parse(up.Output).RootElement;
            Assert.Equal(Path.Combine(bin, "azurite"), stack.GetProperty("azurite").GetString());
            Assert.Equal(Path.Combine(outside, ".pipeline"), stack.GetProperty("home").GetString());
            Assert.True(File.Exists(Path.Combine(outside, ".pipeline", "settings.json")));
            await DataAsync(Path.Combine("project", "photos"), 2, 1300);
            var run = await Cli.RunAsync("run", "photos", "--dataset", "outside", "--gate", await GateAsync(), "--json");
            Assert.True(run.Exit == PipelineCli.Accepted, run.Output + run.Error);
            Assert.Equal(PipelineCli.Accepted, (await Cli.RunAsync("down")).Exit);

            Environment.SetEnvironmentVariable("PIPELINE_AZURITE", Path.Combine(folder, "no-such-azurite"));
            var missing = await Cli.RunAsync("datasets", "--home", Path.Combine(folder, "other"));
            Assert.Equal(PipelineCli.ServiceError, missing.Exit);
            Assert.Contains("npm install -g azurite@3.37.0", missing.Error, StringComparison.Ordinal);
        }
        finally
        {
            Environment.CurrentDirectory = current;
            Environment.SetEnvironmentVariable("PATH", path);
            Environment.SetEnvironmentVariable("PIPELINE_AZURITE", null);
        }
    }
}
