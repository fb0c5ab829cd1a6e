using System.Globalization;
using Pipeline.Core.Findings;

namespace Pipeline.Core.Health;

/// <summary>
/// The five pillars of one dataset from its batch profiles and the current version's profile, and the
/// findings their thresholds raise. Pure: the same profiles at the same moment give the same snapshot.
/// </summary>
public static class HealthRules
{
    /// <summary>Batches listed in a snapshot's distribution pillar (findings name every drifted batch).</summary>
    public const int MaxBatchesShown = 50;

    /// <summary>Evaluates every pillar.</summary>
    /// <param name="dataset">The dataset.</param>
    /// <param name="batches">Every batch's profile.</param>
    /// <param name="pendingClasses">Boxes per class of the batches awaiting promotion that have a label QA report.</param>
    /// <param name="version">The current production version, if any.</param>
    /// <param name="options">Thresholds.</param>
    /// <param name="now">The moment of the check.</param>
    public static HealthSnapshot Evaluate(
        string dataset,
        IReadOnlyList<BatchProfile> batches,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>> pendingClasses,
        VersionProfile? version,
        HealthOptions options,
        DateTimeOffset now)
    {
        var findings = new List<Finding>();
        var (cadence, expectLabels, windowHours) = options.For(dataset);
        var freshness = Freshness(batches, cadence, expectLabels, now, findings);
        var volume = Volume(batches, windowHours, options, now, findings);
        var pending = batches.Where(b => b.Pending.Images > 0).ToList();
        var distribution = Distribution(pending, pendingClasses, version, options, findings);
        var schema = Schema(pending, pendingClasses, version, findings);
        var lineage = Lineage(pending, version, options, now, findings);
        return new HealthSnapshot(dataset, now, freshness, volume, distribution, schema, lineage, findings);
    }

    private static FreshnessPillar Freshness(IReadOnlyList<BatchProfile> batches, double cadence, bool expectLabels, DateTimeOffset now, List<Finding> findings)
    {
        var newestImage = batches.Max(b => b.NewestImageAt);
        var newestLabels = batches.Max(b => b.NewestLabelsAt);
        double? imageAge = newestImage is { } i ? (now - i).TotalHours : null;
        double? labelAge = newestLabels is { } l ? (now - l).TotalHours : null;
        if (imageAge > cadence)
        {
            findings.Add(Finding.Warning(
                FindingCodes.HealthStale,
                $"The newest accepted image is {Hours(imageAge.Value)} old; new images are expected every {Hours(cadence)}.",
                Math.Round(imageAge.Value, 2), cadence));
        }

        if (expectLabels && labelAge > cadence)
        {
            findings.Add(Finding.Warning(
                FindingCodes.HealthLabelsStale,
                $"The newest accepted annotation file is {Hours(labelAge.Value)} old; new labels are expected every {Hours(cadence)}.",
                Math.Round(labelAge.Value, 2), cadence));
        }

        return new FreshnessPillar(newestImage, Round(imageAge), newestLabels, Round(labelAge), cadence);
    }

    private static VolumePillar Volume(IReadOnlyList<BatchProfile> batches, int windowHours, HealthOptions options, DateTimeOffset now, List<Finding> findings)
    {
        // Window k covers [now − (k+1)·w, now − k·w); window 0 is the last one.
        var window = TimeSpan.FromHours(windowHours);
        var count = options.BaselineWindows + 1;
        var images = new long[count];
        var bytes = new long[count];
        DateTimeOffset? first = null;
        foreach (var (hour, volume) in batches.SelectMany(b => b.Hourly))
        {
            var start = DateTimeOffset.ParseExact(hour, "yyyy-MM-dd'T'HH", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
            first = first is { } f && f <= start ? f : start;
            var k = (int)Math.Floor((now - start - TimeSpan.FromHours(1)).Ticks / (double)window.Ticks);
            k = Math.Max(k, 0); // the hour the check runs in belongs to the last window
            if (k < count)
            {
                images[k] += volume.Images;
                bytes[k] += volume.Bytes;
            }
        }

        // The baseline: earlier windows that ended after the dataset's first image (a new dataset has no history of zeros).
        var windows = first is { } since ? Enumerable.Range(1, count - 1).Where(k => now - (k * window) > since).ToList() : [];
        double? baseImages = windows.Count >= 3 ? Median(windows.Select(k => (double)images[k])) : null;
        double? baseBytes = windows.Count >= 3 ? Median(windows.Select(k => (double)bytes[k])) : null;
        if (baseImages is { } bi && baseBytes is { } bb && bi >= options.MinBaselineImages)
        {
            Judge("images", images[0], bi);
            Judge("bytes", bytes[0], bb);
        }

        void Judge(string what, long value, double baseline)
        {
            if (value < baseline * options.VolumeDropRatio)
            {
                findings.Add(new Finding(
                    FindingCodes.HealthVolumeDrop, Severity.Warning, value, Math.Round(baseline * options.VolumeDropRatio, 2),
                    $"The last {windowHours} h brought {value:N0} {what}, under {options.VolumeDropRatio:P0} of the median {baseline:N0} of the {windows.Count} windows before.",
                    what));
            }
            else if (value > baseline * options.VolumeSpikeRatio)
            {
                findings.Add(new Finding(
                    FindingCodes.HealthVolumeSpike, Severity.Warning, value, Math.Round(baseline * options.VolumeSpikeRatio, 2),
                    $"The last {windowHours} h brought {value:N0} {what}, over {options.VolumeSpikeRatio:0.##}× the median {baseline:N0} of the {windows.Count} windows before.",
                    what));
            }
        }

        return new VolumePillar(windowHours, now - window, images[0], bytes[0], baseImages, baseBytes, windows.Count);
    }

    private static DistributionPillar Distribution(
        List<BatchProfile> pending, IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>> classes, VersionProfile? version, HealthOptions options, List<Finding> findings)
    {
        if (version is null)
        {
            return new DistributionPillar(null, [], 0, 0);
        }

        var reference = version.Profile;
        var drifts = new List<BatchDrift>();
        foreach (var batch in pending.Where(b => b.Pending.Images >= options.DriftMinImages))
        {
            DriftMeasure? classDrift = null;
            if (classes.TryGetValue(batch.Batch, out var boxes) && boxes.Count > 0 && reference.BoxesPerLabel.Count > 0)
            {
                classDrift = Drift.Compare(reference.BoxesPerLabel, boxes);
                if (Drifted(classDrift, options))
                {
                    findings.Add(new Finding(
                        FindingCodes.HealthClassDrift, Severity.Warning, Math.Round(classDrift.Psi, 4), options.DriftPsi,
                        $"Batch '{batch.Batch}' has class counts unlike version {version.Version} (PSI {classDrift.Psi:0.###}, chi-square p = {classDrift.PValue:0.###e+0}).",
                        batch.Batch));
                }
            }

            var quality = new SortedDictionary<string, DriftMeasure>(StringComparer.Ordinal);
            foreach (var (name, bins) in batch.Pending.Quality)
            {
                if (reference.Quality.TryGetValue(name, out var expected))
                {
                    var measure = quality[name] = Drift.Compare(expected, bins);
                    if (Drifted(measure, options))
                    {
                        findings.Add(new Finding(
                            FindingCodes.HealthQualityDrift, Severity.Warning, Math.Round(measure.Psi, 4), options.DriftPsi,
                            $"Batch '{batch.Batch}' has {name} unlike version {version.Version} (PSI {measure.Psi:0.###}, chi-square p = {measure.PValue:0.###e+0}).",
                            batch.Batch));
                    }
                }
            }

            drifts.Add(new BatchDrift(batch.Batch, batch.Pending.Images, classDrift, quality));
        }

        var shown = drifts.OrderByDescending(d => Math.Max(d.Classes?.Psi ?? 0, d.MaxQualityPsi)).ThenBy(d => d.Batch, StringComparer.Ordinal).Take(MaxBatchesShown).ToList();
        return new DistributionPillar(
            version.Version, shown,
            drifts.Select(d => d.Classes?.Psi ?? 0).DefaultIfEmpty(0).Max(),
            drifts.Select(d => d.MaxQualityPsi).DefaultIfEmpty(0).Max());
    }

    private static bool Drifted(DriftMeasure measure, HealthOptions options) => measure.Psi >= options.DriftPsi && measure.PValue < options.DriftPValue;

    private static SchemaPillar Schema(
        List<BatchProfile> pending, IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>> classes, VersionProfile? version, List<Finding> findings)
    {
        if (version is null)
        {
            return new SchemaPillar([], [], [], [], []);
        }

        var reference = version.Profile;
        var changes = new List<SchemaChange>();
        foreach (var batch in pending.OrderBy(b => b.Batch, StringComparer.Ordinal))
        {
            Compare("image_format", "image formats", reference.Formats.Keys, batch.Pending.Formats.Keys);
            Compare("image_mode", "image modes", reference.Modes.Keys, batch.Pending.Modes.Keys);
            if (reference.AnnotationFormats.Count > 0)
            {
                Compare("annotation_format", "annotation formats", reference.AnnotationFormats.Keys, batch.Pending.AnnotationFormats.Keys);
            }

            if (reference.BoxesPerLabel.Count > 0 && classes.TryGetValue(batch.Batch, out var boxes))
            {
                Compare("taxonomy", "classes", reference.BoxesPerLabel.Keys, boxes.Where(b => b.Value > 0).Select(b => b.Key));
            }

            void Compare(string kind, string words, IEnumerable<string> have, IEnumerable<string> brings)
            {
                var added = brings.Except(have, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
                if (added.Count == 0)
                {
                    return;
                }

                changes.Add(new SchemaChange(batch.Batch, kind, added));
                findings.Add(new Finding(
                    FindingCodes.HealthSchemaChange, Severity.Warning, added.Count, 0,
                    $"Batch '{batch.Batch}' brings {words} version {version.Version} does not have: {string.Join(", ", added.Take(10))}.",
                    batch.Batch));
            }
        }

        return new SchemaPillar([.. reference.Formats.Keys], [.. reference.Modes.Keys], [.. reference.AnnotationFormats.Keys], [.. reference.BoxesPerLabel.Keys], changes);
    }

    private static LineagePillar Lineage(List<BatchProfile> pending, VersionProfile? version, HealthOptions options, DateTimeOffset now, List<Finding> findings)
    {
        var oldest = pending.Min(b => b.OldestPendingAt);
        if (oldest is { } o && (now - o).TotalHours > options.PromotionLagHours)
        {
            findings.Add(Finding.Warning(
                FindingCodes.HealthPromotionLag,
                $"{pending.Sum(b => b.Pending.Images):N0} accepted images await promotion; the oldest has waited {Hours((now - o).TotalHours)}.",
                Math.Round((now - o).TotalHours, 2), options.PromotionLagHours));
        }

        return new LineagePillar(version?.Version, version?.Id, version?.CreatedAt, version?.RunId, pending.Sum(b => b.Pending.Images), pending.Count, oldest);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static double? Round(double? hours) => hours is { } h ? Math.Round(h, 2) : null;

    private static string Hours(double hours) => hours >= 48 ? $"{hours / 24:0.#} days" : $"{hours:0.#} h";
}
