using System.Security.Cryptography;
using System.Text.Json;
using Pipeline.Core.Datasets;
using Pipeline.Testing;
using Pipeline.Workflows.Promotion;

namespace Pipeline.Cli.Tests;

/// <summary><c>pipeline run</c> end to end, and the training side: <c>versions</c>, <c>diff</c>, <c>pull</c>, <c>rollback</c> against a runner.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class RunAndPullTests(AzuriteFixture azurite) : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("run-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static Task<(int Exit, string Output, string Error)> Run(params string[] args) => Cli.RunAsync(args);

    [Fact]
    public async Task Run_uploads_checks_gates_and_publishes_a_folder_and_writes_both_reports()
    {
        var data = Directory.CreateDirectory(Path.Combine(folder, "data")).FullName;
        for (var i = 0; i < 3; i++)
        {
            await File.WriteAllBytesAsync(Path.Combine(data, $"img{i}.jpg"), TestFiles.Jpeg(320, 240, seed: (i * 41) + 7));
        }

        await File.WriteAllTextAsync(Path.Combine(data, "coco.json"), PromotionTestData.Coco(("img0.jpg", "cat"), ("img1.jpg", "dog"), ("img2.jpg", "cat")));
        await File.WriteAllBytesAsync(Path.Combine(data, "broken.jpg"), TestFiles.Truncate(TestFiles.Jpeg(320, 240, seed: 99)));
        var gate = Path.Combine(folder, "gate.json");
        await File.WriteAllTextAsync(gate, """{"version": 1, "expectations": [{"expect": "no_findings", "findingSeverity": "error", "mostly": 0.5}], "approval": {"required": "always"}}""");
        var previous = Environment.CurrentDirectory;
        // Reports go to ./out. The current directory is the process's: safe because the tests that run beside this
        // one (outside the Azurite collection, which runs one test at a time) give every path absolute.
        Environment.CurrentDirectory = folder;
        try
        {
            var (exit, output, error) = await Run("run", data, "--dataset", "runs", "--batch", "r1", "--gate", gate, "--approve-as", "ci", "--connection", azurite.ConnectionString, "--json", "--trace");

            Assert.True(exit == PipelineCli.Accepted, output + error);
            var summary = JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement;
            Assert.Equal("published", summary.GetProperty("outcome").GetString());
            Assert.Equal((5, 4), (summary.GetProperty("files").GetInt32(), summary.GetProperty("accepted").GetInt32()));
            Assert.Contains("<title>Batch r1", await File.ReadAllTextAsync(summary.GetProperty("batchReport").GetString()!), StringComparison.Ordinal);
            Assert.Contains("approved by ci", await File.ReadAllTextAsync(summary.GetProperty("versionReport").GetString()!), StringComparison.Ordinal);
            Assert.Equal("healthy", summary.GetProperty("health").GetProperty("status").GetString()); // fresh, and everything accepted is published
            // --trace: one tree per upload (five files and the seal marker; stderr, as --json keeps stdout one document): its ingest, and the label QA unit and
            // promotion chunk that link to it.
            Assert.Contains("Trace of the run: 6 upload(s), one trace each.", error, StringComparison.Ordinal);
            Assert.Matches(@"r1/img0\.jpg  trace [0-9a-f]{32}\n  └ ingest [0-9]+ ms \(accepted, runs\)\n(.*\n)*  ↳ labelqa\.unit [0-9]+ ms.*\[linked\]\n(.*\n)*  ↳ promotion\.copy [0-9]+ ms \(runs\) \[linked\]", error.ReplaceLineEndings("\n"));
        }
        finally
        {
            Environment.CurrentDirectory = previous;
        }
    }

    [Fact]
    public async Task Status_approve_report_and_rollback_drive_a_promotion_that_waits_for_a_person()
    {
        await using var storage = azurite.CreateStorage();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var runner = await TestRunners.StartAsync(storage, timeout.Token);
        await PromotionTestData.PromotionAwaitingApprovalAsync(storage, runner, timeout.Token);

        var status = await Run("status", "--dataset", "cats", "--api", runner.Url);
        var nameless = await Run("approve", "--dataset", "cats", "--as", " ", "--api", runner.Url);
        var approve = await Run("approve", "--dataset", "cats", "--as", "alice", "--comment", "fine", "--api", runner.Url);
        await runner.Client.WaitForInstanceCompletionAsync(PromoteOrchestration.InstanceIdFor("cats"), timeout.Token);
        var late = await Run("reject", "--dataset", "cats", "--as", "bob", "--api", runner.Url);
        var report = await Run("report", "--dataset", "cats", "--out", Path.Combine(folder, "v.html"), "--api", runner.Url);
        var rollback = await Run("rollback", "--dataset", "cats", "--to", "1", "--api", runner.Url, "--json");
        var missing = await Run("rollback", "--dataset", "cats", "--to", "5", "--api", runner.Url);

        Assert.Contains("stage: awaiting_approval", status.Output, StringComparison.Ordinal);
        Assert.Contains("the gate asks for approval of every promotion", status.Output, StringComparison.Ordinal);
        Assert.Equal(PipelineCli.UsageError, nameless.Exit);
        Assert.Equal(PipelineCli.Accepted, approve.Exit);
        Assert.Equal(PipelineCli.UsageError, late.Exit);
        Assert.Contains("No promotion of 'cats' is waiting for approval", late.Error, StringComparison.Ordinal);
        Assert.Contains("approved by alice", await File.ReadAllTextAsync(Path.Combine(folder, "v.html")), StringComparison.Ordinal);
        Assert.Equal(PipelineCli.Accepted, report.Exit);
        Assert.Equal(1, JsonDocument.Parse(rollback.Output).RootElement.GetProperty("to").GetInt32());
        Assert.Equal(PipelineCli.UsageError, missing.Exit);
    }

    [Fact]
    public async Task Health_prints_the_five_pillars_and_its_history_and_backfill_follows_a_run_to_its_report()
    {
        await using var storage = azurite.CreateStorage();
        await PromotionTestData.IngestBatchAsync(storage, "b1", 3);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var runner = await TestRunners.StartAsync(storage, timeout.Token);

        var health = await Run("health", "--dataset", "cats", "--api", runner.Url);
        var history = await Run("health", "--dataset", "cats", "--history", "1", "--api", runner.Url);
        var unknown = await Run("health", "--dataset", "dogs", "--api", runner.Url);
        var backfill = await Run("backfill", "--dataset", "cats", "--wait", "--chunk-size", "2", "--api", runner.Url);
        var json = await Run("backfill", "--dataset", "cats", "--api", runner.Url, "--json");

        Assert.True(health.Exit == PipelineCli.Accepted, health.Output + health.Error);
        foreach (var pillar in new[] { "freshness", "volume", "distribution", "schema", "lineage" })
        {
            Assert.Contains(pillar, health.Output, StringComparison.Ordinal);
        }

        Assert.Contains("3 images in 1 batch(es) awaiting promotion", health.Output, StringComparison.Ordinal);
        Assert.Contains("healthy", Assert.Single(history.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
        Assert.Equal(PipelineCli.UsageError, unknown.Exit);
        Assert.True(backfill.Exit == PipelineCli.Accepted, backfill.Output + backfill.Error);
        Assert.Contains("3 images re-checked under rules r", backfill.Output, StringComparison.Ordinal);
        Assert.Equal("backfill:cats", JsonDocument.Parse(json.Output).RootElement.GetProperty("instanceId").GetString());
    }

    [Fact]
    public async Task Pull_downloads_a_verified_version_and_a_second_pull_repairs_only_what_is_missing_or_wrong()
    {
        await using var storage = azurite.CreateStorage();
        await PromotionTestData.UseGateWithoutLeakageAsync(storage);
        await PromotionTestData.IngestBatchAsync(storage, "b1", 4);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var runner = await TestRunners.StartAsync(storage, timeout.Token);
        var (id, _) = await PromotionClient.StartAsync(runner.Client, runner.Locks, new PromoteInput(new PromotionRequest("cats")), timeout.Token);
        await runner.Client.WaitForInstanceCompletionAsync(id, timeout.Token);
        var target = Path.Combine(folder, "pulled");

        var first = await Run("pull", "--dataset", "cats", "--to", target, "--api", runner.Url, "--json");

        Assert.True(first.Exit == PipelineCli.Accepted, first.Error);
        var manifest = File.ReadAllLines(Path.Combine(target, "manifest.jsonl")).Select(l => JsonSerializer.Deserialize<ManifestEntry>(l, Pipeline.Core.PipelineJson.Options)!).ToList();
        Assert.Equal(4, manifest.Count);
        foreach (var entry in manifest)
        {
            Assert.Equal(entry.Sha256, Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(target, entry.Path)))));
            Assert.True(File.Exists(Path.Combine(target, "labels", entry.Sha256 + ".txt")));
        }

        Assert.True(File.Exists(Path.Combine(target, "data.yaml")));
        Assert.Equal(4, JsonDocument.Parse(first.Output).RootElement.GetProperty("downloaded").GetInt32());

        // An interrupted pull: one image missing, one with other bytes, one half-written file left behind.
        File.Delete(Path.Combine(target, manifest[0].Path));
        await File.WriteAllTextAsync(Path.Combine(target, manifest[1].Path), "not the image");
        await File.WriteAllTextAsync(Path.Combine(target, manifest[2].Path) + ".partial", "half");

        var second = await Run("pull", "--dataset", "cats", "--to", target, "--api", runner.Url, "--json");

        var result = JsonDocument.Parse(second.Output).RootElement;
        Assert.Equal((2, 2), (result.GetProperty("downloaded").GetInt32(), result.GetProperty("alreadyThere").GetInt32()));
        foreach (var entry in manifest)
        {
            Assert.Equal(entry.Sha256, Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(target, entry.Path)))));
        }

        var versions = await Run("versions", "--dataset", "cats", "--api", runner.Url);
        Assert.Contains("*    1", versions.Output, StringComparison.Ordinal);
        var badDiff = await Run("diff", "--dataset", "cats", "--from", "1", "--to", "9", "--api", runner.Url);
        Assert.Equal(PipelineCli.UsageError, badDiff.Exit);
        Assert.Contains("'cats' has no published version 9.", badDiff.Error, StringComparison.Ordinal); // 1 exists: only 9 is named
        var unreachable = await Run("versions", "--dataset", "cats", "--api", "http://127.0.0.1:9");
        Assert.Equal(PipelineCli.ServiceError, unreachable.Exit);
    }

    [Theory]
    [InlineData("coco", "annotations.coco.json", "COCO")]
    [InlineData("yolo", "data.yaml", "Ultralytics YOLO")]
    [InlineData("voc", "ImageSets/Main/train.txt", "Pascal VOC devkit")]
    public async Task Pull_writes_each_format_in_its_tools_layout_and_validate_reads_it_back_with_every_box_and_no_error(string format, string marker, string layout)
    {
        await using var storage = azurite.CreateStorage();
        await PromotionTestData.UseGateWithoutLeakageAsync(storage);
        await PromotionTestData.IngestBatchAsync(storage, "b1", 9);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var runner = await TestRunners.StartAsync(storage, timeout.Token);
        var (id, _) = await PromotionClient.StartAsync(runner.Client, runner.Locks, new PromoteInput(new PromotionRequest("cats")), timeout.Token);
        await runner.Client.WaitForInstanceCompletionAsync(id, timeout.Token);
        var target = Path.Combine(folder, format);

        var pulled = await Run("pull", "--dataset", "cats", "--to", target, "--format", format, "--api", runner.Url);

        Assert.True(pulled.Exit == PipelineCli.Accepted, pulled.Error);
        Assert.True(File.Exists(Path.Combine(target, marker)), marker);
        var manifest = File.ReadAllLines(Path.Combine(target, "manifest.jsonl")).Select(l => JsonSerializer.Deserialize<ManifestEntry>(l, Pipeline.Core.PipelineJson.Options)!).ToList();
        var images = format == "voc" ? "JPEGImages" : "images";
        Assert.All(manifest, e => Assert.True(File.Exists(Path.Combine(target, images, Path.GetFileName(e.Path)))));
        Assert.Equal(format == "voc", File.Exists(Path.Combine(target, "Annotations", Path.GetFileNameWithoutExtension(manifest[0].Path) + ".xml")));

        // The pulled folder is a dataset in its tool's layout: validate reads every box back, and no file has an error.
        var json = Path.Combine(folder, format + ".jsonl");
        var validated = await Run("validate", target, "--json", json);
        var records = File.ReadAllLines(json).Select(l => JsonSerializer.Deserialize<FileReport>(l, Pipeline.Core.PipelineJson.Options)!).ToList();
        Assert.All(records, r => Assert.DoesNotContain(r.Findings, f => f.Severity == Pipeline.Core.Findings.Severity.Error));
        Assert.Equal(PipelineCli.Accepted, validated.Exit);
        Assert.Equal(manifest.Sum(e => e.Labels.Count), records.Where(r => r.Kind == "annotations").Sum(r => r.Annotations ?? 0));
        Assert.Equal(manifest.Count, records.Count(r => r.Kind == "image" && r.Status == "accepted"));
        Assert.Contains(layout, validated.Output, StringComparison.Ordinal);
    }
}

/// <summary><c>pipeline run</c> against an API whose label QA never starts (a lost seal event): it gives up, says where to look, exits 4.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class RunTimeoutTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Run_gives_up_after_its_timeout_with_exit_code_4()
    {
        var port = TestPorts.Free();
        using var api = new System.Net.HttpListener();
        api.Prefixes.Add($"http://127.0.0.1:{port}/");
        api.Start();
        _ = Task.Run(async () =>
        {
            while (api.IsListening)
            {
                var context = await api.GetContextAsync();
                // Events are taken; label QA is never found.
                var found = context.Request.Url!.AbsolutePath.EndsWith("/events/blob-created", StringComparison.Ordinal);
                context.Response.StatusCode = found ? 200 : 404;
                var body = System.Text.Encoding.UTF8.GetBytes(found ? "{\"handled\":1,\"verdicts\":[]}" : "{\"error\":\"not found\"}");
                await context.Response.OutputStream.WriteAsync(body);
                context.Response.Close();
            }
        });
        var data = Directory.CreateTempSubdirectory("timeout-").FullName;
        await File.WriteAllBytesAsync(Path.Combine(data, "a.jpg"), TestFiles.Jpeg());
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = await PipelineCli.RunAsync(
            ["run", data, "--dataset", "cats", "--batch", "lost", "--api", $"http://127.0.0.1:{port}", "--connection", azurite.ConnectionString, "--timeout-minutes", "0.05"], output, error);

        Assert.Equal(PipelineCli.ServiceError, exit);
        Assert.Contains("Gave up after 0.05 minutes", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("pipeline status --batch lost", error.ToString(), StringComparison.Ordinal);
        Directory.Delete(data, recursive: true);
    }
}
