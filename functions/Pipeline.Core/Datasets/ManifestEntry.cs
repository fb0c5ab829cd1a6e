using System.Text.Json.Serialization;

namespace Pipeline.Core.Datasets;

/// <summary>One box of a published image, in pixels of the image, top-left corner and size.</summary>
/// <param name="Label">The class name.</param>
/// <param name="X">Left edge.</param>
/// <param name="Y">Top edge.</param>
/// <param name="Width">Width.</param>
/// <param name="Height">Height.</param>
public sealed record ManifestBox(string Label, double X, double Y, double Width, double Height);

/// <summary>
/// One line of a version's <c>manifest.jsonl</c>: one published image, where it is, which split it is in and
/// its boxes. Lines are ordered by <see cref="OriginalSha256"/>, so two manifests can be compared in one pass.
/// </summary>
/// <param name="Sha256">SHA-256 of the published bytes (what <see cref="Path"/> holds).</param>
/// <param name="OriginalSha256">SHA-256 of the bytes as ingested (differs when location metadata was stripped).</param>
/// <param name="Path">Where the image is, relative to the dataset's folder in <c>production</c>: <c>images/{sha256}.{ext}</c>.</param>
/// <param name="Size">Published bytes.</param>
/// <param name="Format">Format name (jpeg, png, ...).</param>
/// <param name="Width">Pixels.</param>
/// <param name="Height">Pixels.</param>
/// <param name="Split">train, val or test.</param>
/// <param name="Labels">Its boxes (empty when it has none).</param>
/// <param name="Source">The incoming blob it came from (batch first).</param>
/// <param name="FileName">The file name its annotations know it by.</param>
/// <param name="SplitFrom"><c>dataset</c> when the dataset's own lists or folders gave <paramref name="Split"/> (it is kept as given); absent when the gate's ratios did.</param>
public sealed record ManifestEntry(
    string Sha256,
    string OriginalSha256,
    string Path,
    long Size,
    string Format,
    int Width,
    int Height,
    string Split,
    IReadOnlyList<ManifestBox> Labels,
    string Source,
    string FileName,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? SplitFrom = null)
{
    /// <summary>The <see cref="SplitFrom"/> of a split the dataset gave.</summary>
    public const string SplitFromDataset = "dataset";

    /// <summary>Whether the published bytes differ from the ingested ones.</summary>
    [JsonIgnore]
    public bool Rewritten => Sha256 != OriginalSha256;

    /// <summary>The blob path of an image in a dataset's folder.</summary>
    public static string ImagePath(string sha256, string format) => $"images/{sha256}.{format}";

    /// <summary>Whether two entries carry the same boxes (the same labels at the same places, in any order).</summary>
    public bool SameLabels(ManifestEntry other) =>
        Labels.Count == other.Labels.Count &&
        Labels.Order(BoxOrder.Instance).SequenceEqual(other.Labels.Order(BoxOrder.Instance));

    private sealed class BoxOrder : IComparer<ManifestBox>
    {
        public static readonly BoxOrder Instance = new();

        public int Compare(ManifestBox? a, ManifestBox? b) =>
            (a, b) switch
            {
                (null, null) => 0,
                (null, _) => -1,
                (_, null) => 1,
                _ => string.CompareOrdinal(a.Label, b.Label) is var c and not 0 ? c
                    : a.X.CompareTo(b.X) is var x and not 0 ? x
                    : a.Y.CompareTo(b.Y) is var y and not 0 ? y
                    : a.Width.CompareTo(b.Width) is var w and not 0 ? w
                    : a.Height.CompareTo(b.Height),
            };
    }
}
