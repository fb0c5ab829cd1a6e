using System.Buffers.Binary;
using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using Pipeline.Core.Images;

namespace Pipeline.Storage;

/// <summary>
/// <see cref="INearHashStore"/> over Azure Tables, in one table with two kinds of rows per dataset:
/// <list type="bullet">
/// <item>owners: partition <c>{dataset}|o{first byte}</c> (256 per dataset), row = the hash in hex; the first
/// image filed under the hash, added only if absent;</item>
/// <item>buckets: one partition per band value, <c>{dataset}|b{band}{value}</c> (4 × 65,536 per dataset), holding
/// the distinct hashes as packed 8-byte values in pages of 8,192 (one 64 KiB binary property per row, row key
/// <c>{band}{value}-{page}</c>), appended read-modify-write under If-Match, so concurrent ingests retry rather
/// than overwrite each other.</item>
/// </list>
/// A lookup reads each probed bucket with one point read (more only past 8,192 hashes), at most
/// <see cref="Parallelism"/> at a time; requests per lookup do not grow with the index, bytes read grow as
/// N / 65,536 per bucket.
/// </summary>
public sealed class TableNearHashStore(TableServiceClient service, IOptions<PipelineStorageOptions> options, TimeProvider time) : INearHashStore
{
    /// <summary>Bucket queries in flight per lookup.</summary>
    public const int Parallelism = 32;

    /// <summary>Hashes per bucket row: 8 bytes each in a binary property of at most 64 KiB.</summary>
    public const int PageHashes = 8192;

    private const int MaxAttempts = 50;
    private const string HashesProperty = "H";

    private readonly TableClient table = service.GetTableClient(options.Value.NearHashTable);

    public async Task<NearHashOwner> ClaimAsync(string dataset, ulong hash, string sha256, string name, CancellationToken cancellationToken)
    {
        var (pk, rk) = OwnerKey(dataset, hash);
        var owner = new NearHashOwner(sha256, name, time.GetUtcNow().UtcTicks);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await table.AddEntityAsync(new TableEntity(pk, rk) { ["Sha256"] = sha256, ["Name"] = name, ["Order"] = owner.Order }, cancellationToken);
                return owner;
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                if (await GetOwnerAsync(dataset, hash, cancellationToken) is { } existing)
                {
                    return existing;
                }

                if (attempt >= MaxAttempts)
                {
                    throw;
                }
            }
        }
    }

    public async Task<NearHashOwner?> GetOwnerAsync(string dataset, ulong hash, CancellationToken cancellationToken)
    {
        var (pk, rk) = OwnerKey(dataset, hash);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(pk, rk, cancellationToken: cancellationToken);
        return row.HasValue
            ? new NearHashOwner(row.Value!.GetString("Sha256"), row.Value.GetString("Name"), row.Value.GetInt64("Order") ?? long.MaxValue)
            : null;
    }

    public Task AddAsync(string dataset, IReadOnlyList<BandKey> keys, ulong hash, CancellationToken cancellationToken) =>
        Task.WhenAll(keys.Select(key => AppendAsync(BucketPartition(dataset, key), [hash], cancellationToken)));

    public async Task<IReadOnlyCollection<ulong>> ReadAsync(string dataset, IReadOnlyList<BandKey> probes, ulong near, int maxDistance, CancellationToken cancellationToken)
    {
        var found = new HashSet<ulong>();
        await Parallel.ForEachAsync(
            probes,
            new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
            async (probe, ct) =>
            {
                var hashes = new List<ulong>();
                await foreach (var page in ReadBucketAsync(BucketPartition(dataset, probe), ct))
                {
                    hashes.AddRange(page.Hashes.Where(h => PerceptualHash.Distance(h, near) <= maxDistance));
                }

                lock (found)
                {
                    found.UnionWith(hashes);
                }
            });
        return found;
    }

    /// <summary>
    /// Files many hashes at once, bucket by bucket (one write per bucket page, owners in batches of 100 per
    /// partition): rebuilding a dataset's index from its catalog, and loading the benchmark's indexes. Buckets
    /// already holding hashes are merged, not replaced; owners already present are kept.
    /// </summary>
    public async Task LoadAsync(string dataset, IReadOnlyList<(ulong Hash, string Sha256, string Name)> images, CancellationToken cancellationToken)
    {
        var order = time.GetUtcNow().UtcTicks;
        var owners = images.DistinctBy(i => i.Hash).Select((image, i) => (Key: OwnerKey(dataset, image.Hash), image, Order: order + i)).GroupBy(o => o.Key.PartitionKey);
        await Parallel.ForEachAsync(owners, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken }, async (partition, ct) =>
        {
            foreach (var chunk in partition.Chunk(100))
            {
                var actions = chunk.Select(o => new TableTransactionAction(TableTransactionActionType.UpsertMerge, new TableEntity(o.Key.PartitionKey, o.Key.RowKey)
                {
                    ["Sha256"] = o.image.Sha256,
                    ["Name"] = o.image.Name,
                    ["Order"] = o.Order,
                }));
                await table.SubmitTransactionAsync(actions, ct);
            }
        });

        var buckets = images.Select(i => i.Hash).Distinct()
            .SelectMany(hash => MultiIndexHash.Keys(hash).Select(key => (Partition: BucketPartition(dataset, key), hash)))
            .GroupBy(b => b.Partition, b => b.hash);
        await Parallel.ForEachAsync(buckets, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken }, async (bucket, ct) =>
            await AppendAsync(bucket.Key, [.. bucket], ct, tryAddFirst: true));
    }

    private async Task AppendAsync(string partition, IReadOnlyList<ulong> hashes, CancellationToken cancellationToken, bool tryAddFirst = false)
    {
        if (tryAddFirst && hashes.Count <= PageHashes)
        {
            // Most buckets of a fresh index do not exist yet: one write instead of a read and a write.
            try
            {
                await WritePageAsync(partition, 0, [.. hashes.Distinct()], null, cancellationToken);
                return;
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                // The bucket exists: merge below.
            }
        }

        for (var attempt = 1; ; attempt++)
        {
            var pages = new List<BucketPage>();
            await foreach (var page in ReadBucketAsync(partition, cancellationToken))
            {
                pages.Add(page);
            }

            var present = pages.SelectMany(p => p.Hashes).ToHashSet();
            var missing = hashes.Where(present.Add).ToList();
            if (missing.Count == 0)
            {
                return; // filed before (a retried ingest)
            }

            try
            {
                await WritePagesAsync(partition, pages, missing, cancellationToken);
                return;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && attempt < MaxAttempts)
            {
                // Another ingest wrote the bucket between our read and write: read it again, after a short
                // random pause so contenders spread out.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 5 * Math.Min(attempt, 10))), time, cancellationToken);
            }
        }
    }

    private async Task WritePagesAsync(string partition, List<BucketPage> pages, List<ulong> missing, CancellationToken cancellationToken)
    {
        var last = pages.Count == 0 ? null : pages[^1];
        var index = last?.Index ?? 0;
        var current = last is null ? [] : new List<ulong>(last.Hashes);
        var etag = last?.ETag;
        foreach (var hash in missing)
        {
            if (current.Count == PageHashes)
            {
                await WritePageAsync(partition, index, current, etag, cancellationToken);
                (index, current, etag) = (index + 1, [], null);
            }

            current.Add(hash);
        }

        await WritePageAsync(partition, index, current, etag, cancellationToken);
    }

    private async Task WritePageAsync(string partition, int index, List<ulong> hashes, ETag? etag, CancellationToken cancellationToken)
    {
        var bytes = new byte[hashes.Count * sizeof(ulong)];
        for (var i = 0; i < hashes.Count; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(i * sizeof(ulong)), hashes[i]);
        }

        var entity = new TableEntity(partition, PageKey(partition, index)) { [HashesProperty] = bytes };
        if (etag is { } match)
        {
            await table.UpdateEntityAsync(entity, match, TableUpdateMode.Replace, cancellationToken);
        }
        else
        {
            await table.AddEntityAsync(entity, cancellationToken);
        }
    }

    /// <summary>
    /// A bucket's pages by point reads, in order, until one is missing or not full (pages fill in order, so
    /// page k + 1 exists only when page k is full). Point reads rather than a partition query: they are the
    /// cheapest read in Azure Tables, and Azurite answers any query by scanning the whole table.
    /// </summary>
    private async IAsyncEnumerable<BucketPage> ReadBucketAsync(string partition, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (var index = 0; ; index++)
        {
            var row = await table.GetEntityIfExistsAsync<TableEntity>(partition, PageKey(partition, index), [HashesProperty], cancellationToken);
            if (!row.HasValue)
            {
                yield break;
            }

            var bytes = row.Value!.GetBinary(HashesProperty) ?? [];
            var hashes = new ulong[bytes.Length / sizeof(ulong)];
            for (var i = 0; i < hashes.Length; i++)
            {
                hashes[i] = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(i * sizeof(ulong)));
            }

            yield return new BucketPage(index, hashes, row.Value.ETag);
            if (hashes.Length < PageHashes)
            {
                yield break;
            }
        }
    }

    /// <summary>A page's row key: the bucket (band and value, the partition key's tail) and the page number, unique per dataset.</summary>
    private static string PageKey(string partition, int index) =>
        string.Create(CultureInfo.InvariantCulture, $"{partition[^5..]}-{index:x4}");

    private static (string PartitionKey, string RowKey) OwnerKey(string dataset, ulong hash)
    {
        var hex = hash.ToString("x16", CultureInfo.InvariantCulture);
        return ($"{TableKeys.Readable(dataset)}|o{hex[..2]}", hex);
    }

    private static string BucketPartition(string dataset, BandKey key) =>
        string.Create(CultureInfo.InvariantCulture, $"{TableKeys.Readable(dataset)}|b{key.Band}{key.Value:x4}");

    private sealed record BucketPage(int Index, ulong[] Hashes, ETag ETag);
}
