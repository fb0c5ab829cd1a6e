using Pipeline.Core.Findings;
using Pipeline.Core.Images;
using Pipeline.Core.Ingest;

namespace Pipeline.Core.Health;

/// <summary>
/// The shape of a set of images: how many, their formats and image modes, their annotation formats and
/// classes, and histograms of their quality statistics. Built for a batch's images awaiting promotion and for
/// a published version, then compared (distribution and schema pillars). Counts only: its size does not
/// grow with the images.
/// </summary>
public sealed class DataProfile
{
    /// <summary>Bins per quality histogram.</summary>
    public const int Bins = 10;

    /// <summary>The quality histograms, each over a fixed range cut in <see cref="Bins"/> equal bins (values outside are clamped).</summary>
    public static readonly IReadOnlyList<(string Name, Func<ImageQuality, double> Value, double Max)> QualityScores =
    [
        ("brightness", q => q.BrightnessMean, 1),
        ("contrast", q => q.Contrast, 0.5),
        ("blur", q => q.Blur, 1),
        ("sharpness", q => Math.Log10(1 + q.Sharpness), 4), // the Laplacian variance spans decades: binned on a log scale
    ];

    /// <summary>Images.</summary>
    public long Images { get; set; }

    /// <summary>Bytes.</summary>
    public long Bytes { get; set; }

    /// <summary>Images per format (jpeg, png, ...).</summary>
    public SortedDictionary<string, long> Formats { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Images per mode: <c>color</c> or <c>gray</c> (what the guard judged grayscale).</summary>
    public SortedDictionary<string, long> Modes { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Annotation files per format (coco, yolo, voc).</summary>
    public SortedDictionary<string, long> AnnotationFormats { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Boxes per class.</summary>
    public SortedDictionary<string, long> BoxesPerLabel { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Per quality score, the images in each bin.</summary>
    public SortedDictionary<string, long[]> Quality { get; init; } = new(StringComparer.Ordinal);

    /// <summary>The mode of an image from its findings.</summary>
    public static string ModeOf(IEnumerable<Finding> findings) =>
        findings.Any(f => f.Code == FindingCodes.ImageGrayscale) ? "gray" : "color";

    /// <summary>Counts one accepted image.</summary>
    public void AddImage(CatalogEntry row)
    {
        Images++;
        Bytes += row.Length;
        Increment(Formats, row.Format);
        Increment(Modes, ModeOf(row.CurrentFindings));
        if (row.Quality is { } quality)
        {
            foreach (var (name, value, max) in QualityScores)
            {
                var bins = Quality.TryGetValue(name, out var seen) ? seen : Quality[name] = new long[Bins];
                var v = value(quality);
                bins[double.IsFinite(v) ? Math.Clamp((int)(v / max * Bins), 0, Bins - 1) : 0]++;
            }
        }
    }

    /// <summary>Counts one accepted annotation file.</summary>
    public void AddAnnotationFile(string format) => Increment(AnnotationFormats, format);

    /// <summary>Adds <paramref name="boxes"/> boxes of class <paramref name="label"/>.</summary>
    public void AddBoxes(string label, long boxes) => BoxesPerLabel[label] = BoxesPerLabel.GetValueOrDefault(label) + boxes;

    /// <summary>Adds another profile's counts to this one.</summary>
    public void Add(DataProfile other)
    {
        Images += other.Images;
        Bytes += other.Bytes;
        AddAll(Formats, other.Formats);
        AddAll(Modes, other.Modes);
        AddAll(AnnotationFormats, other.AnnotationFormats);
        AddAll(BoxesPerLabel, other.BoxesPerLabel);
        foreach (var (name, bins) in other.Quality)
        {
            var mine = Quality.TryGetValue(name, out var seen) ? seen : Quality[name] = new long[Bins];
            for (var i = 0; i < Bins && i < bins.Length; i++)
            {
                mine[i] += bins[i];
            }
        }
    }

    private static void Increment(SortedDictionary<string, long> counts, string key) => counts[key] = counts.GetValueOrDefault(key) + 1;

    private static void AddAll(SortedDictionary<string, long> counts, IReadOnlyDictionary<string, long> more)
    {
        foreach (var (key, n) in more)
        {
            counts[key] = counts.GetValueOrDefault(key) + n;
        }
    }
}

/// <summary>Accepted images and bytes in one UTC hour.</summary>
public sealed record VolumeCount(long Images, long Bytes);

/// <summary>
/// What one batch holds for the health pillars, cached between checks and rebuilt only when the batch's
/// catalog rows changed: its accepted images by hour, the newest image and annotation file, and the profile of
/// its images not yet in production.
/// </summary>
/// <param name="Batch">The batch.</param>
/// <param name="ComputedAt">When its rows were read (a later change to them makes the profile stale).</param>
/// <param name="NewestImageAt">When its newest accepted image was ingested.</param>
/// <param name="NewestLabelsAt">When its newest accepted annotation file was ingested.</param>
/// <param name="Hourly">Accepted images and bytes per UTC hour (<c>yyyy-MM-ddTHH</c>).</param>
/// <param name="Pending">Accepted images not yet promoted (and the batch's annotation formats).</param>
/// <param name="OldestPendingAt">When the oldest of those was ingested.</param>
public sealed record BatchProfile(
    string Batch,
    DateTimeOffset ComputedAt,
    DateTimeOffset? NewestImageAt,
    DateTimeOffset? NewestLabelsAt,
    SortedDictionary<string, VolumeCount> Hourly,
    DataProfile Pending,
    DateTimeOffset? OldestPendingAt)
{
    /// <summary>The hour key of a moment.</summary>
    public static string HourOf(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Profiles one batch's catalog rows of <paramref name="dataset"/>.</summary>
    public static async Task<BatchProfile> BuildAsync(string batch, string dataset, IAsyncEnumerable<CatalogEntry> rows, DateTimeOffset computedAt, CancellationToken cancellationToken)
    {
        DateTimeOffset? newestImage = null, newestLabels = null, oldestPending = null;
        var hourly = new SortedDictionary<string, VolumeCount>(StringComparer.Ordinal);
        var pending = new DataProfile();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            if (row.Status != IngestStatus.Accepted || row.Dataset != dataset || row.Kind is not (CatalogKinds.Image or CatalogKinds.Labels))
            {
                continue;
            }

            if (row.Kind == CatalogKinds.Labels)
            {
                newestLabels = Max(newestLabels, row.IngestedAt);
                pending.AddAnnotationFile(row.Format);
                continue;
            }

            newestImage = Max(newestImage, row.IngestedAt);
            var hour = HourOf(row.IngestedAt);
            var count = hourly.GetValueOrDefault(hour) ?? new VolumeCount(0, 0);
            hourly[hour] = new VolumeCount(count.Images + 1, count.Bytes + row.Length);
            if (row.Promoted is null && seen.Add(row.Sha256))
            {
                pending.AddImage(row);
                oldestPending = oldestPending is { } o && o <= row.IngestedAt ? o : row.IngestedAt;
            }
        }

        return new BatchProfile(batch, computedAt, newestImage, newestLabels, hourly, pending, oldestPending);
    }

    private static DateTimeOffset? Max(DateTimeOffset? a, DateTimeOffset b) => a is { } x && x >= b ? x : b;
}

/// <summary>The profile of a published version (immutable, so computed once and kept).</summary>
/// <param name="Dataset">The dataset.</param>
/// <param name="Version">The version number.</param>
/// <param name="Id">The version's id.</param>
/// <param name="CreatedAt">When it was published.</param>
/// <param name="RunId">The OpenLineage run that published it.</param>
/// <param name="Profile">Its images, classes and annotation formats.</param>
public sealed record VersionProfile(string Dataset, int Version, string Id, DateTimeOffset CreatedAt, string RunId, DataProfile Profile);
