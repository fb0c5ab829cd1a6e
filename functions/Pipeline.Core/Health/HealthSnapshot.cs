using Pipeline.Core.Findings;

namespace Pipeline.Core.Health;

/// <summary>Freshness: how old the newest data is, against the dataset's expected cadence.</summary>
/// <param name="NewestImageAt">The newest accepted image.</param>
/// <param name="ImageAgeHours">Its age.</param>
/// <param name="NewestLabelsAt">The newest accepted annotation file.</param>
/// <param name="LabelAgeHours">Its age.</param>
/// <param name="CadenceHours">The expected cadence.</param>
public sealed record FreshnessPillar(DateTimeOffset? NewestImageAt, double? ImageAgeHours, DateTimeOffset? NewestLabelsAt, double? LabelAgeHours, double CadenceHours);

/// <summary>Volume: accepted images and bytes in the last window, against the median of the windows before.</summary>
/// <param name="WindowHours">The window.</param>
/// <param name="WindowStart">Where the last window starts (it ends at the check).</param>
/// <param name="Images">Images in it.</param>
/// <param name="Bytes">Bytes in it.</param>
/// <param name="BaselineImages">Median images of the earlier windows, when there were enough.</param>
/// <param name="BaselineBytes">Median bytes of the earlier windows.</param>
/// <param name="BaselineWindows">How many earlier windows the dataset existed in (the baseline uses those).</param>
public sealed record VolumePillar(int WindowHours, DateTimeOffset WindowStart, long Images, long Bytes, double? BaselineImages, double? BaselineBytes, int BaselineWindows);

/// <summary>One batch's images awaiting promotion compared with the current production version.</summary>
/// <param name="Batch">The batch.</param>
/// <param name="Images">Its images awaiting promotion.</param>
/// <param name="Classes">Boxes per class (from its label QA report), when it has one.</param>
/// <param name="Quality">Per quality histogram.</param>
public sealed record BatchDrift(string Batch, long Images, DriftMeasure? Classes, IReadOnlyDictionary<string, DriftMeasure> Quality)
{
    /// <summary>The largest PSI of its quality histograms.</summary>
    public double MaxQualityPsi => Quality.Values.Select(q => q.Psi).DefaultIfEmpty(0).Max();
}

/// <summary>Distribution: new batches against the current production version.</summary>
/// <param name="AgainstVersion">The version compared with (none before the first publish).</param>
/// <param name="Batches">The batches compared (the most drifted first, at most <see cref="HealthRules.MaxBatchesShown"/>).</param>
/// <param name="MaxClassPsi">The largest class PSI of any batch.</param>
/// <param name="MaxQualityPsi">The largest quality PSI of any batch.</param>
public sealed record DistributionPillar(int? AgainstVersion, IReadOnlyList<BatchDrift> Batches, double MaxClassPsi, double MaxQualityPsi);

/// <summary>Something a batch brings that the current version does not have.</summary>
/// <param name="Batch">The batch.</param>
/// <param name="Kind">image_format, image_mode, annotation_format or taxonomy.</param>
/// <param name="Added">What is new.</param>
public sealed record SchemaChange(string Batch, string Kind, IReadOnlyList<string> Added);

/// <summary>Schema: the current version's formats, modes and classes, and what new batches change.</summary>
/// <param name="ImageFormats">Image formats in production.</param>
/// <param name="ImageModes">Image modes in production.</param>
/// <param name="AnnotationFormats">Annotation formats of production's batches.</param>
/// <param name="Labels">Classes in production.</param>
/// <param name="Changes">What batches awaiting promotion change.</param>
public sealed record SchemaPillar(IReadOnlyList<string> ImageFormats, IReadOnlyList<string> ImageModes, IReadOnlyList<string> AnnotationFormats, IReadOnlyList<string> Labels, IReadOnlyList<SchemaChange> Changes);

/// <summary>Lineage: the published version and what waits to join it (its runs are the OpenLineage events).</summary>
/// <param name="CurrentVersion">The version the pointer is on.</param>
/// <param name="VersionId">Its id.</param>
/// <param name="PublishedAt">When it was published.</param>
/// <param name="RunId">The OpenLineage run that published it.</param>
/// <param name="PendingImages">Accepted images not yet promoted.</param>
/// <param name="PendingBatches">Batches holding them.</param>
/// <param name="OldestPendingAt">When the oldest of them was ingested.</param>
public sealed record LineagePillar(int? CurrentVersion, string? VersionId, DateTimeOffset? PublishedAt, string? RunId, long PendingImages, int PendingBatches, DateTimeOffset? OldestPendingAt);

/// <summary>One health check of one dataset: the five pillars and the findings their thresholds raised.</summary>
/// <param name="Dataset">The dataset.</param>
/// <param name="At">When it was checked.</param>
/// <param name="Freshness">Freshness.</param>
/// <param name="Volume">Volume.</param>
/// <param name="Distribution">Distribution.</param>
/// <param name="Schema">Schema.</param>
/// <param name="Lineage">Lineage.</param>
/// <param name="Findings">Findings (codes <c>health.*</c>, see docs/checks.md).</param>
public sealed record HealthSnapshot(
    string Dataset,
    DateTimeOffset At,
    FreshnessPillar Freshness,
    VolumePillar Volume,
    DistributionPillar Distribution,
    SchemaPillar Schema,
    LineagePillar Lineage,
    IReadOnlyList<Finding> Findings)
{
    /// <summary>"healthy" with no warning or error findings, else "unhealthy".</summary>
    public string Status => Findings.Any(f => f.Severity >= Severity.Warning) ? "unhealthy" : "healthy";
}
