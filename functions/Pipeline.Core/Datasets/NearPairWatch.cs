namespace Pipeline.Core.Datasets;

/// <summary>Two nearly identical images: the later upload (which carries the finding) and the earlier one it names.</summary>
/// <param name="LaterSha256">The later image's ingested SHA-256.</param>
/// <param name="LaterFile">Its file name within its batch.</param>
/// <param name="EarlierSha256">The earlier image's ingested SHA-256.</param>
/// <param name="EarlierFile">Its file name within its batch.</param>
public sealed record NearPair(string LaterSha256, string LaterFile, string EarlierSha256, string EarlierFile);

/// <summary>
/// The near-duplicate pairs a promotion must judge for split leakage, watched while the version's manifest
/// streams past: a pair counts once both images are in the version. The version's plan keeps every pair whose
/// later image is in it (<see cref="Carried"/>), and the next promotion watches them again with the pairs of
/// the images it adds: so the gate judges every pair of the version under the current split ratios without
/// reading the batches it skips, and a pair whose earlier image comes in a later promotion (batches promoted out
/// of upload order) is judged then. What is kept grows with the dataset's near-duplicate pairs, not its images.
/// </summary>
public sealed class NearPairWatch
{
    private readonly HashSet<NearPair> pairs = [];
    private readonly HashSet<string> watched = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> present = new(StringComparer.Ordinal);

    /// <summary>Watches <paramref name="pair"/> (a pair added twice counts once).</summary>
    public void Add(NearPair pair)
    {
        if (pair.LaterSha256 != pair.EarlierSha256 && pairs.Add(pair))
        {
            watched.Add(pair.LaterSha256);
            watched.Add(pair.EarlierSha256);
        }
    }

    /// <summary>Notes that the image with <paramref name="sha256"/> is in the version, in <paramref name="split"/>.</summary>
    public void Observe(string sha256, string split)
    {
        if (watched.Contains(sha256))
        {
            present[sha256] = split;
        }
    }

    /// <summary>The split of an observed image of a pair (so leakage is judged by the split the version gives it, the dataset's own or the gate's).</summary>
    public string SplitOf(string sha256) => present[sha256];

    /// <summary>The pairs with both images in the version, in a stable order.</summary>
    public IEnumerable<NearPair> InVersion => Ordered(pairs.Where(p => present.ContainsKey(p.LaterSha256) && present.ContainsKey(p.EarlierSha256)));

    /// <summary>The pairs whose later image is in the version and whose earlier one is not (yet).</summary>
    public IEnumerable<NearPair> Pending => Ordered(pairs.Where(p => present.ContainsKey(p.LaterSha256) && !present.ContainsKey(p.EarlierSha256)));

    /// <summary>The pairs the next version must watch: every pair whose later image is in this one.</summary>
    public IReadOnlyList<NearPair> Carried => [.. Ordered(pairs.Where(p => present.ContainsKey(p.LaterSha256)))];

    private static IEnumerable<NearPair> Ordered(IEnumerable<NearPair> pairs) =>
        pairs.OrderBy(p => p.LaterSha256, StringComparer.Ordinal).ThenBy(p => p.EarlierSha256, StringComparer.Ordinal);
}
