using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Core.Datasets;
using Pipeline.Storage;
using Pipeline.Testing;
using Pipeline.Workflows.Promotion;

namespace Pipeline.Local.Tests;

/// <summary>The runner's engine: the Durable Task Framework's Azure Storage provider on Azurite, through the gRPC sidecar.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class LocalDurableHostTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_promotion_with_sub_orchestrations_and_continue_as_new_completes_on_the_storage_provider()
    {
        await using var storage = azurite.CreateStorage(s => s["Pipeline:Promotion:ChunkSize"] = "1");
        await PromotionTestData.UseGateWithoutLeakageAsync(storage);
        await PromotionTestData.IngestBatchAsync(storage, "b1", 3);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var histories = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        await using var host = await LocalDurableHost.StartAsync(
            StorageConnection.FromConnectionString(azurite.ConnectionString), new LocalDurableOptions { TaskHub = storage.OwnTaskHub(TestRunners.NewTaskHub()) }, r => storage.RegisterWorkflows(r), NullLoggerFactory.Instance,
            (id, events) => histories.AddOrUpdate(id, events, (_, seen) => Math.Max(seen, events)), timeout.Token);

        var (id, _) = await PromotionClient.StartAsync(host.Client, storage.Locks, new PromoteInput(new PromotionRequest(PromotionTestData.Dataset), ChunksPerGeneration: 1), timeout.Token);
        var done = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, timeout.Token);

        Assert.True(done.RuntimeStatus == OrchestrationRuntimeStatus.Completed, done.FailureDetails?.ToString());
        Assert.Equal((PromotionOutcomes.Published, 3), (done.ReadOutputAs<PromotionResult>()!.Outcome, done.ReadOutputAs<PromotionResult>()!.Images));
        Assert.Contains(histories.Keys, k => k.Contains(":copy:", StringComparison.Ordinal));
        Assert.True(histories[id] > 0);
    }
}
