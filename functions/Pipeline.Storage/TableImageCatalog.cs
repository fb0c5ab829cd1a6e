using System.Runtime.CompilerServices;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using Pipeline.Core;
using Pipeline.Core.Findings;
using Pipeline.Core.Images;
using Pipeline.Core.Ingest;

namespace Pipeline.Storage;

/// <summary>
/// <see cref="IImageCatalog"/> over Azure Tables: one row per incoming blob (partition = batch), and a content
/// index (partition = first byte of the SHA-256). Adds are conditional on absence, replaces on the ETag read.
/// </summary>
public sealed class TableImageCatalog : IImageCatalog
{
    private readonly TableClient catalog;
    private readonly TableClient contents;

    public TableImageCatalog(TableServiceClient service, IOptions<PipelineStorageOptions> options)
    {
        catalog = service.GetTableClient(options.Value.CatalogTable);
        contents = service.GetTableClient(options.Value.ContentTable);
    }

    public async Task<Versioned<CatalogEntry>?> GetAsync(string blobName, CancellationToken cancellationToken)
    {
        var (pk, rk) = TableKeys.ForBlob(blobName);
        var response = await catalog.GetEntityIfExistsAsync<TableEntity>(pk, rk, cancellationToken: cancellationToken);
        return response.HasValue ? new Versioned<CatalogEntry>(ToEntry(response.Value!), response.Value!.ETag.ToString()) : null;
    }

    public async Task<bool> TryAddAsync(CatalogEntry entry, CancellationToken cancellationToken)
    {
        try
        {
            await catalog.AddEntityAsync(ToEntity(entry), cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }

    public async Task<bool> TryReplaceAsync(CatalogEntry entry, string etag, CancellationToken cancellationToken)
    {
        try
        {
            await catalog.UpdateEntityAsync(ToEntity(entry), new ETag(etag), TableUpdateMode.Replace, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return false;
        }
    }

    public async Task<ContentEntry?> GetContentAsync(string sha256, CancellationToken cancellationToken)
    {
        var (pk, rk) = TableKeys.ForContent(sha256);
        var response = await contents.GetEntityIfExistsAsync<TableEntity>(pk, rk, cancellationToken: cancellationToken);
        if (!response.HasValue)
        {
            return null;
        }

        var e = response.Value!;
        return new ContentEntry(sha256, e.GetString("Name"), e.GetString("StagedPath"), Json<ImageInspection>(e.GetString("Inspection"))!);
    }

    public async Task<bool> TryAddContentAsync(ContentEntry entry, CancellationToken cancellationToken)
    {
        var (pk, rk) = TableKeys.ForContent(entry.Sha256);
        var entity = new TableEntity(pk, rk)
        {
            ["Name"] = entry.Name,
            ["StagedPath"] = entry.StagedPath,
            ["Inspection"] = JsonSerializer.Serialize(entry.Inspection, PipelineJson.Options),
        };
        try
        {
            await contents.AddEntityAsync(entity, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }

    public async Task<string?> ClaimPixelsAsync(string pixelHash, string name, CancellationToken cancellationToken)
    {
        var (pk, rk) = TableKeys.ForPixels(pixelHash);
        try
        {
            await contents.AddEntityAsync(new TableEntity(pk, rk) { ["Name"] = name }, cancellationToken);
            return null;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            var first = (await contents.GetEntityAsync<TableEntity>(pk, rk, cancellationToken: cancellationToken)).Value.GetString("Name");
            return first == name ? null : first;
        }
    }

    public async IAsyncEnumerable<CatalogEntry> ListBatchAsync(string batch, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var pk = TableKeys.Readable(batch);
        await foreach (var entity in catalog.QueryAsync<TableEntity>(e => e.PartitionKey == pk, cancellationToken: cancellationToken))
        {
            yield return ToEntry(entity);
        }
    }

    public async Task RecordRecheckAsync(string name, ImageRecheck recheck, CancellationToken cancellationToken)
    {
        var (pk, rk) = TableKeys.ForBlob(name);
        var entity = new TableEntity(pk, rk);
        foreach (var (key, value) in RecheckColumns(recheck))
        {
            entity[key] = value;
        }

        await catalog.UpdateEntityAsync(entity, ETag.All, TableUpdateMode.Merge, cancellationToken);
    }

    public async IAsyncEnumerable<CatalogChange> ListChangedSinceAsync(string batch, DateTimeOffset since, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {TableKeys.Readable(batch)} and Timestamp gt {since}");
        await foreach (var e in catalog.QueryAsync<TableEntity>(filter, select: ["Name", "Status", "Sha256", "Timestamp"], cancellationToken: cancellationToken))
        {
            yield return new CatalogChange(
                e.GetString("Name"), Enum.Parse<IngestStatus>(e.GetString("Status"), ignoreCase: true), e.GetString("Sha256") ?? string.Empty, e.Timestamp ?? since);
        }
    }

    public async Task<bool> ChangedSinceAsync(string batch, DateTimeOffset since, CancellationToken cancellationToken)
    {
        // Storage stamps every write; one page of at most one key answers without reading the batch.
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {TableKeys.Readable(batch)} and Timestamp gt {since}");
        await foreach (var page in catalog.QueryAsync<TableEntity>(filter, maxPerPage: 1, select: ["RowKey"], cancellationToken: cancellationToken).AsPages())
        {
            if (page.Values.Count > 0)
            {
                return true;
            }
        }

        return false;
    }

    public async Task MarkPromotedAsync(IReadOnlyList<string> names, string dataset, int version, CancellationToken cancellationToken)
    {
        // One merge of one column per row, a transaction per batch partition and hundred rows.
        var promoted = $"{dataset}@{version}";
        foreach (var partition in names.Distinct(StringComparer.Ordinal).Select(TableKeys.ForBlob).GroupBy(k => k.PartitionKey))
        {
            foreach (var chunk in partition.Chunk(100))
            {
                await catalog.SubmitTransactionAsync(
                    chunk.Select(k => new TableTransactionAction(TableTransactionActionType.UpdateMerge, new TableEntity(k.PartitionKey, k.RowKey) { ["Promoted"] = promoted }, ETag.All)),
                    cancellationToken);
            }
        }
    }

    private static TableEntity ToEntity(CatalogEntry entry)
    {
        var (pk, rk) = TableKeys.ForBlob(entry.Name);
        var entity = new TableEntity(pk, rk)
        {
            ["Name"] = entry.Name,
            ["Batch"] = entry.Batch,
            ["Dataset"] = entry.Dataset,
            ["SourceETag"] = entry.SourceETag,
            ["Status"] = entry.Status.Name(),
            ["Sha256"] = entry.Sha256,
            ["Length"] = entry.Length,
            ["Format"] = entry.Format,
            ["Width"] = entry.Width,
            ["Height"] = entry.Height,
            ["Frames"] = entry.Frames,
            ["Orientation"] = entry.Orientation,
            ["Quality"] = entry.Quality is null ? null : JsonSerializer.Serialize(entry.Quality, PipelineJson.Options),
            ["Findings"] = JsonSerializer.Serialize(entry.Findings, PipelineJson.Options),
            // Codes alone, space-separated, so rows can be filtered by code without parsing JSON.
            ["FindingCodes"] = string.Join(' ', entry.Findings.Select(f => f.Code).Distinct()),
            ["StagedPath"] = entry.StagedPath,
            ["QuarantinePath"] = entry.QuarantinePath,
            ["DuplicateOf"] = entry.DuplicateOf,
            ["IngestedAt"] = entry.IngestedAt,
            ["Kind"] = entry.Kind,
            ["Annotations"] = entry.Annotations,
            ["Promoted"] = entry.Promoted,
            ["TraceParent"] = entry.TraceParent,
        };
        foreach (var (key, value) in RecheckColumns(entry.Recheck))
        {
            entity[key] = value;
        }

        return entity;
    }

    private static IEnumerable<KeyValuePair<string, object?>> RecheckColumns(ImageRecheck? recheck) =>
    [
        new("RecheckRules", recheck?.Rules),
        new("RecheckAt", recheck?.At),
        new("RecheckFindings", recheck is null ? null : JsonSerializer.Serialize(recheck.Findings, PipelineJson.Options)),
        new("RecheckCodes", recheck is null ? null : string.Join(' ', recheck.Findings.Select(f => f.Code).Distinct())),
        new("RecheckVerdict", recheck?.Verdict.Name()),
    ];

    private static CatalogEntry ToEntry(TableEntity e) => new(
        e.GetString("Name"),
        e.GetString("Batch"),
        e.GetString("Dataset") ?? string.Empty,
        e.GetString("SourceETag"),
        Enum.Parse<IngestStatus>(e.GetString("Status"), ignoreCase: true),
        e.GetString("Sha256"),
        e.GetInt64("Length") ?? 0,
        e.GetString("Format"),
        e.GetInt32("Width"),
        e.GetInt32("Height"),
        e.GetInt32("Frames") ?? 0,
        e.GetInt32("Orientation"),
        Json<ImageQuality>(e.GetString("Quality")),
        Json<List<Finding>>(e.GetString("Findings")) ?? [],
        e.GetString("StagedPath"),
        e.GetString("QuarantinePath"),
        e.GetString("DuplicateOf"),
        e.GetDateTimeOffset("IngestedAt") ?? DateTimeOffset.MinValue,
        e.GetString("Kind") ?? CatalogKinds.Image,
        e.GetInt32("Annotations"),
        e.GetString("Promoted"),
        e.GetString("TraceParent"),
        e.GetString("RecheckRules") is { } rules
            ? new ImageRecheck(rules, e.GetDateTimeOffset("RecheckAt") ?? DateTimeOffset.MinValue, Json<List<Finding>>(e.GetString("RecheckFindings")) ?? [], Enum.Parse<IngestStatus>(e.GetString("RecheckVerdict") ?? "accepted", ignoreCase: true))
            : null);

    private static T? Json<T>(string? json) => json is null ? default : JsonSerializer.Deserialize<T>(json, PipelineJson.Options);
}
