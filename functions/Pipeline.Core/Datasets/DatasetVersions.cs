namespace Pipeline.Core.Datasets;

/// <summary>What a rollback did.</summary>
/// <param name="Dataset">The dataset.</param>
/// <param name="From">The version the pointer was on.</param>
/// <param name="To">The version it is on now.</param>
public sealed record RollbackResult(string Dataset, int? From, int To);

/// <summary>
/// Reading published versions (list, get, diff) and moving the pointer back (rollback). Versions are never
/// edited: a rollback only moves the pointer, with the same ETag guard as a publish.
/// </summary>
public sealed class DatasetVersions(IDatasetRegistry registry, IPromotionBlobs blobs, PromotionService promotion)
{
    /// <summary>The published versions, oldest first, with the current one marked.</summary>
    public async Task<IReadOnlyList<VersionListing>> ListAsync(string dataset, CancellationToken cancellationToken)
    {
        var pointer = await registry.GetPointerAsync(dataset, cancellationToken);
        var list = new List<VersionListing>();
        await foreach (var version in registry.ListVersionsAsync(dataset, cancellationToken))
        {
            list.Add(version with { Current = version.Version == pointer.Current });
        }

        return list;
    }

    /// <summary>The version the pointer is on, or null before the first publish.</summary>
    public async Task<int?> CurrentAsync(string dataset, CancellationToken cancellationToken) =>
        (await registry.GetPointerAsync(dataset, cancellationToken)).Current;

    /// <summary>A published version's <c>dataset.json</c>, or null when no such version was published.</summary>
    public async Task<DatasetVersion?> GetAsync(string dataset, int version, CancellationToken cancellationToken) =>
        await IsPublishedAsync(dataset, version, cancellationToken) ? await promotion.ReadVersionAsync(dataset, version, cancellationToken) : null;

    /// <summary>Opens a published version's file (<c>manifest.jsonl</c>, <c>annotations.coco.json</c>, ...), or null.</summary>
    public async Task<Stream?> OpenFileAsync(string dataset, int version, string file, CancellationToken cancellationToken) =>
        await IsPublishedAsync(dataset, version, cancellationToken) ? await blobs.OpenProductionAsync(PromotionService.VersionFile(dataset, version, file), cancellationToken) : null;

    /// <summary>Opens a published image by its path in a manifest (<c>images/{sha256}.{ext}</c>), or null.</summary>
    public Task<Stream?> OpenImageAsync(string dataset, string path, CancellationToken cancellationToken) =>
        blobs.OpenProductionAsync(PromotionService.DatasetFolder(dataset) + path, cancellationToken);

    /// <summary>Compares two published versions; null when either was never published.</summary>
    public async Task<DiffResult?> DiffAsync(string dataset, int from, int to, CancellationToken cancellationToken)
    {
        await using var before = await OpenFileAsync(dataset, from, "manifest.jsonl", cancellationToken);
        await using var after = await OpenFileAsync(dataset, to, "manifest.jsonl", cancellationToken);
        if (before is null || after is null)
        {
            return null;
        }

        return await DatasetDiff.CompareAsync(from, DatasetManifest.ReadAsync(before, cancellationToken), to, DatasetManifest.ReadAsync(after, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Moves the pointer to <paramref name="version"/> (an earlier or later published version). Null when that
    /// version was never published; throws <see cref="PointerMovedException"/> when the pointer moved meanwhile
    /// (a promotion publishing): the caller may try again.
    /// </summary>
    public async Task<RollbackResult?> RollbackAsync(string dataset, int version, CancellationToken cancellationToken)
    {
        if (!await IsPublishedAsync(dataset, version, cancellationToken))
        {
            return null;
        }

        var pointer = await registry.GetPointerAsync(dataset, cancellationToken);
        if (pointer.Current == version)
        {
            return new RollbackResult(dataset, version, version);
        }

        if (pointer.ETag is null || !await registry.MovePointerAsync(dataset, version, pointer.ETag, cancellationToken))
        {
            throw new PointerMovedException($"The pointer of '{dataset}' moved while it was being rolled back; try again.");
        }

        return new RollbackResult(dataset, pointer.Current, version);
    }

    /// <summary>Whether <paramref name="version"/> of <paramref name="dataset"/> was published (the registry has its row).</summary>
    public async Task<bool> IsPublishedAsync(string dataset, int version, CancellationToken cancellationToken) =>
        await registry.GetVersionAsync(dataset, version, cancellationToken) is not null;
}

/// <summary>A dataset's pointer moved between reading it and moving it (a promotion published meanwhile): the caller may try again.</summary>
public sealed class PointerMovedException(string message) : InvalidOperationException(message);
