using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Options;
using Pipeline.Core.Labels;

namespace Pipeline.Storage;

/// <summary>
/// <see cref="ILabelQaStore"/> over Azure Storage: staged files from <c>staging</c>, reports in <c>reports</c>,
/// and the summary row in the statistics table (partition <c>labelqa</c>, one row per batch).
/// </summary>
public sealed class BlobLabelQaStore(BlobServiceClient blobs, TableServiceClient tables, IOptions<PipelineStorageOptions> options) : ILabelQaStore
{
    private readonly BlobContainerClient staging = blobs.GetBlobContainerClient(options.Value.StagingContainer);
    private readonly BlobContainerClient reports = blobs.GetBlobContainerClient(options.Value.ReportsContainer);
    private readonly TableClient statistics = tables.GetTableClient(options.Value.StatisticsTable);

    public async Task<Stream> OpenStagedAsync(string stagedPath, CancellationToken cancellationToken) =>
        await staging.GetBlobClient(stagedPath).OpenReadAsync(cancellationToken: cancellationToken);

    public async Task WriteReportAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
        await reports.GetBlobClient(name).UploadAsync(BinaryData.FromBytes(content), overwrite: true, cancellationToken);

    public async Task<byte[]?> ReadReportAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return (await reports.GetBlobClient(name).DownloadContentAsync(cancellationToken)).Value.Content.ToArray();
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    public async Task<bool> ExistsAsync(string name, CancellationToken cancellationToken) =>
        (await reports.GetBlobClient(name).ExistsAsync(cancellationToken)).Value;

    public async Task RecordSummaryAsync(LabelQaSummary summary, CancellationToken cancellationToken) =>
        await statistics.UpsertEntityAsync(
            new TableEntity("labelqa", TableKeys.Readable(summary.Batch))
            {
                ["Batch"] = summary.Batch,
                ["Images"] = summary.Images,
                ["LabelFiles"] = summary.LabelFiles,
                ["Boxes"] = summary.Boxes,
                ["Errors"] = summary.Errors,
                ["Warnings"] = summary.Warnings,
                ["Infos"] = summary.Infos,
                ["CheckedAt"] = summary.CheckedAt,
            },
            TableUpdateMode.Replace,
            cancellationToken);
}
