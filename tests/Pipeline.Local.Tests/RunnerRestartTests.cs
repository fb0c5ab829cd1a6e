using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Core.Datasets;
using Pipeline.Testing;

namespace Pipeline.Local.Tests;

/// <summary>The runner as a process: killed in the middle of a promotion and started again, it finishes the promotion.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class RunnerRestartTests(AzuriteFixture azurite)
{
    /// <summary>The runner built beside this test (same configuration).</summary>
    private static string RunnerDll()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        return Path.Combine(RepositoryPaths.Root, "functions", "Pipeline.Local", "bin", configuration, "net10.0", "pipeline-local.dll");
    }

    /// <summary>The runners' bearer token.</summary>
    private const string Token = "restart-test-token";

    /// <summary>What the runners printed, for the failure message.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentQueue<string> Log = new();

    private static Process StartRunner(TestStorage storage, string connection, string taskHub, int port, bool giveToken = true)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(RunnerDll());
        info.Environment["PipelineStorage"] = connection;
        info.Environment["Pipeline__Local__Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["Pipeline__Local__TaskHub"] = taskHub;
        info.Environment["Pipeline__Local__WatchSeconds"] = "0";
        if (giveToken)
        {
            info.Environment["Pipeline__Local__Token"] = Token; // given, as a workspace gives it (standalone, it makes one)
        }
        foreach (var (key, value) in storage.Configuration.AsEnumerable().Where(kv => kv.Key.StartsWith("Pipeline:", StringComparison.Ordinal) && kv.Value is not null))
        {
            info.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) => Log.Enqueue(e.Data ?? string.Empty);
        process.ErrorDataReceived += (_, e) => Log.Enqueue(e.Data ?? string.Empty);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task<JsonElement?> GetAsync(HttpClient http, string path, CancellationToken cancellationToken)
    {
        try
        {
            var response = await http.GetAsync(path, cancellationToken);
            return response.IsSuccessStatusCode ? JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken)).RootElement.Clone() : null;
        }
        catch (HttpRequestException)
        {
            return null; // not listening yet
        }
    }

    [Fact]
    public async Task A_runner_killed_in_the_middle_of_a_promotion_finishes_it_when_started_again_with_nothing_lost_or_doubled()
    {
        await using var storage = azurite.CreateStorage(s => s["Pipeline:Promotion:ChunkSize"] = "1");
        await PromotionTestData.UseGateWithoutLeakageAsync(storage);
        await PromotionTestData.IngestBatchAsync(storage, "b1", 24);
        var staged = await storage.ListAsync(storage.Staging);
        var taskHub = storage.OwnTaskHub(TestRunners.NewTaskHub());
        var port = TestPorts.Free();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/api/") };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token);

        var first = StartRunner(storage, azurite.ConnectionString, taskHub, port);
        string? stageAtKill = null;
        try
        {
            while (await GetAsync(http, "health", timeout.Token) is null)
            {
                Assert.False(first.HasExited, "The runner stopped: " + string.Join('\n', Log));
                await Task.Delay(100, timeout.Token);
            }

            var start = await http.PostAsync("datasets/cats/promotions", new StringContent("{\"approvalTimeoutHours\": 1}", System.Text.Encoding.UTF8, "application/json"), timeout.Token);
            Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
            var seen = new List<string>();
            while (stageAtKill is null)
            {
                var status = await GetAsync(http, "datasets/cats/promotion", timeout.Token);
                var stage = status is { } s && s.GetProperty("progress") is { ValueKind: JsonValueKind.Object } progress ? progress.GetProperty("stage").GetString() : null;
                seen.Add($"{status?.GetProperty("runtimeStatus").GetString()}/{stage}");
                Assert.False(status?.GetProperty("runtimeStatus").GetString() is "Completed" or "Failed", $"The promotion ended before it could be interrupted: {string.Join(", ", seen.Distinct())}");
                if (stage is "copying" or "verifying")
                {
                    stageAtKill = stage;
                }
                else
                {
                    await Task.Delay(10, timeout.Token);
                }
            }
        }
        finally
        {
            first.Kill(entireProcessTree: true);
            await first.WaitForExitAsync(timeout.Token);
        }

        Assert.Empty(await storage.Services.GetRequiredService<DatasetVersions>().ListAsync("cats", timeout.Token));
        var second = StartRunner(storage, azurite.ConnectionString, taskHub, port);
        try
        {
            JsonElement done;
            while (true)
            {
                if (await GetAsync(http, "datasets/cats/promotion", timeout.Token) is { } status && status.GetProperty("runtimeStatus").GetString() is "Completed" or "Failed")
                {
                    done = status;
                    break;
                }

                await Task.Delay(200, timeout.Token);
            }

            Assert.Equal("Completed", done.GetProperty("runtimeStatus").GetString());
            Assert.Equal("published", done.GetProperty("result").GetProperty("outcome").GetString());
        }
        finally
        {
            second.Kill(entireProcessTree: true);
            await second.WaitForExitAsync(timeout.Token);
        }

        var versions = await storage.Services.GetRequiredService<DatasetVersions>().ListAsync("cats", timeout.Token);
        Assert.Equal(1, Assert.Single(versions).Version);
        var manifest = new List<ManifestEntry>();
        var blob = storage.Production.GetBlobClient(PromotionService.VersionFile("cats", 1, "manifest.jsonl"));
        await foreach (var entry in DatasetManifest.ReadAsync((await blob.DownloadStreamingAsync()).Value.Content, timeout.Token))
        {
            manifest.Add(entry);
        }

        Assert.Equal(24, manifest.Count);
        var published = (await storage.ListAsync(storage.Production)).Where(n => n.StartsWith("cats/images/", StringComparison.Ordinal)).Select(n => n["cats/".Length..]);
        Assert.Equal(manifest.Select(e => e.Path).Order(StringComparer.Ordinal), published);
        Assert.Equal(staged, await storage.ListAsync(storage.Staging));
    }

    [Fact]
    public async Task A_standalone_runner_given_no_token_makes_one_prints_it_and_requires_it()
    {
        await using var storage = azurite.CreateStorage();
        var port = TestPorts.Free();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/api/") };
        using var runner = StartRunner(storage, azurite.ConnectionString, storage.OwnTaskHub(TestRunners.NewTaskHub()), port, giveToken: false);
        try
        {
            string? printed = null;
            while ((printed = Log.Select(l => System.Text.RegularExpressions.Regex.Match(l, "Its token .*: ([0-9a-f]{64})$")).FirstOrDefault(m => m.Success)?.Groups[1].Value) is null)
            {
                Assert.False(runner.HasExited, "The runner stopped: " + string.Join('\n', Log));
                await Task.Delay(100, timeout.Token);
            }

            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("datasets", timeout.Token)).StatusCode);
            using var request = new HttpRequestMessage(HttpMethod.Get, "datasets");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", printed);
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(request, timeout.Token)).StatusCode);
        }
        finally
        {
            runner.Kill(entireProcessTree: true);
            await runner.WaitForExitAsync(CancellationToken.None);
        }
    }
}
