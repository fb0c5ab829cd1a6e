using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using Pipeline.Core.Reviews;

namespace Pipeline.Storage;

/// <summary>
/// <see cref="IReviewStore"/> in the <c>datasets</c> table, beside the dataset's batches and versions: one row per
/// decision in the dataset's partition, keyed <c>r|{id}</c> (the target's id, so deciding again replaces the row).
/// </summary>
public sealed class TableReviewStore(TableServiceClient tables, IOptions<PipelineStorageOptions> options) : IReviewStore
{
    private readonly TableClient table = tables.GetTableClient(options.Value.DatasetsTable);

    public async Task<IReadOnlyList<ReviewDecision>> ListAsync(string dataset, CancellationToken cancellationToken)
    {
        var decisions = new List<ReviewDecision>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {dataset} and RowKey ge {"r|"} and RowKey lt {"r}"}");
        await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            decisions.Add(new ReviewDecision(
                dataset, row.RowKey[2..], row.GetString("Code"), row.GetString("Scope"), row.GetString("Subject") ?? string.Empty, row.GetString("Decision"),
                row.GetString("Reason"), row.GetString("By"), row.GetDateTimeOffset("At")!.Value, row.GetDateTimeOffset("Until")));
        }

        return [.. decisions.OrderBy(d => d.Code, StringComparer.Ordinal).ThenBy(d => d.Scope, StringComparer.Ordinal).ThenBy(d => d.Subject, StringComparer.Ordinal)];
    }

    public Task PutAsync(ReviewDecision decision, CancellationToken cancellationToken) =>
        table.UpsertEntityAsync(
            new TableEntity(decision.Dataset, Key(decision.Id))
            {
                ["Code"] = decision.Code,
                ["Scope"] = decision.Scope,
                ["Subject"] = decision.Subject,
                ["Decision"] = decision.Decision,
                ["Reason"] = decision.Reason,
                ["By"] = decision.By,
                ["At"] = decision.At,
                ["Until"] = decision.Until,
            },
            TableUpdateMode.Replace,
            cancellationToken);

    public async Task<bool> DeleteAsync(string dataset, string id, CancellationToken cancellationToken)
    {
        // The SDK answers a delete of a missing row as a success, so the row is read first (and deleted only as read).
        var row = await table.GetEntityIfExistsAsync<TableEntity>(dataset, Key(id), ["Code"], cancellationToken);
        if (!row.HasValue)
        {
            return false;
        }

        try
        {
            await table.DeleteEntityAsync(dataset, Key(id), row.Value!.ETag, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return false; // withdrawn or replaced meanwhile
        }
    }

    private static string Key(string id) => "r|" + id;
}
