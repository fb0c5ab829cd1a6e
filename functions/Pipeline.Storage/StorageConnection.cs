using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;

namespace Pipeline.Storage;

/// <summary>
/// Reads the <c>PipelineStorage</c> connection the way Azure Functions does: either a connection string
/// (Azurite locally), or a section with <c>blobServiceUri</c> and <c>tableServiceUri</c> (or <c>accountName</c>)
/// for identity-based access, with <c>credential=managedidentity</c> and <c>clientId</c> for a user-assigned identity.
/// </summary>
public sealed class StorageConnection
{
    private StorageConnection(string? connectionString, Uri? blobUri, Uri? tableUri, Uri? queueUri, TokenCredential? credential)
    {
        ConnectionString = connectionString;
        BlobServiceUri = blobUri;
        TableServiceUri = tableUri;
        QueueServiceUri = queueUri;
        Credential = credential;
    }

    public string? ConnectionString { get; }

    public Uri? BlobServiceUri { get; }

    public Uri? TableServiceUri { get; }

    public Uri? QueueServiceUri { get; }

    public TokenCredential? Credential { get; }

    /// <summary>A connection string, used as it is.</summary>
    public static StorageConnection FromConnectionString(string connectionString) => new(connectionString, null, null, null, null);

    /// <summary>Reads the named connection from configuration; throws a clear error when it is missing.</summary>
    public static StorageConnection FromConfiguration(IConfiguration configuration, string name = PipelineStorageOptions.ConnectionName)
    {
        var section = configuration.GetSection(name);
        if (!string.IsNullOrWhiteSpace(section.Value))
        {
            return FromConnectionString(section.Value);
        }

        if (!string.IsNullOrWhiteSpace(section["connectionString"]))
        {
            return FromConnectionString(section["connectionString"]!);
        }

        var account = section["accountName"];
        Uri? Endpoint(string key, string service) =>
            section[key] is { Length: > 0 } uri ? new Uri(uri) :
            account is { Length: > 0 } ? new Uri($"https://{account}.{service}.core.windows.net") : null;

        var blob = Endpoint("blobServiceUri", "blob");
        var table = Endpoint("tableServiceUri", "table");
        var queue = Endpoint("queueServiceUri", "queue");
        if (blob is null || table is null)
        {
            throw new InvalidOperationException(
                $"The storage connection '{name}' is not configured: set '{name}' to a connection string, or " +
                $"'{name}__blobServiceUri' and '{name}__tableServiceUri' (or '{name}__accountName') for identity-based access.");
        }

        TokenCredential credential = string.Equals(section["credential"], "managedidentity", StringComparison.OrdinalIgnoreCase)
            ? new ManagedIdentityCredential(section["clientId"] is { Length: > 0 } id ? ManagedIdentityId.FromUserAssignedClientId(id) : ManagedIdentityId.SystemAssigned)
            : new DefaultAzureCredential();
        return new StorageConnection(null, blob, table, queue, credential);
    }

    public BlobServiceClient CreateBlobServiceClient(BlobClientOptions? options = null) =>
        ConnectionString is not null ? new BlobServiceClient(ConnectionString, options) : new BlobServiceClient(BlobServiceUri, Credential, options);

    public TableServiceClient CreateTableServiceClient(TableClientOptions? options = null) =>
        ConnectionString is not null ? new TableServiceClient(ConnectionString, options) : new TableServiceClient(TableServiceUri, Credential, options);
}
