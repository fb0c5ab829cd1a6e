namespace Pipeline.Core.Datasets;

/// <summary>Where the dataset's pointer is, and the version it guards.</summary>
/// <param name="Current">The version the pointer is on, or null before the first publish.</param>
/// <param name="ETag">The pointer row's ETag (null when there is no row yet).</param>
/// <param name="Latest">The highest version number published (the next is Latest + 1), 0 before the first.</param>
public sealed record DatasetPointer(int? Current, string? ETag, int Latest);

/// <summary>What a publish did.</summary>
public enum PublishOutcome
{
    /// <summary>The version row was added and the pointer moved, in one transaction.</summary>
    Published,

    /// <summary>The same version (same number, same id) was published before: nothing changed.</summary>
    AlreadyPublished,

    /// <summary>The pointer moved since it was read (a rollback, or another publish): nothing changed.</summary>
    PointerMoved,
}

/// <summary>A batch recorded for a dataset, and the version that last took all of it.</summary>
/// <param name="Batch">The batch.</param>
/// <param name="PromotedIn">The version whose promotion read the whole batch and found nothing left to take, or null.</param>
/// <param name="PromotedThrough">
/// The catalog's clock when that was checked: a row of the batch written later (by storage's clock) means the
/// batch changed since, and must be read again.
/// </param>
public sealed record RecordedBatch(string Batch, int? PromotedIn = null, DateTimeOffset? PromotedThrough = null);

/// <summary>
/// The dataset registry (the <c>datasets</c> table): which batches hold a dataset's images, its published
/// versions, and the <c>current</c> pointer, which only an ETag-guarded write moves.
/// </summary>
public interface IDatasetRegistry
{
    /// <summary>Records that <paramref name="batch"/> holds images of <paramref name="dataset"/> (idempotent, cheap to repeat).</summary>
    Task RecordBatchAsync(string dataset, string batch, CancellationToken cancellationToken);

    /// <summary>Every dataset that has had a batch recorded.</summary>
    IAsyncEnumerable<string> ListDatasetsAsync(CancellationToken cancellationToken);

    /// <summary>The batches recorded for a dataset, with their promotion marks.</summary>
    IAsyncEnumerable<RecordedBatch> ListBatchesAsync(string dataset, CancellationToken cancellationToken);

    /// <summary>
    /// Marks <paramref name="batch"/> as wholly in <paramref name="version"/>, as of the catalog's clock
    /// <paramref name="through"/> (replacing an earlier mark; the batch stays recorded).
    /// </summary>
    Task MarkBatchPromotedAsync(string dataset, string batch, int version, DateTimeOffset through, CancellationToken cancellationToken);

    /// <summary>
    /// <paramref name="version"/> and the versions it was built on, back to the first (empty when null). A version
    /// whose parent was not recorded ends the chain early: callers treat what they cannot see as not an ancestor.
    /// </summary>
    Task<IReadOnlySet<int>> AncestryAsync(string dataset, int? version, CancellationToken cancellationToken);

    /// <summary>The pointer and the latest version number.</summary>
    Task<DatasetPointer> GetPointerAsync(string dataset, CancellationToken cancellationToken);

    /// <summary>
    /// Adds the version row (with its <paramref name="parent"/>) and moves the pointer to it in one transaction, if
    /// the pointer still has <paramref name="pointerETag"/> (null: if there is no pointer yet).
    /// </summary>
    Task<PublishOutcome> PublishAsync(string dataset, VersionListing version, int? parent, string? pointerETag, CancellationToken cancellationToken);

    /// <summary>Moves the pointer to an already published version if it still has <paramref name="pointerETag"/>; false when it moved meanwhile.</summary>
    Task<bool> MovePointerAsync(string dataset, int version, string pointerETag, CancellationToken cancellationToken);

    /// <summary>The row of published version <paramref name="version"/> (one point read), or null when it was never published.</summary>
    Task<VersionListing?> GetVersionAsync(string dataset, int version, CancellationToken cancellationToken);

    /// <summary>The published versions, oldest first.</summary>
    IAsyncEnumerable<VersionListing> ListVersionsAsync(string dataset, CancellationToken cancellationToken);
}

/// <summary>The blobs a promotion reads and writes.</summary>
public interface IPromotionBlobs
{
    /// <summary>A staged blob's bytes, or null when it is missing.</summary>
    Task<byte[]?> ReadStagedAsync(string stagedPath, CancellationToken cancellationToken);

    /// <summary>Opens a staged blob, or null when it is missing.</summary>
    Task<Stream?> OpenStagedAsync(string stagedPath, CancellationToken cancellationToken);

    /// <summary>The dataset's gate file (<c>staging/gates/{dataset}.json</c>), or null when it has none.</summary>
    Task<byte[]?> ReadGateAsync(string dataset, CancellationToken cancellationToken);

    /// <summary>Writes the dataset's gate file (replacing the previous one).</summary>
    Task WriteGateAsync(string dataset, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>Writes a promotion's working file (<c>reports/promotions/…</c>) whole, replacing an earlier attempt's.</summary>
    Task WriteWorkAsync(string name, Stream content, CancellationToken cancellationToken);

    /// <summary>Opens a working file, or null.</summary>
    Task<Stream?> OpenWorkAsync(string name, CancellationToken cancellationToken);

    /// <summary>Writes <c>production/{name}</c> only if no blob has that name (If-None-Match: *); false when one did.</summary>
    Task<bool> PutProductionIfAbsentAsync(string name, ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken);

    /// <summary>Writes <c>production/{name}</c> whole (a version's files, before the pointer names the version).</summary>
    Task WriteProductionAsync(string name, Stream content, string contentType, CancellationToken cancellationToken);

    /// <summary>Opens <c>production/{name}</c>, or null.</summary>
    Task<Stream?> OpenProductionAsync(string name, CancellationToken cancellationToken);

    /// <summary>Deletes <c>production/{name}</c> (a copy that failed verification).</summary>
    Task DeleteProductionAsync(string name, CancellationToken cancellationToken);
}
