using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Options;

namespace Pipeline.Storage;

/// <summary>Creates the containers and tables ingest uses when they are missing (local runs and tests; the templates create them in Azure).</summary>
public sealed class StorageInitializer(BlobServiceClient blobs, TableServiceClient tables, IOptions<PipelineStorageOptions> options)
{
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        foreach (var container in new[] { o.IncomingContainer, o.StagingContainer, o.QuarantineContainer, o.ReportsContainer })
        {
            await blobs.GetBlobContainerClient(container).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        }

        foreach (var table in new[] { o.CatalogTable, o.ContentTable, o.StatisticsTable, o.NearHashTable })
        {
            await tables.CreateTableIfNotExistsAsync(table, cancellationToken);
        }
    }
}
