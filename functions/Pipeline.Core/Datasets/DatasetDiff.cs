namespace Pipeline.Core.Datasets;

/// <summary>How one class's count changed between two versions.</summary>
/// <param name="Label">The class.</param>
/// <param name="From">Boxes in the first version.</param>
/// <param name="To">Boxes in the second.</param>
public sealed record LabelCountChange(string Label, int From, int To)
{
    /// <summary>To minus From.</summary>
    public int Change => To - From;
}

/// <summary>An image in a diff.</summary>
/// <param name="OriginalSha256">Its ingested hash (the key manifests are ordered by).</param>
/// <param name="Path">Its path in the version that has it (the second, for relabelled images).</param>
/// <param name="FileName">Its file name.</param>
/// <param name="BoxesBefore">Boxes in the first version (0 when added).</param>
/// <param name="BoxesAfter">Boxes in the second version (0 when removed).</param>
public sealed record DiffImage(string OriginalSha256, string Path, string FileName, int BoxesBefore, int BoxesAfter);

/// <summary>What changed from one version to another.</summary>
/// <param name="From">The first version's number.</param>
/// <param name="To">The second's.</param>
/// <param name="AddedCount">Images only in the second.</param>
/// <param name="RemovedCount">Images only in the first.</param>
/// <param name="RelabelledCount">Images in both whose boxes differ.</param>
/// <param name="Added">The added images (at most <see cref="DatasetDiff.MaxListed"/>).</param>
/// <param name="Removed">The removed images (likewise).</param>
/// <param name="Relabelled">The relabelled images (likewise).</param>
/// <param name="Labels">Per class, the box counts before and after (classes whose count changed).</param>
public sealed record DiffResult(
    int From, int To, int AddedCount, int RemovedCount, int RelabelledCount,
    IReadOnlyList<DiffImage> Added, IReadOnlyList<DiffImage> Removed, IReadOnlyList<DiffImage> Relabelled,
    IReadOnlyList<LabelCountChange> Labels);

/// <summary>Compares two manifests in one pass over both (they are ordered by the ingested hash).</summary>
public static class DatasetDiff
{
    /// <summary>Images listed per kind of change; the counts are always complete.</summary>
    public const int MaxListed = 1000;

    /// <summary>Diffs version <paramref name="from"/> (manifest <paramref name="before"/>) against <paramref name="to"/>.</summary>
    public static async Task<DiffResult> CompareAsync(int from, IAsyncEnumerable<ManifestEntry> before, int to, IAsyncEnumerable<ManifestEntry> after, CancellationToken cancellationToken)
    {
        var added = new List<DiffImage>();
        var removed = new List<DiffImage>();
        var relabelled = new List<DiffImage>();
        int addedCount = 0, removedCount = 0, relabelledCount = 0;
        var countsBefore = new Dictionary<string, int>(StringComparer.Ordinal);
        var countsAfter = new Dictionary<string, int>(StringComparer.Ordinal);

        await using var a = before.GetAsyncEnumerator(cancellationToken);
        await using var b = after.GetAsyncEnumerator(cancellationToken);
        var hasA = await a.MoveNextAsync();
        var hasB = await b.MoveNextAsync();
        while (hasA || hasB)
        {
            var order = !hasA ? 1 : !hasB ? -1 : string.CompareOrdinal(a.Current.OriginalSha256, b.Current.OriginalSha256);
            if (order < 0)
            {
                Count(a.Current, countsBefore);
                removedCount++;
                if (removed.Count < MaxListed)
                {
                    removed.Add(new(a.Current.OriginalSha256, a.Current.Path, a.Current.FileName, a.Current.Labels.Count, 0));
                }

                hasA = await a.MoveNextAsync();
            }
            else if (order > 0)
            {
                Count(b.Current, countsAfter);
                addedCount++;
                if (added.Count < MaxListed)
                {
                    added.Add(new(b.Current.OriginalSha256, b.Current.Path, b.Current.FileName, 0, b.Current.Labels.Count));
                }

                hasB = await b.MoveNextAsync();
            }
            else
            {
                Count(a.Current, countsBefore);
                Count(b.Current, countsAfter);
                if (!a.Current.SameLabels(b.Current))
                {
                    relabelledCount++;
                    if (relabelled.Count < MaxListed)
                    {
                        relabelled.Add(new(b.Current.OriginalSha256, b.Current.Path, b.Current.FileName, a.Current.Labels.Count, b.Current.Labels.Count));
                    }
                }

                hasA = await a.MoveNextAsync();
                hasB = await b.MoveNextAsync();
            }
        }

        var labels = countsBefore.Keys.Union(countsAfter.Keys).Order(StringComparer.Ordinal)
            .Select(l => new LabelCountChange(l, countsBefore.GetValueOrDefault(l), countsAfter.GetValueOrDefault(l)))
            .Where(c => c.Change != 0)
            .ToList();
        return new DiffResult(from, to, addedCount, removedCount, relabelledCount, added, removed, relabelled, labels);
    }

    private static void Count(ManifestEntry entry, Dictionary<string, int> counts)
    {
        foreach (var box in entry.Labels)
        {
            counts[box.Label] = counts.GetValueOrDefault(box.Label) + 1;
        }
    }
}
