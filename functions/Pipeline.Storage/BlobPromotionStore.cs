using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Options;
using Pipeline.Core.Datasets;

namespace Pipeline.Storage;

/// <summary>
/// <see cref="IPromotionBlobs"/> over Blob Storage: staged images and gate files in <c>staging</c>, the work
/// folder in <c>reports</c>, published files in <c>production</c>. Images are written with If-None-Match: *, so
/// a name (a content hash) is written once.
/// </summary>
public sealed class BlobPromotionStore(BlobServiceClient blobs, IOptions<PipelineStorageOptions> options) : IPromotionBlobs
{
    private readonly BlobContainerClient staging = blobs.GetBlobContainerClient(options.Value.StagingContainer);
    private readonly BlobContainerClient reports = blobs.GetBlobContainerClient(options.Value.ReportsContainer);
    private readonly BlobContainerClient production = blobs.GetBlobContainerClient(options.Value.ProductionContainer);

    /// <summary>Where a dataset's gate file lives in <c>staging</c>.</summary>
    public static string GateName(string dataset) => $"gates/{dataset}.json";

    public Task<byte[]?> ReadStagedAsync(string stagedPath, CancellationToken cancellationToken) => ReadAsync(staging.GetBlobClient(stagedPath), cancellationToken);

    public Task<Stream?> OpenStagedAsync(string stagedPath, CancellationToken cancellationToken) => OpenAsync(staging.GetBlobClient(stagedPath), cancellationToken);

    public Task<byte[]?> ReadGateAsync(string dataset, CancellationToken cancellationToken) => ReadAsync(staging.GetBlobClient(GateName(dataset)), cancellationToken);

    public async Task WriteGateAsync(string dataset, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
        await staging.GetBlobClient(GateName(dataset)).UploadAsync(BinaryData.FromBytes(content), new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } }, cancellationToken);

    public async Task WriteWorkAsync(string name, Stream content, CancellationToken cancellationToken) =>
        await reports.GetBlobClient(name).UploadAsync(content, overwrite: true, cancellationToken);

    public Task<Stream?> OpenWorkAsync(string name, CancellationToken cancellationToken) => OpenAsync(reports.GetBlobClient(name), cancellationToken);

    public async Task<bool> PutProductionIfAbsentAsync(string name, ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken)
    {
        try
        {
            await production.GetBlobClient(name).UploadAsync(
                BinaryData.FromBytes(content),
                new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All }, HttpHeaders = new BlobHttpHeaders { ContentType = contentType } },
                cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            return false;
        }
    }

    public async Task WriteProductionAsync(string name, Stream content, string contentType, CancellationToken cancellationToken) =>
        await production.GetBlobClient(name).UploadAsync(content, new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = contentType } }, cancellationToken);

    public Task<Stream?> OpenProductionAsync(string name, CancellationToken cancellationToken) => OpenAsync(production.GetBlobClient(name), cancellationToken);

    public async Task DeleteProductionAsync(string name, CancellationToken cancellationToken) =>
        await production.GetBlobClient(name).DeleteIfExistsAsync(cancellationToken: cancellationToken);

    private static async Task<byte[]?> ReadAsync(BlobClient blob, CancellationToken cancellationToken)
    {
        try
        {
            return (await blob.DownloadContentAsync(cancellationToken)).Value.Content.ToArray();
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    private static async Task<Stream?> OpenAsync(BlobClient blob, CancellationToken cancellationToken)
    {
        try
        {
            return (await blob.DownloadStreamingAsync(cancellationToken: cancellationToken)).Value.Content;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }
}
