namespace Pipeline.Core.Ingest;

/// <summary>What storage says about a blob in <c>incoming</c> before it is read.</summary>
/// <param name="Name">Blob name within the container.</param>
/// <param name="Length">Length in bytes.</param>
/// <param name="ETag">The version read; every later read is conditioned on it.</param>
/// <param name="Dataset">The <c>dataset</c> metadata the uploader set, if any (validated by the service).</param>
/// <param name="LastModified">When the blob was last written, when the listing says.</param>
public sealed record IncomingBlob(string Name, long Length, string ETag, string? Dataset = null, DateTimeOffset? LastModified = null);

/// <summary>One page of a listing of <c>incoming</c>.</summary>
/// <param name="Blobs">The blobs on this page.</param>
/// <param name="Continuation">Where the next page starts, or null after the last.</param>
public sealed record IncomingPage(IReadOnlyList<IncomingBlob> Blobs, string? Continuation);

/// <summary>The blob containers ingest reads and writes. Implemented over Azure Blob Storage in Pipeline.Storage.</summary>
public interface IIngestBlobStore
{
    /// <summary>One page of the blobs in <c>incoming</c> whose names start with <paramref name="prefix"/>.</summary>
    Task<IncomingPage> ListIncomingAsync(string prefix, string? continuation, int pageSize, CancellationToken cancellationToken);

    /// <summary>The blob's length and ETag, or null when it no longer exists.</summary>
    Task<IncomingBlob?> GetIncomingAsync(string name, CancellationToken cancellationToken);

    /// <summary>
    /// Reads the whole blob if it still has <paramref name="etag"/> (null when it was overwritten or deleted
    /// meanwhile). Reads into one buffer of the blob's length and never more than <paramref name="maxBytes"/>.
    /// </summary>
    Task<ReadOnlyMemory<byte>?> DownloadIncomingAsync(string name, string etag, long maxBytes, CancellationToken cancellationToken);

    /// <summary>
    /// Opens the blob for one sequential read if it still has <paramref name="etag"/> (null when it was overwritten or
    /// deleted meanwhile). Annotation files are read this way: never held whole in memory.
    /// </summary>
    async Task<Stream?> OpenIncomingAsync(string name, string etag, long maxBytes, CancellationToken cancellationToken) =>
        await DownloadIncomingAsync(name, etag, maxBytes, cancellationToken) is { } bytes ? new MemoryStream(bytes.ToArray(), writable: false) : null;

    /// <summary>
    /// Copies a blob from <c>incoming</c> to <c>staging</c> inside storage if it still has <paramref name="etag"/> and no
    /// staged blob has that name. Null when the source changed meanwhile; false when the staged blob existed.
    /// </summary>
    async Task<bool?> StageCopyAsync(
        string incomingName, string etag, string stagedName, string contentType, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken) =>
        await DownloadIncomingAsync(incomingName, etag, long.MaxValue, cancellationToken) is { } bytes
            ? await StageAsync(stagedName, bytes, contentType, metadata, cancellationToken)
            : null;

    /// <summary>Writes an accepted image to <c>staging</c> only if no blob has that name (If-None-Match: *). False when it existed.</summary>
    Task<bool> StageAsync(string stagedName, ReadOnlyMemory<byte> bytes, string contentType, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken);

    /// <summary>Writes a rejected file's bytes to <c>quarantine</c> (overwriting a copy of an earlier version).</summary>
    Task QuarantineAsync(string quarantineName, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken);

    /// <summary>Copies a blob from <c>incoming</c> to <c>quarantine</c> inside storage, without downloading it, if it still has <paramref name="etag"/>.</summary>
    Task<bool> QuarantineCopyAsync(string incomingName, string etag, string quarantineName, CancellationToken cancellationToken);

    /// <summary>Writes a JSON document to <c>quarantine</c>.</summary>
    Task WriteQuarantineJsonAsync(string name, ReadOnlyMemory<byte> json, CancellationToken cancellationToken);
}

/// <summary>How far this machine's clock may be from storage's, where a local time meets the catalog's timestamps.</summary>
public static class CatalogClock
{
    /// <summary>Five minutes: a local time is moved back by this much before storage's timestamps are compared with it.</summary>
    public static readonly TimeSpan Margin = TimeSpan.FromMinutes(5);
}

/// <summary>A catalog row as it is now, and when storage last wrote it.</summary>
/// <param name="Name">The incoming blob.</param>
/// <param name="Status">Its verdict.</param>
/// <param name="Sha256">Its content hash.</param>
/// <param name="ChangedAt">Storage's timestamp of the row's last write.</param>
public sealed record CatalogChange(string Name, IngestStatus Status, string Sha256, DateTimeOffset ChangedAt);

/// <summary>A catalog row with the version storage gave it, for guarded replacement.</summary>
public sealed record Versioned<T>(T Value, string ETag);

/// <summary>
/// The catalog tables. Rows are keyed deterministically, and every write is conditional: add fails
/// when the row exists, replace fails when the row changed since it was read.
/// </summary>
public interface IImageCatalog
{
    /// <summary>The row for one incoming blob, or null.</summary>
    Task<Versioned<CatalogEntry>?> GetAsync(string blobName, CancellationToken cancellationToken);

    /// <summary>Adds the row; false when a row for that blob already exists.</summary>
    Task<bool> TryAddAsync(CatalogEntry entry, CancellationToken cancellationToken);

    /// <summary>Replaces the row if it still has <paramref name="etag"/>; false when it changed.</summary>
    Task<bool> TryReplaceAsync(CatalogEntry entry, string etag, CancellationToken cancellationToken);

    /// <summary>The first accepted upload of these bytes, or null.</summary>
    Task<ContentEntry?> GetContentAsync(string sha256, CancellationToken cancellationToken);

    /// <summary>Records accepted bytes; false when they were recorded before.</summary>
    Task<bool> TryAddContentAsync(ContentEntry entry, CancellationToken cancellationToken);

    /// <summary>
    /// Claims decoded pixels (by their hash) for <paramref name="name"/>: null when the claim is this name's
    /// (new, or made before by the same name), otherwise the name that first had these pixels.
    /// </summary>
    Task<string?> ClaimPixelsAsync(string pixelHash, string name, CancellationToken cancellationToken);

    /// <summary>Every row of a batch.</summary>
    IAsyncEnumerable<CatalogEntry> ListBatchAsync(string batch, CancellationToken cancellationToken);

    /// <summary>Records a backfill's recheck on the row of <paramref name="name"/> (merged: the ingest's columns are untouched).</summary>
    Task RecordRecheckAsync(string name, ImageRecheck recheck, CancellationToken cancellationToken);

    /// <summary>The rows of a batch written after <paramref name="since"/> (by storage's clock), with when.</summary>
    IAsyncEnumerable<CatalogChange> ListChangedSinceAsync(string batch, DateTimeOffset since, CancellationToken cancellationToken);

    /// <summary>Whether any row of the batch was written after <paramref name="since"/> (by storage's clock).</summary>
    Task<bool> ChangedSinceAsync(string batch, DateTimeOffset since, CancellationToken cancellationToken);

    /// <summary>
    /// Records on the rows of <paramref name="names"/> (incoming blobs) that their images are in
    /// <paramref name="dataset"/> version <paramref name="version"/> (idempotent; other columns untouched).
    /// </summary>
    Task MarkPromotedAsync(IReadOnlyList<string> names, string dataset, int version, CancellationToken cancellationToken);
}

/// <summary>
/// Running statistics per dataset, kept in storage so each new image is judged against its dataset without
/// rescanning it. Updates are ETag-guarded and spread over shards, so concurrent ingests neither lose counts
/// nor queue behind one row.
/// </summary>
public interface IDatasetStatistics
{
    /// <summary>The dataset's size sketch (all shards merged); empty for a new dataset.</summary>
    Task<Pipeline.Core.Images.SizeSketch> GetSizesAsync(string dataset, CancellationToken cancellationToken);

    /// <summary>Counts one image's size in the shard named by <paramref name="shard"/> (one hex digit).</summary>
    Task AddSizeAsync(string dataset, char shard, double size, CancellationToken cancellationToken);
}
