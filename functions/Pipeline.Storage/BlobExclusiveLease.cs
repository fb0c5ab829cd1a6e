using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.Options;
using Pipeline.Core;

namespace Pipeline.Storage;

/// <summary>
/// <see cref="IExclusiveLease"/> as blob leases on empty blobs <c>locks/{name}</c> in the <c>reports</c> container.
/// Storage grants a blob's lease to one caller at a time, across every instance of every host; 30 seconds is
/// the longest a dead holder can keep others out.
/// </summary>
public sealed class BlobExclusiveLease(BlobServiceClient blobs, IOptions<PipelineStorageOptions> options) : IExclusiveLease
{
    private readonly BlobContainerClient reports = blobs.GetBlobContainerClient(options.Value.ReportsContainer);

    /// <summary>How long a lease lasts when its holder never gives it back.</summary>
    public static readonly TimeSpan Duration = TimeSpan.FromSeconds(30);

    public async Task<IAsyncDisposable?> TryAcquireAsync(string name, CancellationToken cancellationToken)
    {
        var blob = reports.GetBlobClient($"locks/{name}");
        var lease = blob.GetBlobLeaseClient();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await lease.AcquireAsync(Duration, cancellationToken: cancellationToken);
                return new Held(lease);
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                return null;
            }
            catch (RequestFailedException ex) when (ex.Status == 404 && attempt == 0)
            {
                // The first lease on this name: make the blob (whoever makes it first; its content is nothing).
                try
                {
                    await blob.UploadAsync(BinaryData.Empty, new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, cancellationToken);
                }
                catch (RequestFailedException created) when (created.Status is 409 or 412)
                {
                    // Made by another caller meanwhile (or leased already: the next acquire says so).
                }
            }
        }
    }

    private sealed class Held(BlobLeaseClient lease) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await lease.ReleaseAsync();
            }
            catch (RequestFailedException)
            {
                // Expired and taken by another holder, or the blob is gone: either way it is no longer ours.
            }
        }
    }
}
