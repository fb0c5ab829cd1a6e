using Microsoft.Extensions.DependencyInjection;
using Pipeline.Core.Datasets;
using Pipeline.Core.Ingest;
using Pipeline.Testing;
using Pipeline.Workflows.Promotion;

namespace Pipeline.Workflows.Tests;

/// <summary>
/// Nothing lost, nothing doubled: a crash injected right after each step's effect (the effect happened, the
/// step never reported it), then the promotion run again.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class PromotionRecoveryTests(AzuriteFixture azurite)
{
    /// <summary>The crash points, in the order the steps run.</summary>
    public static TheoryData<string> CrashPoints { get; } =
    [
        "plan written",
        "first image copied",
        "chunk copied",
        "image verified",
        "manifest written",
        "dataset.json written",
        "pointer moved",
        "rows marked",
        "finished",
    ];

    [Theory]
    [MemberData(nameof(CrashPoints))]
    public async Task A_crash_after_any_step_is_repaired_by_running_the_promotion_again(string crashPoint)
    {
        await using var storage = azurite.CreateStorage(s => s["Pipeline:Promotion:ChunkSize"] = "2");
        await PromotionTests.UseGateWithoutLeakageAsync(storage);
        await PromotionTests.IngestBatchAsync(storage, "b1", 5);
        var staged = await storage.ListAsync(storage.Staging);
        var faults = new Faults(crashPoint);
        var blobs = new FaultyBlobs(storage.Services.GetRequiredService<IPromotionBlobs>(), faults);
        var registry = new FaultyRegistry(storage.Services.GetRequiredService<IDatasetRegistry>(), faults);
        var catalog = new FaultyCatalog(storage.Catalog, faults);
        var activities = storage.PromotionActivitiesOver(blobs, registry, catalog);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var host = await TestHosts.StartAsync(r => storage.RegisterWorkflows(r, activities), timeout.Token);
        var input = new PromoteInput(new PromotionRequest(PromotionTests.Dataset), ChunksPerGeneration: 1);

        await PromotionTests.PromoteAsync(host.Client, storage.Locks, input, timeout.Token, expectSuccess: false);
        Assert.Equal(1, faults.Fired);
        var again = await PromotionTests.PromoteAsync(host.Client, storage.Locks, input, timeout.Token);

        // After the last step everything is done: the second run finds version 1 complete and nothing new.
        Assert.Equal(crashPoint == "finished" ? PromotionOutcomes.Unchanged : PromotionOutcomes.Published, again.Outcome);
        Assert.Equal(5, again.Images);
        var manifest = await PromotionTests.ManifestAsync(storage, 1);
        Assert.Equal(manifest.Select(e => e.Path).Order(StringComparer.Ordinal), await PromotionTests.ProductionImagesAsync(storage));
        Assert.Equal(5, manifest.Count);
        Assert.Equal(1, registry.PointerMoves);
        var versions = storage.Services.GetRequiredService<DatasetVersions>();
        var listed = Assert.Single(await versions.ListAsync(PromotionTests.Dataset, timeout.Token));
        Assert.Equal((1, true), (listed.Version, listed.Current));
        Assert.Equal(listed.Id, (await versions.GetAsync(PromotionTests.Dataset, 1, timeout.Token))!.Id);
        Assert.Equal(staged, await storage.ListAsync(storage.Staging));
        Assert.All((await storage.CatalogRowsAsync()).Where(r => r.GetString("Kind") == "image"), r => Assert.Equal("cats@1", r.GetString("Promoted")));

        // And a third run finds nothing to do.
        var third = await PromotionTests.PromoteAsync(host.Client, storage.Locks, input, timeout.Token);
        Assert.Equal(PromotionOutcomes.Unchanged, third.Outcome);
        Assert.Equal(1, registry.PointerMoves);
    }

    [Fact]
    public async Task A_second_start_while_a_promotion_runs_is_refused_and_starts_nothing()
    {
        await using var storage = azurite.CreateStorage();
        await PromotionTests.UseGateWithoutLeakageAsync(storage, approval: "always");
        await PromotionTests.IngestBatchAsync(storage, "b1", 2);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var host = await TestHosts.StartAsync(r => storage.RegisterWorkflows(r), timeout.Token);
        var input = new PromoteInput(new PromotionRequest(PromotionTests.Dataset));

        var (id, started) = await PromotionClient.StartAsync(host.Client, storage.Locks, input, timeout.Token);
        await OrchestrationWaits.ApprovalAsync(host.Client, PromotionTests.Dataset, timeout.Token);
        var (secondId, secondStarted) = await PromotionClient.StartAsync(host.Client, storage.Locks, input, timeout.Token);
        var status = await PromotionClient.GetAsync(host.Client, PromotionTests.Dataset, timeout.Token);

        Assert.True(started);
        Assert.False(secondStarted);
        Assert.Equal(id, secondId);
        Assert.Equal("awaiting_approval", status!.Progress!.Stage);
        Assert.Equal(status.CreatedAt, (await host.Client.GetInstanceAsync(id, timeout.Token))!.CreatedAt);
        await host.Client.TerminateInstanceAsync(id, cancellation: timeout.Token);
    }

    private sealed class InjectedCrash(string point) : InvalidOperationException($"Injected crash after: {point}.");

    /// <summary>Fires once, at the named point, after the operation took effect.</summary>
    private sealed class Faults(string point)
    {
        public int Fired { get; private set; }

        public void After(string reached)
        {
            if (reached == point && Fired == 0)
            {
                Fired++;
                throw new InjectedCrash(point);
            }
        }
    }

    private sealed class FaultyBlobs(IPromotionBlobs inner, Faults faults) : IPromotionBlobs
    {
        private int copies;

        public Task<byte[]?> ReadStagedAsync(string stagedPath, CancellationToken cancellationToken) => inner.ReadStagedAsync(stagedPath, cancellationToken);

        public Task<Stream?> OpenStagedAsync(string stagedPath, CancellationToken cancellationToken) => inner.OpenStagedAsync(stagedPath, cancellationToken);

        public Task<byte[]?> ReadGateAsync(string dataset, CancellationToken cancellationToken) => inner.ReadGateAsync(dataset, cancellationToken);

        public Task WriteGateAsync(string dataset, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) => inner.WriteGateAsync(dataset, content, cancellationToken);

        public async Task WriteWorkAsync(string name, Stream content, CancellationToken cancellationToken)
        {
            await inner.WriteWorkAsync(name, content, cancellationToken);
            faults.After(name.EndsWith("/plan.json", StringComparison.Ordinal) ? "plan written"
                : name.Contains("/copied/", StringComparison.Ordinal) ? "chunk copied"
                : name.EndsWith("/done.json", StringComparison.Ordinal) ? "finished"
                : name);
        }

        public Task<Stream?> OpenWorkAsync(string name, CancellationToken cancellationToken) => inner.OpenWorkAsync(name, cancellationToken);

        public async Task<bool> PutProductionIfAbsentAsync(string name, ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken)
        {
            var written = await inner.PutProductionIfAbsentAsync(name, content, contentType, cancellationToken);
            if (Interlocked.Increment(ref copies) == 1)
            {
                faults.After("first image copied");
            }

            return written;
        }

        public async Task WriteProductionAsync(string name, Stream content, string contentType, CancellationToken cancellationToken)
        {
            await inner.WriteProductionAsync(name, content, contentType, cancellationToken);
            faults.After(name.EndsWith("/manifest.jsonl", StringComparison.Ordinal) ? "manifest written" : name.EndsWith("/dataset.json", StringComparison.Ordinal) ? "dataset.json written" : name);
        }

        public async Task<Stream?> OpenProductionAsync(string name, CancellationToken cancellationToken)
        {
            var stream = await inner.OpenProductionAsync(name, cancellationToken);
            if (name.Contains("/images/", StringComparison.Ordinal))
            {
                faults.After("image verified");
            }

            return stream;
        }

        public Task DeleteProductionAsync(string name, CancellationToken cancellationToken) => inner.DeleteProductionAsync(name, cancellationToken);
    }

    private sealed class FaultyRegistry(IDatasetRegistry inner, Faults faults) : DelegatingDatasetRegistry(inner)
    {
        private int moves;

        public int PointerMoves => moves;

        public override async Task<PublishOutcome> PublishAsync(string dataset, VersionListing version, int? parent, string? pointerETag, CancellationToken cancellationToken)
        {
            var outcome = await base.PublishAsync(dataset, version, parent, pointerETag, cancellationToken);
            if (outcome == PublishOutcome.Published)
            {
                Interlocked.Increment(ref moves);
                faults.After("pointer moved");
            }

            return outcome;
        }
    }

    private sealed class FaultyCatalog(IImageCatalog inner, Faults faults) : DelegatingImageCatalog(inner)
    {
        public override async Task MarkPromotedAsync(IReadOnlyList<string> names, string dataset, int version, CancellationToken cancellationToken)
        {
            await base.MarkPromotedAsync(names, dataset, version, cancellationToken);
            faults.After("rows marked");
        }
    }
}
