using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Options;

namespace Pipeline.Storage;

/// <summary>Creates the containers and tables the pipeline uses when they are missing (local runs and tests; the templates create them in Azure).</summary>
public sealed class StorageInitializer(BlobServiceClient blobs, TableServiceClient tables, IOptions<PipelineStorageOptions> options)
{
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        foreach (var container in o.Containers)
        {
            await blobs.GetBlobContainerClient(container).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        }

        foreach (var table in o.Tables)
        {
            await tables.CreateTableIfNotExistsAsync(table, cancellationToken);
        }
    }
}
