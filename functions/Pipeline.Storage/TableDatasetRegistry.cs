using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using Pipeline.Core.Datasets;

namespace Pipeline.Storage;

/// <summary>
/// <see cref="IDatasetRegistry"/> over the <c>datasets</c> table, one partition per dataset: the pointer row
/// (<c>current</c>), one row per published version (<c>v{n:D9}</c>, so they list in order, with its parent) and one
/// per batch (<c>b|{batch}</c>, with the version that last took all of it), plus an index partition (<c>!datasets</c>, not a legal dataset name) with one row per
/// dataset. Version rows and the pointer share the partition, so a publish is one entity-group transaction:
/// both change or neither does.
/// </summary>
public sealed class TableDatasetRegistry(TableServiceClient tables, IOptions<PipelineStorageOptions> options) : IDatasetRegistry
{
    private const string PointerKey = "current";

    // One row per dataset, so the health timer can list them without scanning every dataset's partition.
    private const string IndexPartition = "!datasets";
    private readonly TableClient table = tables.GetTableClient(options.Value.DatasetsTable);

    // Ingest records a (dataset, batch) pair once per process: the write is idempotent, the cache saves repeats.
    private readonly ConcurrentDictionary<(string, string), bool> recorded = new();

    public async Task RecordBatchAsync(string dataset, string batch, CancellationToken cancellationToken)
    {
        if (recorded.ContainsKey((dataset, batch)))
        {
            return;
        }

        await table.UpsertEntityAsync(new TableEntity(dataset, BatchKey(batch)) { ["Batch"] = batch }, TableUpdateMode.Merge, cancellationToken);
        if (recorded.TryAdd((dataset, string.Empty), true))
        {
            await table.UpsertEntityAsync(new TableEntity(IndexPartition, dataset), TableUpdateMode.Merge, cancellationToken);
        }

        recorded.TryAdd((dataset, batch), true);
    }

    public async IAsyncEnumerable<string> ListDatasetsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var row in table.QueryAsync<TableEntity>(e => e.PartitionKey == IndexPartition, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            yield return row.RowKey;
        }
    }

    public async IAsyncEnumerable<RecordedBatch> ListBatchesAsync(string dataset, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {dataset} and RowKey ge {"b|"} and RowKey lt {"b}"}");
        await foreach (var row in table.QueryAsync<TableEntity>(filter, select: ["Batch", "PromotedIn", "PromotedThrough"], cancellationToken: cancellationToken))
        {
            yield return new RecordedBatch(row.GetString("Batch"), row.GetInt32("PromotedIn"), row.GetDateTimeOffset("PromotedThrough"));
        }
    }

    public async Task MarkBatchPromotedAsync(string dataset, string batch, int version, DateTimeOffset through, CancellationToken cancellationToken) =>
        await table.UpsertEntityAsync(
            new TableEntity(dataset, BatchKey(batch)) { ["Batch"] = batch, ["PromotedIn"] = version, ["PromotedThrough"] = through }, TableUpdateMode.Merge, cancellationToken);

    public async Task<IReadOnlySet<int>> AncestryAsync(string dataset, int? version, CancellationToken cancellationToken)
    {
        var chain = new HashSet<int>();
        if (version is null)
        {
            return chain;
        }

        // Parent 0: the first version. No Parent column: a row written before parents were recorded, which ends the chain.
        var parents = new Dictionary<int, int?>();
        await foreach (var row in table.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {dataset} and RowKey ge {"v"} and RowKey lt {"w"}"), select: ["Version", "Parent"], cancellationToken: cancellationToken))
        {
            parents[row.GetInt32("Version") ?? 0] = row.GetInt32("Parent");
        }

        int? at = version;
        while (at is > 0 && parents.TryGetValue(at.Value, out var parent) && chain.Add(at.Value))
        {
            at = parent;
        }

        return chain;
    }

    public async Task<DatasetPointer> GetPointerAsync(string dataset, CancellationToken cancellationToken)
    {
        var pointer = await table.GetEntityIfExistsAsync<TableEntity>(dataset, PointerKey, cancellationToken: cancellationToken);
        return pointer.HasValue
            ? new DatasetPointer(pointer.Value!.GetInt32("Version"), pointer.Value.ETag.ToString(), pointer.Value.GetInt32("Latest") ?? 0)
            : new DatasetPointer(null, null, 0);
    }

    public async Task<PublishOutcome> PublishAsync(string dataset, VersionListing version, int? parent, string? pointerETag, CancellationToken cancellationToken)
    {
        var pointer = new TableEntity(dataset, PointerKey) { ["Version"] = version.Version, ["Latest"] = version.Version };
        var actions = new List<TableTransactionAction>
        {
            pointerETag is null
                ? new TableTransactionAction(TableTransactionActionType.Add, pointer)
                : new TableTransactionAction(TableTransactionActionType.UpdateReplace, pointer, new ETag(pointerETag)),
            new(TableTransactionActionType.Add, new TableEntity(dataset, VersionKey(version.Version))
            {
                ["Version"] = version.Version,
                ["Id"] = version.Id,
                ["CreatedAt"] = version.CreatedAt,
                ["Images"] = version.Images,
                ["Parent"] = parent ?? 0,
            }),
        };
        try
        {
            await table.SubmitTransactionAsync(actions, cancellationToken);
            return PublishOutcome.Published;
        }
        catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412)
        {
            // Either the pointer moved, or the version row exists: which one, and whether it is this version, decides.
            return (await GetVersionAsync(dataset, version.Version, cancellationToken))?.Id == version.Id ? PublishOutcome.AlreadyPublished : PublishOutcome.PointerMoved;
        }
    }

    public async Task<bool> MovePointerAsync(string dataset, int version, string pointerETag, CancellationToken cancellationToken)
    {
        try
        {
            await table.UpdateEntityAsync(new TableEntity(dataset, PointerKey) { ["Version"] = version }, new ETag(pointerETag), TableUpdateMode.Merge, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return false;
        }
    }

    public async Task<VersionListing?> GetVersionAsync(string dataset, int version, CancellationToken cancellationToken)
    {
        var row = await table.GetEntityIfExistsAsync<TableEntity>(dataset, VersionKey(version), cancellationToken: cancellationToken);
        return row.HasValue ? ToListing(row.Value!) : null;
    }

    public async IAsyncEnumerable<VersionListing> ListVersionsAsync(string dataset, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {dataset} and RowKey ge {"v"} and RowKey lt {"w"}"), cancellationToken: cancellationToken))
        {
            yield return ToListing(row);
        }
    }

    private static VersionListing ToListing(TableEntity row) =>
        new(row.GetInt32("Version") ?? 0, row.GetString("Id"), row.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue, row.GetInt32("Images") ?? 0, false);

    private static string VersionKey(int version) => "v" + version.ToString("D9", CultureInfo.InvariantCulture);

    private static string BatchKey(string batch) => "b|" + TableKeys.Readable(batch);
}
