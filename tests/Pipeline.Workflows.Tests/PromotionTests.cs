using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Core;
using Pipeline.Core.Datasets;
using Pipeline.Testing;
using Pipeline.Workflows.Promotion;

namespace Pipeline.Workflows.Tests;

/// <summary>Promotion in the in-process Durable Task engine, on Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class PromotionTests(AzuriteFixture azurite)
{
    /// <summary>This test's time window (a new class instance per test).</summary>
    private readonly CancellationToken testTimeout = TestTimeout.Start();

    internal const string Dataset = PromotionTestData.Dataset;

    internal static Task IngestBatchAsync(TestStorage storage, string batch, int count, int seed = 0) => PromotionTestData.IngestBatchAsync(storage, batch, count, seed);

    internal static Task UseGateWithoutLeakageAsync(TestStorage storage, string approval = "never") => PromotionTestData.UseGateWithoutLeakageAsync(storage, approval);

    internal static string Coco(params (string File, string Label)[] boxes) => PromotionTestData.Coco(boxes);

    internal static async Task<PromotionResult> PromoteAsync(DurableTaskClient client, Pipeline.Core.IExclusiveLease locks, PromoteInput input, CancellationToken cancellationToken, bool expectSuccess = true)
    {
        var (id, started) = await PromotionClient.StartAsync(client, locks, input, cancellationToken);
        Assert.True(started);
        var done = await OrchestrationWaits.CompletedAsync(client, id, cancellationToken, allowFailed: !expectSuccess);
        if (!expectSuccess)
        {
            Assert.Equal(OrchestrationRuntimeStatus.Failed, done.RuntimeStatus);
            return null!;
        }

        return done.ReadOutputAs<PromotionResult>()!;
    }

    internal static async Task<List<ManifestEntry>> ManifestAsync(TestStorage storage, int version, CancellationToken cancellationToken = default)
    {
        var entries = new List<ManifestEntry>();
        var blob = storage.Production.GetBlobClient(PromotionService.VersionFile(Dataset, version, "manifest.jsonl"));
        await foreach (var entry in DatasetManifest.ReadAsync((await blob.DownloadStreamingAsync()).Value.Content, cancellationToken))
        {
            entries.Add(entry);
        }

        return entries;
    }

    /// <summary>The published images: production/{dataset}/images/*.</summary>
    internal static async Task<List<string>> ProductionImagesAsync(TestStorage storage) =>
        [.. (await storage.ListAsync(storage.Production)).Where(n => n.StartsWith($"{Dataset}/images/", StringComparison.Ordinal)).Select(n => n[(Dataset.Length + 1)..])];

    [Fact]
    public async Task A_promotion_publishes_a_version_whose_images_are_exactly_its_manifest_with_lineage()
    {
        await using var storage = azurite.CreateStorage(s => s["Pipeline:Promotion:ChunkSize"] = "2");
        await IngestBatchAsync(storage, "b1", 5);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var host = await TestHosts.StartAsync(registry => storage.RegisterWorkflows(registry), timeout.Token);

        // One chunk per generation: the chunk orchestrations continue as new twice.
        var result = await PromoteAsync(host.Client, storage.Locks, new PromoteInput(new PromotionRequest(Dataset), ChunksPerGeneration: 1), timeout.Token);

        Assert.Equal((PromotionOutcomes.Published, 1, 5, 5), (result.Outcome, result.Version, result.Images, result.Added));
        var manifest = await ManifestAsync(storage, 1);
        Assert.Equal(manifest.Select(e => e.Path).Order(StringComparer.Ordinal), await ProductionImagesAsync(storage));
        Assert.Equal(manifest.OrderBy(e => e.OriginalSha256, StringComparer.Ordinal), manifest);
        Assert.All(manifest, e => Assert.Equal(e.OriginalSha256, e.Sha256));
        Assert.All(manifest, e => Assert.Equal(e.FileName is "img0.jpg" or "img3.jpg" ? "dog" : "cat", e.Labels.Single().Label));
        foreach (var entry in manifest)
        {
            var bytes = (await storage.Production.GetBlobClient($"{Dataset}/{entry.Path}").DownloadContentAsync()).Value.Content.ToArray();
            Assert.Equal(entry.Sha256, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        }

        var versions = storage.Services.GetRequiredService<DatasetVersions>();
        var version = await versions.GetAsync(Dataset, 1, timeout.Token);
        var manifestBytes = (await storage.Production.GetBlobClient(PromotionService.VersionFile(Dataset, 1, "manifest.jsonl")).DownloadContentAsync()).Value.Content.ToArray();
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(manifestBytes)), version!.Id);
        Assert.Equal(result.Id, version.Id);
        Assert.Equal(["b1"], version.Lineage.Batches);
        Assert.Equal("default", version.Lineage.GateFile);
        Assert.Null(version.Parent);
        Assert.Equal(5, version.Counts.Images);
        Assert.Equal(new VersionListing(1, version.Id, version.CreatedAt, 5, true), Assert.Single(await versions.ListAsync(Dataset, timeout.Token)));
        foreach (var file in new[] { "annotations.coco.json", "yolo.tar", "gate-result.json", "dataset.json" })
        {
            Assert.True(await storage.Production.GetBlobClient(PromotionService.VersionFile(Dataset, 1, file)).ExistsAsync(), file);
        }

        // The catalog rows of the images say where they went; staging keeps everything.
        var rows = await storage.CatalogRowsAsync();
        Assert.All(rows.Where(r => r.GetString("Kind") == "image"), r => Assert.Equal("cats@1", r.GetString("Promoted")));
        Assert.Equal(6, (await storage.ListAsync(storage.Staging)).Count);

        // Lineage: the promotion's START and COMPLETE share a run id; the COMPLETE names the version and the gate's assertions.
        var events = await LineageEventsAsync(storage, "promote");
        Assert.Equal(["START", "COMPLETE"], events.Select(e => e.GetProperty("eventType").GetString()));
        Assert.Single(events.Select(e => e.GetProperty("run").GetProperty("runId").GetString()).Distinct());
        var complete = events[1];
        Assert.Equal(version.Id, complete.GetProperty("outputs")[0].GetProperty("facets").GetProperty("version").GetProperty("datasetVersion").GetString());
        Assert.Equal(2, complete.GetProperty("inputs")[0].GetProperty("inputFacets").GetProperty("dataQualityAssertions").GetProperty("assertions").GetArrayLength());
        var ingests = (await LineageEventsAsync(storage, "ingest")).GroupBy(e => e.GetProperty("run").GetProperty("runId").GetString()).ToList();
        Assert.Equal(6, ingests.Count); // six files, each one run
        Assert.All(ingests, run => Assert.Equal(["COMPLETE", "START"], run.Select(e => e.GetProperty("eventType").GetString()).Order()));
    }

    [Fact]
    public async Task A_second_version_adds_and_relabels_and_a_rollback_moves_only_the_pointer()
    {
        await using var storage = azurite.CreateStorage();
        await UseGateWithoutLeakageAsync(storage);
        await IngestBatchAsync(storage, "b1", 3);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var host = await TestHosts.StartAsync(registry => storage.RegisterWorkflows(registry), timeout.Token);
        await PromoteAsync(host.Client, storage.Locks, new PromoteInput(new PromotionRequest(Dataset)), timeout.Token);
        var v1 = await ManifestAsync(storage, 1);

        // Batch b2 adds two images and relabels img1 of b1 (same bytes, now a dog).
        await IngestBatchAsync(storage, "b2", 2, seed: 100);
        await storage.UploadAsync("b2/img-again.jpg", TestFiles.Jpeg(320, 240, seed: 2), Dataset);
        await storage.UploadAsync("b2/coco.json", Encoding.UTF8.GetBytes(Coco(("img0.jpg", "dog"), ("img1.jpg", "cat"), ("img-again.jpg", "dog"))), Dataset);
        await storage.Ingest.IngestAsync("b2/img-again.jpg", timeout.Token);
        await storage.Ingest.IngestAsync("b2/coco.json", timeout.Token);
        var second = await PromoteAsync(host.Client, storage.Locks, new PromoteInput(new PromotionRequest(Dataset)), timeout.Token);
        var unchanged = await PromoteAsync(host.Client, storage.Locks, new PromoteInput(new PromotionRequest(Dataset)), timeout.Token);

        Assert.Equal((PromotionOutcomes.Published, 2, 5, 2), (second.Outcome, second.Version, second.Images, second.Added));
        Assert.Equal(PromotionOutcomes.Unchanged, unchanged.Outcome);
        var versions = storage.Services.GetRequiredService<DatasetVersions>();
        var diff = await versions.DiffAsync(Dataset, 1, 2, timeout.Token);
        Assert.Equal((2, 0, 1), (diff!.AddedCount, diff.RemovedCount, diff.RelabelledCount));
        Assert.Equal(v1.Single(e => e.FileName == "img1.jpg").OriginalSha256, diff.Relabelled.Single().OriginalSha256);
        var v2Info = await versions.GetAsync(Dataset, 2, timeout.Token);
        Assert.Equal((1, (await versions.GetAsync(Dataset, 1, timeout.Token))!.Id), (v2Info!.Parent!.Value, v2Info.ParentId!));
        var v2Bytes = (await storage.Production.GetBlobClient(PromotionService.VersionFile(Dataset, 2, "manifest.jsonl")).DownloadContentAsync()).Value.Content.ToArray();

        var rollback = await versions.RollbackAsync(Dataset, 1, timeout.Token);

        Assert.Equal(new RollbackResult(Dataset, 2, 1), rollback);
        Assert.Equal(1, await versions.CurrentAsync(Dataset, timeout.Token));
        Assert.Equal([false, true], (await versions.ListAsync(Dataset, timeout.Token)).OrderByDescending(v => v.Version).Select(v => v.Current));
        Assert.Equal(v2Bytes, (await storage.Production.GetBlobClient(PromotionService.VersionFile(Dataset, 2, "manifest.jsonl")).DownloadContentAsync()).Value.Content.ToArray());
        Assert.Null(await versions.RollbackAsync(Dataset, 7, timeout.Token));

        // Promoting after the rollback builds version 3 on version 1, and it equals version 2 in content.
        var third = await PromoteAsync(host.Client, storage.Locks, new PromoteInput(new PromotionRequest(Dataset)), timeout.Token);
        Assert.Equal((3, v2Info.Id), (third.Version, third.Id));
        Assert.Equal(1, (await versions.GetAsync(Dataset, 3, timeout.Token))!.Parent);
    }

    [Fact]
    public async Task A_removal_leaves_an_image_out_of_the_next_version_and_an_unknown_one_is_refused()
    {
        await using var storage = azurite.CreateStorage();
        await UseGateWithoutLeakageAsync(storage);
        await IngestBatchAsync(storage, "b1", 3);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var host = await TestHosts.StartAsync(registry => storage.RegisterWorkflows(registry), timeout.Token);
        await PromoteAsync(host.Client, storage.Locks, new PromoteInput(new PromotionRequest(Dataset)), timeout.Token);
        var gone = (await ManifestAsync(storage, 1))[0].OriginalSha256;

        var unknown = await PromoteAsync(host.Client, storage.Locks, new PromoteInput(new PromotionRequest(Dataset, Remove: [new string('0', 64)])), timeout.Token);
        var removed = await PromoteAsync(host.Client, storage.Locks, new PromoteInput(new PromotionRequest(Dataset, Remove: [gone])), timeout.Token);

        Assert.Equal(PromotionOutcomes.Invalid, unknown.Outcome);
        Assert.Contains("not in the current version", unknown.Message, StringComparison.Ordinal);
        Assert.Equal((PromotionOutcomes.Published, 2, 2), (removed.Outcome, removed.Version, removed.Images));
        Assert.DoesNotContain(await ManifestAsync(storage, 2), e => e.OriginalSha256 == gone);
        Assert.Contains(await ManifestAsync(storage, 1), e => e.OriginalSha256 == gone);
    }

    [Fact]
    public async Task A_rollback_that_loses_the_race_for_the_pointer_is_a_409_and_no_other_failure_is()
    {
        await using var storage = azurite.CreateStorage();
        await IngestBatchAsync(storage, "b1", 2);
        await IngestBatchAsync(storage, "b2", 1, seed: 40);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var host = await TestHosts.StartAsync(registry => storage.RegisterWorkflows(registry), timeout.Token);
        await PromoteAsync(host.Client, storage.Locks, new PromoteInput(new PromotionRequest(Dataset, ["b1"])), timeout.Token);
        await PromoteAsync(host.Client, storage.Locks, new PromoteInput(new PromotionRequest(Dataset, ["b2"])), timeout.Token);
        var registry = storage.Services.GetRequiredService<IDatasetRegistry>();
        DatasetApi Api(IDatasetRegistry over) =>
            ActivatorUtilities.CreateInstance<DatasetApi>(storage.Services, ActivatorUtilities.CreateInstance<DatasetVersions>(storage.Services, over));

        var lost = await Api(new PointerRace(registry, moved: true)).RollbackAsync(Dataset, new RollbackBody(1), timeout.Token);
        var broken = Api(new PointerRace(registry, moved: false)).RollbackAsync(Dataset, new RollbackBody(1), timeout.Token);

        Assert.Equal(409, lost.Status);
        Assert.Contains("moved while it was being rolled back", JsonSerializer.Serialize(lost.Body), StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidOperationException>(() => broken); // a broken invariant is not a conflict
        Assert.Equal(2, await storage.Services.GetRequiredService<DatasetVersions>().CurrentAsync(Dataset, timeout.Token));
    }

    /// <summary>The registry, with the pointer's move either lost to another writer or failing with a broken invariant.</summary>
    private sealed class PointerRace(IDatasetRegistry inner, bool moved) : DelegatingDatasetRegistry(inner)
    {
        public override Task<bool> MovePointerAsync(string dataset, int version, string pointerETag, CancellationToken cancellationToken) =>
            moved ? Task.FromResult(false) : throw new InvalidOperationException("The registry is in a state it should never be in.");
    }

    /// <summary>Regression: <c>pipeline run</c> on a folder whose every image was rejected published an empty version 1.</summary>
    [Fact]
    public async Task A_promotion_with_no_accepted_image_publishes_nothing_and_says_so()
    {
        await using var storage = azurite.CreateStorage();
        // A folder with no good image: one that is cut short, and an annotation file (accepted: the batch is known).
        await storage.UploadAsync("b1/cut.jpg", TestFiles.Truncate(TestFiles.Jpeg()), Dataset);
        await storage.UploadAsync("b1/coco.json", Encoding.UTF8.GetBytes(Coco(("cut.jpg", "cat"))), Dataset);
        foreach (var name in new[] { "b1/cut.jpg", "b1/coco.json" })
        {
            await storage.Ingest.IngestAsync(name, testTimeout);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var host = await TestHosts.StartAsync(registry => storage.RegisterWorkflows(registry), timeout.Token);

        var result = await PromoteAsync(host.Client, storage.Locks, new PromoteInput(new PromotionRequest(Dataset, ["b1"])), timeout.Token);

        Assert.Equal(PromotionOutcomes.Empty, result.Outcome);
        Assert.Contains("no image", result.Message, StringComparison.Ordinal);
        Assert.Empty(await storage.ListAsync(storage.Production));
        Assert.Null(await storage.Services.GetRequiredService<DatasetVersions>().CurrentAsync(Dataset, timeout.Token));
    }

    [Fact]
    public async Task A_failed_gate_or_an_invalid_gate_file_or_an_unknown_batch_publishes_nothing_and_says_why()
    {
        await using var storage = azurite.CreateStorage();
        await IngestBatchAsync(storage, "b1", 2);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var host = await TestHosts.StartAsync(registry => storage.RegisterWorkflows(registry), timeout.Token);
        var blobs = storage.Services.GetRequiredService<IPromotionBlobs>();

        await blobs.WriteGateAsync(Dataset, Encoding.UTF8.GetBytes("""{"version": 4, "expectations": [{"expect": "min_images", "min": 100}]}"""), timeout.Token);
        var failed = await PromoteAsync(host.Client, storage.Locks, new PromoteInput(new PromotionRequest(Dataset)), timeout.Token);
        await blobs.WriteGateAsync(Dataset, Encoding.UTF8.GetBytes("""{"version": 4, "expectations": [{"expect": "min_images"}]}"""), timeout.Token);
        var invalid = await PromoteAsync(host.Client, storage.Locks, new PromoteInput(new PromotionRequest(Dataset)), timeout.Token);
        await blobs.WriteGateAsync(Dataset, Encoding.UTF8.GetBytes("""{"version": 5, "expectations": []}"""), timeout.Token);
        var unknown = await PromoteAsync(host.Client, storage.Locks, new PromoteInput(new PromotionRequest(Dataset, Batches: ["nope"])), timeout.Token);

        Assert.Equal(PromotionOutcomes.GateFailed, failed.Outcome);
        Assert.Equal(PromotionOutcomes.Invalid, invalid.Outcome);
        Assert.Contains("min is required", invalid.Message, StringComparison.Ordinal);
        Assert.Equal(PromotionOutcomes.Invalid, unknown.Outcome);
        Assert.Contains("'nope'", unknown.Message, StringComparison.Ordinal);
        Assert.Empty(await storage.ListAsync(storage.Production));
        Assert.Empty(await storage.Services.GetRequiredService<DatasetVersions>().ListAsync(Dataset, timeout.Token));
        var gate = JsonSerializer.Deserialize<Pipeline.Core.Gates.GateResult>(
            (await storage.Reports.GetBlobClient(PromotionService.GateResultName(PromotionService.WorkFolder(Dataset, 1))).DownloadContentAsync()).Value.Content.ToArray(), PipelineJson.Options)!;
        Assert.Equal((4, false, 2.0), (gate.GateVersion, gate.Expectations[0].Success, gate.Expectations[0].Observed));
        var failures = (await LineageEventsAsync(storage, "promote")).Where(e => e.GetProperty("eventType").GetString() == "FAIL").ToList();
        Assert.Equal(3, failures.Count);
    }

    [Fact]
    public async Task Location_is_stripped_before_publication_with_both_hashes_in_the_manifest()
    {
        await using var storage = azurite.CreateStorage(s => s["Pipeline:Ingest:KeepLocationDatasets"] = "dogs");
        var geotagged = TestFiles.Geotagged("jpeg");
        await storage.UploadAsync("geo/cat.jpg", geotagged, Dataset);
        await storage.UploadAsync("geo/dog.jpg", geotagged, "dogs");
        await storage.Ingest.IngestAsync("geo/cat.jpg", testTimeout);
        await storage.Ingest.IngestAsync("geo/dog.jpg", testTimeout);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var host = await TestHosts.StartAsync(registry => storage.RegisterWorkflows(registry), timeout.Token);

        await PromoteAsync(host.Client, storage.Locks, new PromoteInput(new PromotionRequest(Dataset)), timeout.Token);
        await PromoteAsync(host.Client, storage.Locks, new PromoteInput(new PromotionRequest("dogs")), timeout.Token);

        var entry = Assert.Single(await ManifestAsync(storage, 1));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(geotagged)), entry.OriginalSha256);
        Assert.NotEqual(entry.OriginalSha256, entry.Sha256);
        var published = (await storage.Production.GetBlobClient($"{Dataset}/{entry.Path}").DownloadContentAsync()).Value.Content.ToArray();
        Assert.Equal(entry.Sha256, Convert.ToHexStringLower(SHA256.HashData(published)));
        var guard = storage.Services.GetRequiredService<Pipeline.Core.Images.ImageGuard>();
        Assert.DoesNotContain((await guard.InspectAsync(published, "p.jpg", timeout.Token)).Findings, f => f.Code == Pipeline.Core.Findings.FindingCodes.ImageLocationMetadata);
        Assert.Equal(1, (await storage.Services.GetRequiredService<DatasetVersions>().GetAsync(Dataset, 1, timeout.Token))!.Counts.LocationStripped);
        var kept = (await storage.Production.GetBlobClient($"dogs/images/{entry.OriginalSha256}.jpg").DownloadContentAsync()).Value.Content.ToArray();
        Assert.Equal(geotagged, kept);
    }

    [Fact]
    public async Task Near_duplicates_split_apart_are_leakage_and_the_default_gate_blocks_them()
    {
        await using var storage = azurite.CreateStorage();
        // Half train, half test: find an edit of the photograph whose hash falls in the other split.
        var ratios = new SplitRatios(0.5, 0, 0.5);
        var original = SampleSet.Good("chelsea.png");
        var edit = Enumerable.Range(0, 40).Select(q => TestFiles.Edited("chelsea.png", 0.8, 60 + q))
            .First(e => ratios.Assign(Sha(e)) != ratios.Assign(Sha(original)));
        await storage.Services.GetRequiredService<IPromotionBlobs>().WriteGateAsync(Dataset, Encoding.UTF8.GetBytes("""
            {"version": 1, "splits": {"train": 0.5, "val": 0, "test": 0.5}, "expectations": [{"expect": "no_split_leakage"}], "approval": {"required": "never"}}
            """), testTimeout);
        await storage.UploadAsync("nd/chelsea.png", original, Dataset);
        await storage.Ingest.IngestAsync("nd/chelsea.png", testTimeout);
        await storage.UploadAsync("nd/chelsea-small.jpg", edit, Dataset);
        await storage.Ingest.IngestAsync("nd/chelsea-small.jpg", testTimeout);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var host = await TestHosts.StartAsync(registry => storage.RegisterWorkflows(registry), timeout.Token);

        var result = await PromoteAsync(host.Client, storage.Locks, new PromoteInput(new PromotionRequest(Dataset)), timeout.Token);

        Assert.Equal(PromotionOutcomes.GateFailed, result.Outcome);
        var gate = JsonSerializer.Deserialize<Pipeline.Core.Gates.GateResult>(
            (await storage.Reports.GetBlobClient(PromotionService.GateResultName(PromotionService.WorkFolder(Dataset, 1))).DownloadContentAsync()).Value.Content.ToArray(), PipelineJson.Options)!;
        var leak = Assert.Single(gate.Expectations);
        Assert.Equal((1, 1), (leak.Elements, leak.Unexpected));
        Assert.Matches(@"^chelsea-small\.jpg \((train|test)\) ~ chelsea\.png \((train|test)\)$", Assert.Single(leak.Examples));
    }

    [Fact]
    public async Task The_batch_label_qa_report_feeds_the_gate_and_the_version_links_it()
    {
        await using var storage = azurite.CreateStorage();
        await PromotionTestData.IngestOutOfBoundsBoxAsync(storage, "qa", testTimeout);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var host = await TestHosts.StartAsync(registry => storage.RegisterWorkflows(registry), timeout.Token);
        var (qaId, _) = await Labels.LabelQaStarter.StartAsync(host.Client, storage.Locks, "qa", timeout.Token);
        await host.Client.WaitForInstanceCompletionAsync(qaId, timeout.Token);

        var blocked = await PromoteAsync(host.Client, storage.Locks, new PromoteInput(new PromotionRequest(Dataset)), timeout.Token);
        await storage.Services.GetRequiredService<IPromotionBlobs>().WriteGateAsync(Dataset, Encoding.UTF8.GetBytes("""
            {"version": 2, "expectations": [{"expect": "no_findings", "code": "label.*", "mostly": 0.5, "severity": "warning"}], "approval": {"required": "never"}}
            """), timeout.Token);
        var published = await PromoteAsync(host.Client, storage.Locks, new PromoteInput(new PromotionRequest(Dataset)), timeout.Token);

        Assert.Equal(PromotionOutcomes.GateFailed, blocked.Outcome);
        var gate = JsonSerializer.Deserialize<Pipeline.Core.Gates.GateResult>(
            (await storage.Reports.GetBlobClient(PromotionService.GateResultName(PromotionService.WorkFolder(Dataset, 1))).DownloadContentAsync()).Value.Content.ToArray(), PipelineJson.Options)!;
        Assert.Contains(gate.Expectations, e => !e.Success && e.Examples.Any(x => x.StartsWith("label.box_out_of_bounds: img0.jpg", StringComparison.Ordinal)));
        Assert.Equal(PromotionOutcomes.Published, published.Outcome);
        var version = await storage.Services.GetRequiredService<DatasetVersions>().GetAsync(Dataset, 1, timeout.Token);
        Assert.Equal(["reports/qa/qa.json"], version!.Lineage.QaReports);
        Assert.Equal(1, version.GateWarnings);
        // The published box is clipped by nothing: labels are published as annotated, and the gate decided.
        Assert.Equal(new ManifestBox("cat", 300, 10, 100, 100), (await ManifestAsync(storage, 1)).Single().Labels.Single());
        var qaEvents = await LineageEventsAsync(storage, "label-qa");
        Assert.Equal(["START", "COMPLETE"], qaEvents.Select(e => e.GetProperty("eventType").GetString()));
    }

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    internal static async Task<List<JsonElement>> LineageEventsAsync(TestStorage storage, string job)
    {
        var events = new List<JsonElement>();
        foreach (var name in (await storage.ListAsync(storage.Lineage)).Where(n => n.StartsWith(job + "/", StringComparison.Ordinal)))
        {
            var text = (await storage.Lineage.GetBlobClient(name).DownloadContentAsync()).Value.Content.ToString();
            events.AddRange(text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement));
        }

        return [.. events.OrderBy(e => e.GetProperty("eventTime").GetString(), StringComparer.Ordinal)];
    }
}
