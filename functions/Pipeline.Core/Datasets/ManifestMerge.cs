using System.Runtime.CompilerServices;

namespace Pipeline.Core.Datasets;

/// <summary>One line of a promotion's plan: the version's entry (published hash, path and size empty for a new image) and whether it is new.</summary>
/// <param name="Entry">The entry.</param>
/// <param name="New">Whether the image is not in the parent (it is copied to production).</param>
public sealed record PlanLine(ManifestEntry Entry, bool New);

/// <summary>An image a promotion read from its batches, ready to meet the parent's manifest.</summary>
/// <param name="Entry">The entry it would have as a new image (published hash, path and size empty).</param>
/// <param name="Labelled">Whether its batch had annotations: then its boxes replace the parent's (an empty list clears them).</param>
public sealed record MergeCandidate(ManifestEntry Entry, bool Labelled)
{
    /// <summary>Its ingested SHA-256, the merge key.</summary>
    public string Sha256 => Entry.OriginalSha256;
}

/// <summary>
/// The next version's manifest, from the parent's manifest and the images read from the batches being promoted:
/// a merge-join of two sequences in SHA-256 order, so the parent (which can hold millions of images) is read
/// once as a stream and never held. Parent images stay (with their split recomputed from the gate's ratios unless
/// the dataset gave it, and their boxes replaced when a batch brought new ones) unless removed; candidates not in the
/// parent are new. A split the dataset gives (<see cref="ManifestEntry.SplitFrom"/>) is kept, never re-drawn.
/// Counts are complete once the sequence has been read to its end.
/// </summary>
public sealed class ManifestMerge(SplitRatios ratios, IEnumerable<string> removals)
{
    private readonly HashSet<string> removals = new(removals, StringComparer.Ordinal);

    /// <summary>Images not in the parent.</summary>
    public int Added { get; private set; }

    /// <summary>Parent images left out.</summary>
    public int Removed { get; private set; }

    /// <summary>Parent images whose boxes change.</summary>
    public int Relabelled { get; private set; }

    /// <summary>Images in the parent.</summary>
    public int ParentImages { get; private set; }

    /// <summary>Removals that named no image of the parent (after the merge: the request was wrong).</summary>
    public IReadOnlyCollection<string> UnmatchedRemovals => removals;

    /// <summary>
    /// Merges <paramref name="parent"/> with <paramref name="candidates"/>, both in ordinal SHA-256 order
    /// without repeats (an <see cref="InvalidDataException"/> says where either is not), into the version's lines.
    /// </summary>
    public async IAsyncEnumerable<PlanLine> MergeAsync(
        IAsyncEnumerable<ManifestEntry> parent, IReadOnlyList<MergeCandidate> candidates, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var p = parent.GetAsyncEnumerator(cancellationToken);
        var hasParent = await NextAsync(p, null);
        var i = 0;
        while (hasParent || i < candidates.Count)
        {
            if (i > 0 && i < candidates.Count && string.CompareOrdinal(candidates[i - 1].Sha256, candidates[i].Sha256) >= 0)
            {
                throw new InvalidDataException($"The candidates are not in SHA-256 order at {candidates[i].Sha256}.");
            }

            var order = !hasParent ? 1 : i >= candidates.Count ? -1 : string.CompareOrdinal(p.Current.OriginalSha256, candidates[i].Sha256);
            if (order > 0)
            {
                var entry = candidates[i++].Entry;
                Added++;
                yield return new PlanLine(entry.SplitFrom is null ? entry with { Split = ratios.Assign(entry.OriginalSha256) } : entry, true);
                continue;
            }

            ParentImages++;
            var candidate = order == 0 ? candidates[i++] : null;
            var kept = candidate?.Entry is { SplitFrom: not null } given ? p.Current with { Split = given.Split, SplitFrom = given.SplitFrom }
                : p.Current.SplitFrom is null ? p.Current with { Split = ratios.Assign(p.Current.OriginalSha256) }
                : p.Current;
            if (removals.Remove(kept.OriginalSha256))
            {
                Removed++;
            }
            else
            {
                if (candidate is { Labelled: true } && !kept.SameLabels(candidate.Entry))
                {
                    kept = kept with { Labels = candidate.Entry.Labels };
                    Relabelled++;
                }

                yield return new PlanLine(kept, false);
            }

            hasParent = await NextAsync(p, kept.OriginalSha256);
        }
    }

    private static async Task<bool> NextAsync(IAsyncEnumerator<ManifestEntry> parent, string? previous)
    {
        if (!await parent.MoveNextAsync())
        {
            return false;
        }

        if (previous is not null && string.CompareOrdinal(previous, parent.Current.OriginalSha256) >= 0)
        {
            throw new InvalidDataException($"The parent manifest is not in SHA-256 order at {parent.Current.OriginalSha256}.");
        }

        return true;
    }
}
