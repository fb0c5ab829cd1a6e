using Pipeline.Core.Datasets;
using Pipeline.Core.Ingest;

namespace Pipeline.Testing;

/// <summary>Passes every call to a real registry; a test overrides the one call it wants to disturb or watch.</summary>
public abstract class DelegatingDatasetRegistry(IDatasetRegistry inner) : IDatasetRegistry
{
    public virtual Task RecordBatchAsync(string dataset, string batch, CancellationToken cancellationToken) => inner.RecordBatchAsync(dataset, batch, cancellationToken);

    public virtual IAsyncEnumerable<string> ListDatasetsAsync(CancellationToken cancellationToken) => inner.ListDatasetsAsync(cancellationToken);

    public virtual IAsyncEnumerable<RecordedBatch> ListBatchesAsync(string dataset, CancellationToken cancellationToken) => inner.ListBatchesAsync(dataset, cancellationToken);

    public virtual Task MarkBatchPromotedAsync(string dataset, string batch, int version, DateTimeOffset through, CancellationToken cancellationToken) =>
        inner.MarkBatchPromotedAsync(dataset, batch, version, through, cancellationToken);

    public virtual Task<IReadOnlySet<int>> AncestryAsync(string dataset, int? version, CancellationToken cancellationToken) => inner.AncestryAsync(dataset, version, cancellationToken);

    public virtual Task<DatasetPointer> GetPointerAsync(string dataset, CancellationToken cancellationToken) => inner.GetPointerAsync(dataset, cancellationToken);

    public virtual Task<PublishOutcome> PublishAsync(string dataset, VersionListing version, int? parent, string? pointerETag, CancellationToken cancellationToken) =>
        inner.PublishAsync(dataset, version, parent, pointerETag, cancellationToken);

    public virtual Task<bool> MovePointerAsync(string dataset, int version, string pointerETag, CancellationToken cancellationToken) =>
        inner.MovePointerAsync(dataset, version, pointerETag, cancellationToken);

    public virtual Task<VersionListing?> GetVersionAsync(string dataset, int version, CancellationToken cancellationToken) => inner.GetVersionAsync(dataset, version, cancellationToken);

    public virtual IAsyncEnumerable<VersionListing> ListVersionsAsync(string dataset, CancellationToken cancellationToken) => inner.ListVersionsAsync(dataset, cancellationToken);
}

/// <summary>Passes every call to a real catalog; a test overrides the one call it wants to disturb or watch.</summary>
public abstract class DelegatingImageCatalog(IImageCatalog inner) : IImageCatalog
{
    public virtual Task<Versioned<CatalogEntry>?> GetAsync(string blobName, CancellationToken cancellationToken) => inner.GetAsync(blobName, cancellationToken);

    public virtual Task<bool> TryAddAsync(CatalogEntry entry, CancellationToken cancellationToken) => inner.TryAddAsync(entry, cancellationToken);

    public virtual Task<bool> TryReplaceAsync(CatalogEntry entry, string etag, CancellationToken cancellationToken) => inner.TryReplaceAsync(entry, etag, cancellationToken);

    public virtual Task<ContentEntry?> GetContentAsync(string sha256, CancellationToken cancellationToken) => inner.GetContentAsync(sha256, cancellationToken);

    public virtual Task<bool> TryAddContentAsync(ContentEntry entry, CancellationToken cancellationToken) => inner.TryAddContentAsync(entry, cancellationToken);

    public virtual Task<string?> ClaimPixelsAsync(string pixelHash, string name, CancellationToken cancellationToken) => inner.ClaimPixelsAsync(pixelHash, name, cancellationToken);

    public virtual IAsyncEnumerable<CatalogEntry> ListBatchAsync(string batch, CancellationToken cancellationToken) => inner.ListBatchAsync(batch, cancellationToken);

    public virtual Task RecordRecheckAsync(string name, ImageRecheck recheck, CancellationToken cancellationToken) => inner.RecordRecheckAsync(name, recheck, cancellationToken);

    public virtual IAsyncEnumerable<CatalogChange> ListChangedSinceAsync(string batch, DateTimeOffset since, CancellationToken cancellationToken) =>
        inner.ListChangedSinceAsync(batch, since, cancellationToken);

    public virtual Task<bool> ChangedSinceAsync(string batch, DateTimeOffset since, CancellationToken cancellationToken) => inner.ChangedSinceAsync(batch, since, cancellationToken);

    public virtual Task MarkPromotedAsync(IReadOnlyList<string> names, string dataset, int version, CancellationToken cancellationToken) =>
        inner.MarkPromotedAsync(names, dataset, version, cancellationToken);
}
