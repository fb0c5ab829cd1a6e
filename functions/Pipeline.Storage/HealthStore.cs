using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using Pipeline.Core;
using Pipeline.Core.Health;

namespace Pipeline.Storage;

/// <summary>
/// <see cref="IHealthStore"/>: the time series in the <c>health</c> table, one partition per dataset and one
/// row per check, keyed by the check's time so a range query reads a period in order. Headline numbers are
/// columns (for queries and exports); the whole snapshot is a JSON column.
/// </summary>
public sealed class HealthStore(TableServiceClient tables, IOptions<PipelineStorageOptions> options) : IHealthStore
{
    // A string property holds at most 32K characters; a larger snapshot keeps its headline columns and drops the JSON's batch list.
    private const int MaxJsonChars = 32_000;

    private readonly TableClient table = tables.GetTableClient(options.Value.HealthTable);

    public async Task RecordAsync(HealthSnapshot snapshot, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.Serialize(snapshot, PipelineJson.Options);
        if (json.Length > MaxJsonChars)
        {
            json = JsonSerializer.Serialize(snapshot with { Distribution = snapshot.Distribution with { Batches = [] }, Schema = snapshot.Schema with { Changes = [] } }, PipelineJson.Options);
        }

        var entity = new TableEntity(snapshot.Dataset, Key(snapshot.At))
        {
            ["At"] = snapshot.At,
            ["Status"] = snapshot.Status,
            ["ImageAgeHours"] = snapshot.Freshness.ImageAgeHours,
            ["LabelAgeHours"] = snapshot.Freshness.LabelAgeHours,
            ["WindowImages"] = snapshot.Volume.Images,
            ["WindowBytes"] = snapshot.Volume.Bytes,
            ["BaselineImages"] = snapshot.Volume.BaselineImages,
            ["BaselineBytes"] = snapshot.Volume.BaselineBytes,
            ["ClassPsi"] = snapshot.Distribution.MaxClassPsi,
            ["QualityPsi"] = snapshot.Distribution.MaxQualityPsi,
            ["SchemaChanges"] = snapshot.Schema.Changes.Count,
            ["CurrentVersion"] = snapshot.Lineage.CurrentVersion,
            ["PendingImages"] = snapshot.Lineage.PendingImages,
            ["FindingCodes"] = string.Join(' ', snapshot.Findings.Select(f => f.Code).Distinct()),
            ["Snapshot"] = json.Length <= MaxJsonChars ? json : null,
        };
        await table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
        // The same point again as the dataset's latest, for a point read; its key sorts before every time, so no listing meets it.
        await table.UpsertEntityAsync(new TableEntity(entity) { RowKey = LatestKey }, TableUpdateMode.Replace, cancellationToken);
    }

    public async Task<HealthRecord?> LatestAsync(string dataset, CancellationToken cancellationToken)
    {
        var row = await table.GetEntityIfExistsAsync<TableEntity>(dataset, LatestKey, ["Snapshot"], cancellationToken);
        return row.HasValue && row.Value!.GetString("Snapshot") is { } json && JsonSerializer.Deserialize<HealthSnapshot>(json, PipelineJson.Options) is { } snapshot
            ? new HealthRecord(dataset, snapshot.At, snapshot.Status, snapshot)
            : null;
    }

    public async IAsyncEnumerable<HealthRecord> ListAsync(string dataset, DateTimeOffset since, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {dataset} and RowKey ge {Key(since)}");
        await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            if (row.GetString("Snapshot") is { } json && JsonSerializer.Deserialize<HealthSnapshot>(json, PipelineJson.Options) is { } snapshot)
            {
                yield return new HealthRecord(dataset, snapshot.At, snapshot.Status, snapshot);
            }
        }
    }

    /// <summary>The row of the newest point: '!' sorts before the digits every time key starts with.</summary>
    private const string LatestKey = "!latest";

    private static string Key(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
}
