using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Options;
using Pipeline.Core.Ingest;

namespace Pipeline.Storage;

/// <summary>
/// <see cref="IIngestBlobStore"/> over Azure Blob Storage. Only "not found", "already exists" and "changed"
/// answers are turned into results; every other fault (timeouts, 5xx, throttling) propagates so the
/// platform retries the ingest.
/// </summary>
public sealed class BlobIngestStore : IIngestBlobStore
{
    private readonly BlobContainerClient incoming;
    private readonly BlobContainerClient staging;
    private readonly BlobContainerClient quarantine;

    public BlobIngestStore(BlobServiceClient service, IOptions<PipelineStorageOptions> options)
    {
        incoming = service.GetBlobContainerClient(options.Value.IncomingContainer);
        staging = service.GetBlobContainerClient(options.Value.StagingContainer);
        quarantine = service.GetBlobContainerClient(options.Value.QuarantineContainer);
    }

    public async Task<IncomingPage> ListIncomingAsync(string prefix, string? continuation, int pageSize, CancellationToken cancellationToken)
    {
        await foreach (var page in incoming.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken).AsPages(continuation, pageSize))
        {
            return new IncomingPage(
                [.. page.Values.Select(b => new IncomingBlob(b.Name, b.Properties.ContentLength ?? 0, b.Properties.ETag is { } etag ? Text(etag) : string.Empty, LastModified: b.Properties.LastModified))],
                string.IsNullOrEmpty(page.ContinuationToken) ? null : page.ContinuationToken);
        }

        return new IncomingPage([], null);
    }

    public async Task<IncomingBlob?> GetIncomingAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            var properties = await incoming.GetBlobClient(name).GetPropertiesAsync(cancellationToken: cancellationToken);
            return new IncomingBlob(
                name, properties.Value.ContentLength, Text(properties.Value.ETag), properties.Value.Metadata.TryGetValue("dataset", out var dataset) ? dataset : null, properties.Value.LastModified);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    public async Task<ReadOnlyMemory<byte>?> DownloadIncomingAsync(string name, string etag, long maxBytes, CancellationToken cancellationToken)
    {
        try
        {
            var response = await incoming.GetBlobClient(name).DownloadStreamingAsync(
                new BlobDownloadOptions { Conditions = new BlobRequestConditions { IfMatch = new ETag(etag) } },
                cancellationToken);
            var length = response.Value.Details.ContentLength;
            if (length > maxBytes)
            {
                return null; // grew past the cap since its properties were read: judge the new version
            }

            // One buffer of exactly the blob's length; the stream is read once.
            var buffer = new byte[length];
            await using var content = response.Value.Content;
            await content.ReadExactlyAsync(buffer, cancellationToken);
            return buffer;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return null;
        }
    }

    public async Task<Stream?> OpenIncomingAsync(string name, string etag, long maxBytes, CancellationToken cancellationToken)
    {
        try
        {
            var response = await incoming.GetBlobClient(name).DownloadStreamingAsync(
                new BlobDownloadOptions { Conditions = new BlobRequestConditions { IfMatch = new ETag(etag) } },
                cancellationToken);
            if (response.Value.Details.ContentLength > maxBytes)
            {
                await response.Value.Content.DisposeAsync();
                return null; // grew past the cap since its properties were read: judge the new version
            }

            return response.Value.Content;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return null;
        }
    }

    public async Task<bool?> StageCopyAsync(
        string incomingName, string etag, string stagedName, string contentType, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        var target = staging.GetBlobClient(stagedName);
        try
        {
            var operation = await target.StartCopyFromUriAsync(
                incoming.GetBlobClient(incomingName).Uri,
                new BlobCopyFromUriOptions
                {
                    SourceConditions = new BlobRequestConditions { IfMatch = new ETag(etag) },
                    DestinationConditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                    Metadata = metadata.ToDictionary(),
                },
                cancellationToken);
            await operation.WaitForCompletionAsync(TimeSpan.FromSeconds(1), cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 409 || (ex.Status == 412 && ex.ErrorCode != BlobErrorCode.SourceConditionNotMet))
        {
            return false; // staged before (the same bytes: the name is their hash)
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return null;
        }

        // A copy cannot set headers: the content type follows, as on an uploaded blob.
        await target.SetHttpHeadersAsync(new BlobHttpHeaders { ContentType = contentType }, cancellationToken: cancellationToken);
        return true;
    }

    public async Task<bool> StageAsync(
        string stagedName, ReadOnlyMemory<byte> bytes, string contentType, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        try
        {
            await staging.GetBlobClient(stagedName).UploadAsync(
                BinaryData.FromBytes(bytes),
                new BlobUploadOptions
                {
                    Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                    HttpHeaders = new BlobHttpHeaders { ContentType = contentType },
                    Metadata = metadata.ToDictionary(),
                },
                cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            return false; // content-addressed: the same bytes are there already
        }
    }

    public async Task QuarantineAsync(string quarantineName, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken) =>
        await quarantine.GetBlobClient(quarantineName).UploadAsync(BinaryData.FromBytes(bytes), overwrite: true, cancellationToken);

    public async Task<bool> QuarantineCopyAsync(string incomingName, string etag, string quarantineName, CancellationToken cancellationToken)
    {
        try
        {
            var operation = await quarantine.GetBlobClient(quarantineName).StartCopyFromUriAsync(
                incoming.GetBlobClient(incomingName).Uri,
                new BlobCopyFromUriOptions { SourceConditions = new BlobRequestConditions { IfMatch = new ETag(etag) } },
                cancellationToken);
            await operation.WaitForCompletionAsync(TimeSpan.FromSeconds(1), cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return false;
        }
    }

    /// <summary>ETags in one form (quoted, as in headers): listings return them bare, property reads quoted.</summary>
    internal static string Text(ETag etag) => etag.ToString("H");

    public async Task WriteQuarantineJsonAsync(string name, ReadOnlyMemory<byte> json, CancellationToken cancellationToken) =>
        await quarantine.GetBlobClient(name).UploadAsync(
            BinaryData.FromBytes(json),
            new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } },
            cancellationToken);
}
