using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs.Models;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipeline.Core.Datasets;
using Pipeline.Core.Ingest;
using Pipeline.Testing;
using Pipeline.Workflows.Promotion;

/// <summary>
/// Promotes SIZE staged images on Azurite through the Promote orchestration in the in-process engine, beside a
/// bare copy of the same images (download, upload If-None-Match, eight at a time: the storage floor). Prints one
/// JSON line per size with images per second and the largest history of any orchestration instance.
/// </summary>
internal static class PromotionBench
{
    private const string Dataset = "bench";

    public static async Task<int> Run(IReadOnlyList<int> sizes, string connection)
    {
        foreach (var size in sizes)
        {
            await using var storage = new TestStorage(connection, s => s["Pipeline:Promotion:ChunkSize"] = "100");
            var staged = await SeedAsync(storage, size);

            var copy = Stopwatch.StartNew();
            await Parallel.ForEachAsync(staged, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (name, ct) =>
            {
                var bytes = (await storage.Staging.GetBlobClient(name).DownloadContentAsync(ct)).Value.Content;
                await storage.Production.GetBlobClient("baseline/" + name).UploadAsync(bytes, new BlobUploadOptions { Conditions = new() { IfNoneMatch = Azure.ETag.All } }, ct);
            });
            copy.Stop();

            // The in-memory engine in a host of our own, so its orchestration service (and so the histories) can be read.
            var builder = Host.CreateApplicationBuilder();
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Services.AddInMemoryDurableTask(r => storage.RegisterWorkflows(r), new InMemoryDurableTaskOptions { Port = FreePort() });
            using var host = builder.Build();
            await host.StartAsync();
            var client = host.Services.GetRequiredService<DurableTaskClient>();
            var promote = Stopwatch.StartNew();
            var (id, _) = await PromotionClient.StartAsync(client, new PromoteInput(new PromotionRequest(Dataset)), CancellationToken.None);
            var done = await client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, CancellationToken.None);
            promote.Stop();
            var result = done.ReadOutputAs<PromotionResult>();
            if (result?.Outcome != PromotionOutcomes.Published)
            {
                Console.Error.WriteLine($"promotion did not publish: {done.FailureDetails?.ErrorMessage ?? result?.Message}");
                return 1;
            }

            var histories = await HistoriesAsync(host.Services, client, id);
            await host.StopAsync();
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                size,
                promoteSeconds = promote.Elapsed.TotalSeconds,
                imagesPerSecond = size / promote.Elapsed.TotalSeconds,
                baselineSeconds = copy.Elapsed.TotalSeconds,
                baselineImagesPerSecond = size / copy.Elapsed.TotalSeconds,
                parentHistoryEvents = histories.Parent,
                largestChunkHistoryEvents = histories.LargestChunk,
                chunkGenerations = histories.Generations,
            }));
        }

        return 0;
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Stages SIZE distinct small JPEGs with catalog rows and a COCO file boxing each, as one batch.</summary>
    private static async Task<List<string>> SeedAsync(TestStorage storage, int size)
    {
        var catalog = storage.Catalog;
        var registry = storage.Services.GetRequiredService<IDatasetRegistry>();
        await registry.RecordBatchAsync(Dataset, "seed", CancellationToken.None);
        var staged = new string[size];
        await Parallel.ForEachAsync(Enumerable.Range(0, size), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        {
            var bytes = TestFiles.Jpeg(48, 32, quality: 80, seed: i + 1);
            var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
            staged[i] = $"images/{sha}.jpg";
            await storage.Staging.GetBlobClient(staged[i]).UploadAsync(BinaryData.FromBytes(bytes), overwrite: true, ct);
            await catalog.TryAddAsync(
                new CatalogEntry($"seed/img{i}.jpg", "seed", Dataset, "etag", IngestStatus.Accepted, sha, bytes.Length, "jpeg", 48, 32, 1, null, null, [], staged[i], null, null, DateTimeOffset.UtcNow),
                ct);
        });

        var coco = new StringBuilder("{\"images\": [");
        coco.AppendJoin(',', Enumerable.Range(0, size).Select(i => $"{{\"id\": {i + 1}, \"file_name\": \"img{i}.jpg\", \"width\": 48, \"height\": 32}}"));
        coco.Append("], \"categories\": [{\"id\": 1, \"name\": \"cat\"}, {\"id\": 2, \"name\": \"dog\"}], \"annotations\": [");
        coco.AppendJoin(',', Enumerable.Range(0, size).Select(i => $"{{\"id\": {i + 1}, \"image_id\": {i + 1}, \"category_id\": {1 + (i % 2)}, \"bbox\": [4, 4, 20, 12]}}"));
        coco.Append("]}");
        var cocoBytes = Encoding.UTF8.GetBytes(coco.ToString());
        var cocoSha = Convert.ToHexStringLower(SHA256.HashData(cocoBytes));
        await storage.Staging.GetBlobClient($"labels/{cocoSha}.json").UploadAsync(BinaryData.FromBytes(cocoBytes), overwrite: true);
        await catalog.TryAddAsync(
            new CatalogEntry("seed/coco.json", "seed", Dataset, "etag", IngestStatus.Accepted, cocoSha, cocoBytes.Length, "coco", null, null, 0, null, null, [], $"labels/{cocoSha}.json", null, null, DateTimeOffset.UtcNow, CatalogKinds.Labels, size),
            CancellationToken.None);
        // Synthetic pictures resemble each other; the benchmark measures publishing, so its gate checks error findings only.
        await storage.Services.GetRequiredService<IPromotionBlobs>().WriteGateAsync(Dataset, Encoding.UTF8.GetBytes(
            """{"version": 1, "expectations": [{"expect": "no_findings", "findingSeverity": "error"}], "approval": {"required": "never"}}"""), CancellationToken.None);
        return [.. staged];
    }

    /// <summary>History events of the parent instance, and of the largest generation of any chunk orchestration.</summary>
    private static async Task<(int Parent, int LargestChunk, int Generations)> HistoriesAsync(IServiceProvider services, DurableTaskClient client, string id)
    {
        var service = services.GetInMemoryOrchestrationService();
        var parent = JsonSerializer.Deserialize<JsonElement[]>(await service.GetOrchestrationHistoryAsync(id, null!))!.Length;
        var largest = 0;
        var generations = 0;
        foreach (var step in new[] { "copy", "verify", "mark" })
        {
            var child = $"{id}:{step}:";
            var instances = await client.GetAllInstancesAsync(new OrchestrationQuery { InstanceIdPrefix = child }).ToListAsync();
            foreach (var instance in instances)
            {
                generations++;
                largest = Math.Max(largest, JsonSerializer.Deserialize<JsonElement[]>(await service.GetOrchestrationHistoryAsync(instance.InstanceId, null!))!.Length);
            }
        }

        return (parent, largest, generations);
    }
}
