using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;

namespace Pipeline.Core.Datasets;

/// <summary>
/// Reads and writes <c>manifest.jsonl</c> one line at a time (a manifest is never held whole in memory), and
/// computes a version's id: the SHA-256 of the manifest's bytes, so equal content gives an equal id.
/// </summary>
public static class DatasetManifest
{
    private static readonly byte[] NewLine = [(byte)'\n'];

    /// <summary>
    /// Writes <paramref name="entries"/> to <paramref name="output"/>, one compact JSON object and a line feed
    /// each, and returns the manifest's hex SHA-256 (the version id). Entries must come ordered by
    /// <see cref="ManifestEntry.OriginalSha256"/>, without repeats; anything else is a broken invariant.
    /// </summary>
    public static async Task<ManifestTotals> WriteAsync(IAsyncEnumerable<ManifestEntry> entries, Stream output, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var totals = new ManifestTotals();
        string? previous = null;
        await foreach (var entry in entries.WithCancellation(cancellationToken))
        {
            if (previous is not null && string.CompareOrdinal(previous, entry.OriginalSha256) >= 0)
            {
                throw new InvalidOperationException($"Manifest entries out of order: {entry.OriginalSha256} after {previous}.");
            }

            previous = entry.OriginalSha256;
            var line = JsonSerializer.SerializeToUtf8Bytes(entry, PipelineJson.Options);
            hash.AppendData(line);
            hash.AppendData(NewLine);
            await output.WriteAsync(line, cancellationToken);
            await output.WriteAsync(NewLine, cancellationToken);
            totals.Add(entry);
        }

        totals.Id = Convert.ToHexStringLower(hash.GetHashAndReset());
        return totals;
    }

    /// <summary>Reads a manifest line by line.</summary>
    public static async IAsyncEnumerable<ManifestEntry> ReadAsync(Stream input, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(input);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length > 0)
            {
                yield return JsonSerializer.Deserialize<ManifestEntry>(line, PipelineJson.Options)
                    ?? throw new InvalidDataException("A manifest line is null.");
            }
        }
    }
}

/// <summary>Counts over a manifest, gathered while it is written.</summary>
public sealed class ManifestTotals
{
    /// <summary>The version id: hex SHA-256 of the manifest's bytes.</summary>
    public string Id { get; set; } = string.Empty;

    /// <summary>Images.</summary>
    public int Images { get; set; }

    /// <summary>Published bytes.</summary>
    public long Bytes { get; set; }

    /// <summary>Boxes.</summary>
    public int Boxes { get; set; }

    /// <summary>Images per split.</summary>
    public SortedDictionary<string, int> Splits { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Images whose split the dataset's own lists or folders gave (the rest: the gate's ratios).</summary>
    public int SplitByDataset { get; set; }

    /// <summary>Boxes per class.</summary>
    public SortedDictionary<string, int> BoxesPerLabel { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Images with at least one box of the class, per class.</summary>
    public SortedDictionary<string, int> ImagesPerLabel { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Counts one entry.</summary>
    public void Add(ManifestEntry entry)
    {
        Images++;
        Bytes += entry.Size;
        Boxes += entry.Labels.Count;
        Splits[entry.Split] = Splits.GetValueOrDefault(entry.Split) + 1;
        SplitByDataset += entry.SplitFrom is null ? 0 : 1;
        foreach (var box in entry.Labels)
        {
            BoxesPerLabel[box.Label] = BoxesPerLabel.GetValueOrDefault(box.Label) + 1;
        }

        foreach (var label in entry.Labels.Select(b => b.Label).Distinct(StringComparer.Ordinal))
        {
            ImagesPerLabel[label] = ImagesPerLabel.GetValueOrDefault(label) + 1;
        }
    }
}
