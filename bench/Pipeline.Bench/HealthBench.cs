using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Pipeline.Core.Datasets;
using Pipeline.Core.Health;
using Pipeline.Core.Images;
using Pipeline.Core.Ingest;
using Pipeline.Testing;

/// <summary>
/// One dataset's health check over BATCHES × ROWS accepted catalog rows on Azurite: the first check (every batch
/// profiled from its rows) and a later one (nothing changed: the cached profiles, one probe per batch), beside a
/// bare read of every row of the dataset's batches (the storage floor of any check that reads them). One JSON line
/// per shape.
/// </summary>
internal static class HealthBench
{
    private const string Dataset = "bench";

    public static async Task<int> Run(IReadOnlyList<(int Batches, int Rows)> shapes, string connection)
    {
        foreach (var (batches, rows) in shapes)
        {
            // The checks run on a clock more than the cache's clock margin after the rows were written (as an hourly
            // check runs after the writes of the hour before), so unchanged batches are answered from their profiles.
            var clock = new FakeTimeProvider(DateTimeOffset.UtcNow.Add(HealthService.ClockMargin).AddMinutes(1));
            await using var storage = new TestStorage(connection, services: s => s.AddSingleton<TimeProvider>(clock));
            await SeedAsync(storage, batches, rows);
            var registry = storage.Services.GetRequiredService<IDatasetRegistry>();
            var health = storage.Services.GetRequiredService<HealthService>();

            var names = new List<string>();
            await foreach (var batch in registry.ListBatchesAsync(Dataset, CancellationToken.None))
            {
                names.Add(batch.Batch);
            }

            var bare = Stopwatch.StartNew();
            long read = 0;
            await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (batch, ct) =>
            {
                await foreach (var _ in storage.Catalog.ListBatchAsync(batch, ct))
                {
                    Interlocked.Increment(ref read);
                }
            });
            bare.Stop();

            var cold = Stopwatch.StartNew();
            var first = await health.CheckAsync(Dataset, CancellationToken.None);
            cold.Stop();
            var warm = Stopwatch.StartNew();
            var second = await health.CheckAsync(Dataset, CancellationToken.None);
            warm.Stop();
            if (first.Lineage.PendingImages != batches * rows || second.Lineage.PendingImages != first.Lineage.PendingImages || read != batches * rows)
            {
                Console.Error.WriteLine($"expected {batches * rows} images: read {read}, checks saw {first.Lineage.PendingImages} and {second.Lineage.PendingImages}");
                return 1;
            }

            Console.WriteLine(JsonSerializer.Serialize(new
            {
                batches,
                rows,
                images = batches * rows,
                bareReadSeconds = bare.Elapsed.TotalSeconds,
                firstCheckSeconds = cold.Elapsed.TotalSeconds,
                laterCheckSeconds = warm.Elapsed.TotalSeconds,
            }));
        }

        return 0;
    }

    /// <summary>Catalog rows of accepted images with statistics, spread over BATCHES batches of the dataset.</summary>
    private static async Task SeedAsync(TestStorage storage, int batches, int rows)
    {
        var registry = storage.Services.GetRequiredService<IDatasetRegistry>();
        var now = DateTimeOffset.UtcNow;
        await Parallel.ForEachAsync(Enumerable.Range(0, batches * rows), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            var batch = $"b{i / rows:D5}";
            if (i % rows == 0)
            {
                await registry.RecordBatchAsync(Dataset, batch, ct);
            }

            var random = new Random(i);
            var quality = new ImageQuality(0.1, 0.2, random.NextDouble(), 0.8, 0.9, random.NextDouble(), random.NextDouble() * 0.4, 7, random.NextDouble() * 1000, random.NextDouble(), 0.3, 256, 192, "0000000000000000", i.ToString("x32", System.Globalization.CultureInfo.InvariantCulture));
            await storage.Catalog.TryAddAsync(
                new CatalogEntry($"{batch}/img{i}.jpg", batch, Dataset, "etag", IngestStatus.Accepted, i.ToString("x64", System.Globalization.CultureInfo.InvariantCulture), 200_000, "jpeg", 1024, 768, 1, null, quality, [], $"images/{i:x64}.jpg", null, null, now.AddMinutes(-(i % 1440))),
                ct);
        });
    }
}
