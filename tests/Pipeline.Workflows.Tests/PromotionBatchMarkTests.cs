using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Core.Datasets;
using Pipeline.Core.Findings;
using Pipeline.Core.Gates;
using Pipeline.Core.Ingest;
using Pipeline.Testing;
using Pipeline.Workflows.Promotion;

namespace Pipeline.Workflows.Tests;

/// <summary>
/// A promotion reads only the batches it has something to take from: a batch a version on the current line took
/// whole, unchanged since, is skipped, and any change to it (a new file, a row rewritten while the promotion
/// ran, a rollback past the version that took it) makes the next promotion read it again.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class PromotionBatchMarkTests(AzuriteFixture azurite)
{
    private const string Dataset = PromotionTestData.Dataset;
    private readonly CancellationToken testTimeout = TestTimeout.Start();

    /// <summary>The catalog, noting which batches are read whole and able to run something just before rows are marked promoted.</summary>
    private sealed class WatchedCatalog(IImageCatalog inner) : DelegatingImageCatalog(inner)
    {
        public ConcurrentQueue<string> BatchesRead { get; } = new();

        public ConcurrentQueue<string> Lookups { get; } = new();

        public Func<Task>? BeforeMarking { get; set; }

        public override IAsyncEnumerable<CatalogEntry> ListBatchAsync(string batch, CancellationToken cancellationToken)
        {
            BatchesRead.Enqueue(batch);
            return base.ListBatchAsync(batch, cancellationToken);
        }

        public override Task<Versioned<CatalogEntry>?> GetAsync(string blobName, CancellationToken cancellationToken)
        {
            Lookups.Enqueue(blobName);
            return base.GetAsync(blobName, cancellationToken);
        }

        public override async Task MarkPromotedAsync(IReadOnlyList<string> names, string dataset, int version, CancellationToken cancellationToken)
        {
            if (BeforeMarking is { } before)
            {
                BeforeMarking = null;
                await before();
            }

            await base.MarkPromotedAsync(names, dataset, version, cancellationToken);
        }

        public List<string> TakeRead()
        {
            var read = BatchesRead.Order(StringComparer.Ordinal).ToList();
            BatchesRead.Clear();
            return read;
        }
    }

    /// <summary>The engine over <paramref name="storage"/> with the watched catalog; disposing it disposes the storage too when it made it.</summary>
    private sealed class Harness(TestStorage storage, WatchedCatalog catalog, DurableTaskTestHost host, bool ownsStorage) : IAsyncDisposable
    {
        public WatchedCatalog Catalog => catalog;

        public TestStorage Storage => storage;

        /// <summary>A dataset whose gate ignores leakage, with batch b1 of three images ingested.</summary>
        public static async Task<Harness> StartWithB1Async(AzuriteFixture azurite, CancellationToken cancellationToken)
        {
            var storage = azurite.CreateStorage();
            await PromotionTestData.UseGateWithoutLeakageAsync(storage);
            await PromotionTestData.IngestBatchAsync(storage, "b1", 3);
            try
            {
                return await StartAsync(storage, cancellationToken, ownsStorage: true);
            }
            catch
            {
                await storage.DisposeAsync();
                throw;
            }
        }

        public static async Task<Harness> StartAsync(TestStorage storage, CancellationToken cancellationToken, bool ownsStorage = false)
        {
            var catalog = new WatchedCatalog(storage.Catalog);
            var activities = storage.PromotionActivitiesOver(
                storage.Services.GetRequiredService<IPromotionBlobs>(), storage.Services.GetRequiredService<IDatasetRegistry>(), catalog);
            return new Harness(storage, catalog, await TestHosts.StartAsync(r => storage.RegisterWorkflows(r, activities), cancellationToken), ownsStorage);
        }

        public Task<PromotionResult> PromoteAsync(CancellationToken cancellationToken, params string[] batches) =>
            PromotionTests.PromoteAsync(host.Client, storage.Locks, new PromoteInput(new PromotionRequest(Dataset, batches.Length == 0 ? null : batches)), cancellationToken);

        public async Task<Dictionary<string, int?>> MarksAsync(CancellationToken cancellationToken) =>
            (await storage.Services.GetRequiredService<IDatasetRegistry>().ListBatchesAsync(Dataset, cancellationToken).ToListAsync(cancellationToken)).ToDictionary(b => b.Batch, b => b.PromotedIn);

        public async Task<T> WorkFileAsync<T>(int version, Func<string, string> file) =>
            JsonSerializer.Deserialize<T>((await storage.Reports.GetBlobClient(file(PromotionWork.Folder(Dataset, version))).DownloadContentAsync()).Value.Content.ToArray(), Core.PipelineJson.Options)!;

        public async ValueTask DisposeAsync()
        {
            await host.DisposeAsync();
            if (ownsStorage)
            {
                await storage.DisposeAsync();
            }
        }
    }

    private static async Task IngestOneAsync(TestStorage storage, string name, int seed)
    {
        await storage.UploadAsync(name, TestFiles.Jpeg(320, 240, seed: seed), Dataset);
        await storage.Ingest.IngestAsync(name, CancellationToken.None);
    }

    [Fact]
    public async Task A_batch_taken_whole_is_not_read_again_until_a_row_of_it_changes()
    {
        await using var harness = await Harness.StartWithB1Async(azurite, testTimeout);
        var storage = harness.Storage;

        var first = await harness.PromoteAsync(testTimeout);
        Assert.Equal((PromotionOutcomes.Published, 3), (first.Outcome, first.Added));
        Assert.Equal(["b1"], harness.Catalog.TakeRead());
        Assert.Equal(1, (await harness.MarksAsync(testTimeout))["b1"]);

        // A new batch: only it is read; the version still holds b1's images, taken from the parent's manifest.
        await PromotionTestData.IngestBatchAsync(storage, "b2", 2, seed: 10);
        var second = await harness.PromoteAsync(testTimeout);
        Assert.Equal((PromotionOutcomes.Published, 2, 5), (second.Outcome, second.Added, second.Images));
        Assert.Equal(["b2"], harness.Catalog.TakeRead());
        var plan = await harness.WorkFileAsync<PromotionPlan>(2, PromotionWork.Plan);
        Assert.Equal(["b2"], plan.Batches);
        Assert.Equal(1, plan.BatchesSkipped);
        Assert.Equal(new Dictionary<string, int?> { ["b1"] = 1, ["b2"] = 2 }, await harness.MarksAsync(testTimeout));

        // A late file in b1: b1 is read again, and only b1.
        await IngestOneAsync(storage, "b1/late.jpg", seed: 20);
        var third = await harness.PromoteAsync(testTimeout);
        Assert.Equal((PromotionOutcomes.Published, 1, 6), (third.Outcome, third.Added, third.Images));
        Assert.Equal(["b1"], harness.Catalog.TakeRead());

        // Nothing new anywhere: nothing read, nothing published.
        var fourth = await harness.PromoteAsync(testTimeout);
        Assert.Equal(PromotionOutcomes.Unchanged, fourth.Outcome);
        Assert.Empty(harness.Catalog.TakeRead());

        // Naming a batch reads it, marked or not.
        var named = await harness.PromoteAsync(testTimeout, "b2");
        Assert.Equal(PromotionOutcomes.Unchanged, named.Outcome);
        Assert.Equal(["b2"], harness.Catalog.TakeRead());
    }

    [Fact]
    public async Task A_file_ingested_while_the_promotion_ran_leaves_its_batch_unmarked_and_the_next_promotion_takes_it()
    {
        await using var harness = await Harness.StartWithB1Async(azurite, testTimeout);
        var storage = harness.Storage;
        harness.Catalog.BeforeMarking = () => IngestOneAsync(storage, "b1/during.jpg", seed: 30);

        var first = await harness.PromoteAsync(testTimeout);
        Assert.Equal((PromotionOutcomes.Published, 3), (first.Outcome, first.Added));
        Assert.Null((await harness.MarksAsync(testTimeout))["b1"]);

        var second = await harness.PromoteAsync(testTimeout);
        Assert.Equal((PromotionOutcomes.Published, 1, 4), (second.Outcome, second.Added, second.Images));
        Assert.Contains(await PromotionTests.ManifestAsync(storage, 2, testTimeout), e => e.Source == "b1/during.jpg");
        Assert.Equal(2, (await harness.MarksAsync(testTimeout))["b1"]);
    }

    [Fact]
    public async Task After_a_rollback_the_batches_of_the_rolled_back_version_are_read_again()
    {
        await using var harness = await Harness.StartWithB1Async(azurite, testTimeout);
        var storage = harness.Storage;
        await harness.PromoteAsync(testTimeout);
        await PromotionTestData.IngestBatchAsync(storage, "b2", 2, seed: 10);
        await harness.PromoteAsync(testTimeout);
        harness.Catalog.TakeRead();

        Assert.NotNull(await storage.Services.GetRequiredService<DatasetVersions>().RollbackAsync(Dataset, 1, testTimeout));
        var again = await harness.PromoteAsync(testTimeout);

        // Version 3 builds on version 1: b2, taken by version 2 (no longer on the line), is read again; b1 is not.
        Assert.Equal((PromotionOutcomes.Published, 3, 2, 5), (again.Outcome, again.Version, again.Added, again.Images));
        Assert.Equal(["b2"], harness.Catalog.TakeRead());
        Assert.Equal(new Dictionary<string, int?> { ["b1"] = 1, ["b2"] = 3 }, await harness.MarksAsync(testTimeout));
    }

    [Fact]
    public async Task Near_duplicates_promoted_out_of_upload_order_are_judged_once_both_are_in_and_need_no_look_up()
    {
        await using var storage = azurite.CreateStorage();
        await storage.Services.GetRequiredService<IPromotionBlobs>().WriteGateAsync(Dataset, Encoding.UTF8.GetBytes("""
            {"version": 1, "expectations": [{"expect": "no_split_leakage", "severity": "warning"}], "approval": {"required": "never"}}
            """), testTimeout);

        // The synthetic pictures resemble each other: the later batch's images are near duplicates of the earlier batch's.
        await PromotionTestData.IngestBatchAsync(storage, "early", 3);
        await PromotionTestData.IngestBatchAsync(storage, "late", 3, seed: 10);
        var rows = await storage.CatalogRowsAsync();
        var pairs = rows.Where(r => r.GetString("Kind") == "image")
            .SelectMany(r => JsonSerializer.Deserialize<List<Finding>>(r.GetString("Findings"), Core.PipelineJson.Options)!
                .Where(f => f.Code == FindingCodes.ImageNearDuplicate)
                .Select(f => (Later: r.GetString("Name"), Earlier: f.Subject!, f.SubjectSha256)))
            .ToList();
        Assert.All(pairs, p => Assert.NotNull(p.SubjectSha256));
        var across = pairs.Where(p => p.Later.StartsWith("late/", StringComparison.Ordinal) && p.Earlier.StartsWith("early/", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(across);

        // One row as written before findings carried the partner's hash: that pair costs the one look-up.
        var legacy = rows.Single(r => r.GetString("Name") == across[0].Later);
        var findings = JsonNode.Parse(legacy.GetString("Findings"))!.AsArray();
        foreach (var finding in findings)
        {
            finding!.AsObject().Remove("subjectSha256");
        }

        legacy["Findings"] = findings.ToJsonString();
        await storage.Tables.GetTableClient(storage.Options.CatalogTable).UpdateEntityAsync(legacy, Azure.ETag.All, TableUpdateMode.Replace, testTimeout);

        await using var harness = await Harness.StartAsync(storage, testTimeout);
        var lateOnly = await harness.PromoteAsync(testTimeout, "late");
        Assert.Equal(PromotionOutcomes.Published, lateOnly.Outcome);
        Assert.Equal(["late"], harness.Catalog.TakeRead());
        var carried = await harness.WorkFileAsync<List<NearPair>>(1, PromotionWork.NearPairs);
        Assert.Equal(pairs.Count(p => p.Later.StartsWith("late/", StringComparison.Ordinal)), carried.Count);
        Assert.All(carried, p => Assert.DoesNotContain('/', p.EarlierFile));
        Assert.Equal([across[0].Earlier], harness.Catalog.Lookups);

        Assert.Equal(1, (await harness.MarksAsync(testTimeout))["late"]);
        var rest = await harness.PromoteAsync(testTimeout);
        Assert.Equal((PromotionOutcomes.Published, 3), (rest.Outcome, rest.Added));
        Assert.Equal(["early"], harness.Catalog.TakeRead());
        Assert.Equal(pairs.Count, (await harness.WorkFileAsync<List<NearPair>>(2, PromotionWork.NearPairs)).Count);

        // Version 1 judged the pairs within late; version 2 judges every pair the catalog's findings name, though it read only early.
        var late = pairs.Count(p => p.Later.StartsWith("late/", StringComparison.Ordinal) && p.Earlier.StartsWith("late/", StringComparison.Ordinal));
        Assert.Equal(late, (await harness.WorkFileAsync<GateResult>(1, PromotionWork.GateResult)).Expectations.Single().Elements);
        Assert.Equal(pairs.Count, (await harness.WorkFileAsync<GateResult>(2, PromotionWork.GateResult)).Expectations.Single().Elements);
    }
}
