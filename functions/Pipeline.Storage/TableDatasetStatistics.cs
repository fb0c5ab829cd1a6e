using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using Pipeline.Core;
using Pipeline.Core.Images;
using Pipeline.Core.Ingest;

namespace Pipeline.Storage;

/// <summary>
/// <see cref="IDatasetStatistics"/> over Azure Tables: one partition per dataset, 16 shard rows per sketch
/// (chosen by the image hash's first hex digit), each updated read-modify-write under If-Match, so parallel
/// ingests retry instead of overwriting each other, and sixteen of them rarely meet on one row.
/// </summary>
public sealed class TableDatasetStatistics(TableServiceClient service, IOptions<PipelineStorageOptions> options, TimeProvider time) : IDatasetStatistics
{
    /// <summary>
    /// How long an instance reuses a dataset's merged sketch before reading its shards again, once the sketch holds
    /// <see cref="ReuseFromCount"/> images. The odd-size check judges against the dataset's distribution, which
    /// a few seconds of newer images do not move once it is that large; reading 16 shards for every image did.
    /// A smaller dataset is read every time (its judgement changes with every image, and its read is cheap).
    /// Counting stays exact: <see cref="AddSizeAsync"/> is a read-modify-write of the stored shard under its ETag,
    /// whatever this instance has cached.
    /// </summary>
    public static readonly TimeSpan SketchReuse = TimeSpan.FromSeconds(30);

    /// <summary>The size a sketch must reach before an instance reuses it (<see cref="SketchReuse"/>).</summary>
    public const long ReuseFromCount = 1_000;

    private const int MaxAttempts = 20;
    private const string SizeShardPrefix = "size-";

    private readonly TableClient table = service.GetTableClient(options.Value.StatisticsTable);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (SizeSketch Sketch, DateTimeOffset ReadAt)> recent = new(StringComparer.Ordinal);

    public async Task<SizeSketch> GetSizesAsync(string dataset, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (recent.TryGetValue(dataset, out var cached) && now - cached.ReadAt < SketchReuse)
        {
            return cached.Sketch;
        }

        var merged = await ReadSizesAsync(dataset, cancellationToken);
        if (merged.Count >= ReuseFromCount)
        {
            recent[dataset] = (merged, now);
        }

        return merged;
    }

    private async Task<SizeSketch> ReadSizesAsync(string dataset, CancellationToken cancellationToken)
    {
        var merged = new SizeSketch();
        var pk = TableKeys.Readable(dataset);
        await foreach (var row in table.QueryAsync<TableEntity>(e => e.PartitionKey == pk, cancellationToken: cancellationToken))
        {
            if (row.RowKey.StartsWith(SizeShardPrefix, StringComparison.Ordinal))
            {
                merged.Merge(Read(row));
            }
        }

        return merged;
    }

    public async Task AddSizeAsync(string dataset, char shard, double size, CancellationToken cancellationToken)
    {
        var (pk, rk) = (TableKeys.Readable(dataset), SizeShardPrefix + char.ToLowerInvariant(shard));
        for (var attempt = 1; ; attempt++)
        {
            var existing = await table.GetEntityIfExistsAsync<TableEntity>(pk, rk, cancellationToken: cancellationToken);
            var sketch = existing.HasValue ? Read(existing.Value!) : new SizeSketch();
            sketch.Add(size);
            var entity = new TableEntity(pk, rk) { ["Sketch"] = JsonSerializer.Serialize(sketch, PipelineJson.Options) };
            try
            {
                if (existing.HasValue)
                {
                    await table.UpdateEntityAsync(entity, existing.Value!.ETag, TableUpdateMode.Replace, cancellationToken);
                }
                else
                {
                    await table.AddEntityAsync(entity, cancellationToken);
                }

                return;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && attempt < MaxAttempts)
            {
                // Another ingest updated the shard first: read it again. A little jitter keeps retries apart.
                await Task.Delay(Random.Shared.Next(5, 25 * attempt), cancellationToken);
            }
        }
    }

    private static SizeSketch Read(TableEntity row) =>
        JsonSerializer.Deserialize<SizeSketch>(row.GetString("Sketch") ?? "{}", PipelineJson.Options) ?? new SizeSketch();
}
