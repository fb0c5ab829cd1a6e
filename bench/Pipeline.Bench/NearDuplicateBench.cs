using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using Pipeline.Core.Images;
using Pipeline.Storage;

/// <summary>
/// The near-duplicate index at 100 k and 1 M hashes. Hashes are random 64-bit values with a fifth of them
/// edits (1–12 bits) of earlier ones, so lookups find neighbours; each measured operation is one ingest's
/// work: file a new hash and look for its nearest earlier neighbour within 10 bits. Baselines, measured in
/// the same run: in memory, a linear scan comparing the new hash with every indexed one; in Tables, one
/// point read (the floor of any storage lookup).
/// </summary>
internal static class NearDuplicateBench
{
    private const int Radius = 10;

    public static async Task<int> Run(IReadOnlyList<int> sizes, string? connection, int lookups)
    {
        foreach (var size in sizes)
        {
            var random = new Random(size);
            var indexed = Hashes(random, size, []);
            var queries = Hashes(random, Math.Max(lookups, 20_000), indexed);
            await InMemory(size, indexed, queries);
            if (connection is not null)
            {
                await InTables(size, indexed, queries.Take(lookups).ToList(), connection);
            }
        }

        return 0;
    }

    private static List<ulong> Hashes(Random random, int count, List<ulong> earlier)
    {
        var hashes = new List<ulong>(count);
        for (var i = 0; i < count; i++)
        {
            var pool = earlier.Count > 0 ? earlier : hashes;
            if (pool.Count > 0 && random.Next(5) == 0)
            {
                var hash = pool[random.Next(pool.Count)];
                for (var flips = random.Next(1, 13); flips > 0; flips--)
                {
                    hash ^= 1UL << random.Next(64);
                }

                hashes.Add(hash);
            }
            else
            {
                hashes.Add((ulong)random.NextInt64() ^ ((ulong)random.Next(2) << 63));
            }
        }

        return hashes;
    }

    private static async Task InMemory(int size, List<ulong> indexed, List<ulong> queries)
    {
        var store = new InMemoryNearHashStore();
        var index = new NearDuplicateIndex(store);
        var built = Stopwatch.StartNew();
        for (var i = 0; i < indexed.Count; i++)
        {
            await store.ClaimAsync("bench", indexed[i], Sha(i), Sha(i), default);
            await store.AddAsync("bench", MultiIndexHash.Keys(indexed[i]), indexed[i], default);
        }

        built.Stop();
        var managedBytes = GC.GetTotalMemory(forceFullCollection: true);

        var found = 0;
        var timer = Stopwatch.StartNew();
        for (var i = 0; i < queries.Count; i++)
        {
            found += await index.AddAndFindAsync("bench", queries[i], Sha(-i - 1), Sha(-i - 1), Radius, default) is null ? 0 : 1;
        }

        var indexSeconds = timer.Elapsed.TotalSeconds;

        // Baseline: compare each query with every hash (what a folder tool does pair by pair), no filing.
        var array = indexed.ToArray();
        var scanned = Math.Min(queries.Count, 2_000);
        var scanFound = 0;
        timer.Restart();
        for (var i = 0; i < scanned; i++)
        {
            var q = queries[i];
            var best = int.MaxValue;
            foreach (var h in array)
            {
                best = Math.Min(best, BitOperations.PopCount(h ^ q));
            }

            scanFound += best <= Radius ? 1 : 0;
        }

        var scanSeconds = timer.Elapsed.TotalSeconds;
        Emit(new
        {
            store = "memory",
            size,
            buildSeconds = built.Elapsed.TotalSeconds,
            managedMegabytes = managedBytes / 1048576.0,
            operations = queries.Count,
            operationsPerSecond = queries.Count / indexSeconds,
            microsecondsPerOperation = indexSeconds * 1e6 / queries.Count,
            foundFraction = (double)found / queries.Count,
            baseline = "linear scan",
            baselineOperationsPerSecond = scanned / scanSeconds,
            baselineFoundFraction = (double)scanFound / scanned,
        });
    }

    private static async Task InTables(int size, List<ulong> indexed, List<ulong> queries, string connection)
    {
        var tableName = "bench" + Guid.NewGuid().ToString("N")[..12];
        var service = new TableServiceClient(connection);
        await service.CreateTableIfNotExistsAsync(tableName);
        try
        {
            var options = Options.Create(new PipelineStorageOptions { NearHashTable = tableName });
            var store = new TableNearHashStore(service, options, TimeProvider.System);
            var index = new NearDuplicateIndex(store);

            var load = Stopwatch.StartNew();
            await store.LoadAsync("bench", [.. indexed.Select((h, i) => (h, Sha(i), Sha(i)))], default);
            load.Stop();

            // Warm the connection pool, then the baseline: single point reads of owners.
            for (var i = 0; i < 20; i++)
            {
                await store.GetOwnerAsync("bench", indexed[i], default);
            }

            var point = new List<double>();
            for (var i = 0; i < queries.Count; i++)
            {
                var t = Stopwatch.GetTimestamp();
                await store.GetOwnerAsync("bench", indexed[(i * 7919) % indexed.Count], default);
                point.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            }

            var times = new List<double>();
            var found = 0;
            for (var i = 0; i < queries.Count; i++)
            {
                var t = Stopwatch.GetTimestamp();
                found += await index.AddAndFindAsync("bench", queries[i], Sha(-i - 1), Sha(-i - 1), Radius, default) is null ? 0 : 1;
                times.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            }

            Emit(new
            {
                store = "tables",
                size,
                loadSeconds = load.Elapsed.TotalSeconds,
                operations = queries.Count,
                bucketQueriesPerOperation = MultiIndexHash.Probes(queries[0], Radius).Count,
                meanMilliseconds = times.Average(),
                p50Milliseconds = Percentile(times, 0.5),
                p95Milliseconds = Percentile(times, 0.95),
                foundFraction = (double)found / queries.Count,
                baseline = "one point read",
                baselineMeanMilliseconds = point.Average(),
            });
        }
        finally
        {
            await service.DeleteTableAsync(tableName);
        }
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(p * sorted.Count))];
    }

    private static string Sha(int i) => i.ToString("x64", CultureInfo.InvariantCulture);

    private static void Emit(object row) => Console.WriteLine(JsonSerializer.Serialize(row));
}
