using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Local;
using Pipeline.Storage;
using Pipeline.Core.Datasets;
using Pipeline.Core.Ingest;
using Pipeline.Testing;
using Pipeline.Workflows.Promotion;

/// <summary>
/// Promotes SIZE staged images on Azurite through the Promote orchestration on the local runner's engine, beside a
/// bare copy of the same images (download, upload If-None-Match, eight at a time: the storage floor). Prints one
/// JSON line per size with images per second and the largest history of the parent and of any chunk orchestration generation.
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

            // The local runner's engine: the Durable Task Framework's Azure Storage provider (the backend Durable
            // Functions uses in Azure) on the same Azurite, which reports every instance's history length.
            var histories = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
            await using var host = await LocalDurableHost.StartAsync(
                StorageConnection.FromConnectionString(connection), new LocalDurableOptions { TaskHub = "bench" + Guid.NewGuid().ToString("N")[..12] },
                r => storage.RegisterWorkflows(r), NullLoggerFactory.Instance,
                (instance, events) => histories.AddOrUpdate(instance, events, (_, seen) => Math.Max(seen, events)));
            var client = host.Client;
            var promote = Stopwatch.StartNew();
            var (id, _) = await PromotionClient.StartAsync(client, storage.Locks, new PromoteInput(new PromotionRequest(Dataset)), CancellationToken.None);
            var done = await client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, CancellationToken.None);
            promote.Stop();
            var result = done.ReadOutputAs<PromotionResult>();
            if (result?.Outcome != PromotionOutcomes.Published)
            {
                Console.Error.WriteLine($"promotion did not publish: {done.FailureDetails?.ErrorMessage ?? result?.Message}");
                return 1;
            }

            var chunkInstances = histories.Where(h => h.Key.StartsWith(id + ":", StringComparison.Ordinal)).ToList();
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                size,
                promoteSeconds = promote.Elapsed.TotalSeconds,
                imagesPerSecond = size / promote.Elapsed.TotalSeconds,
                baselineSeconds = copy.Elapsed.TotalSeconds,
                baselineImagesPerSecond = size / copy.Elapsed.TotalSeconds,
                parentHistoryEvents = histories[id],
                largestChunkHistoryEvents = chunkInstances.Max(h => h.Value),
                chunkInstances = chunkInstances.Count,
            }));
        }

        return 0;
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
}
