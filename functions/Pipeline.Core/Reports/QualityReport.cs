using Pipeline.Core.Findings;
using Pipeline.Core.Gates;
using Pipeline.Core.Labels;

namespace Pipeline.Core.Reports;

/// <summary>A file shown in a report: what became of it and why, with a thumbnail when it may be decoded.</summary>
/// <param name="Name">Its name (batch first).</param>
/// <param name="Status">accepted or rejected.</param>
/// <param name="Findings">Its findings (warnings and errors first).</param>
/// <param name="Thumbnail">A data URI of a small JPEG (accepted images only: rejected files are never decoded again).</param>
public sealed record ReportImage(string Name, string Status, IReadOnlyList<Finding> Findings, string? Thumbnail);

/// <summary>One row of the findings table.</summary>
/// <param name="Code">The finding code.</param>
/// <param name="Severity">Its severity.</param>
/// <param name="Count">Files (images) or findings (labels) with it.</param>
/// <param name="Example">One subject that has it.</param>
public sealed record ReportCode(string Code, Severity Severity, int Count, string? Example);

/// <summary>What a report shows; sections without data are left out.</summary>
public sealed class QualityReportModel
{
    /// <summary>The heading (the batch, or the dataset and version).</summary>
    public required string Title { get; init; }

    /// <summary>"batch" or "version".</summary>
    public required string Kind { get; init; }

    /// <summary>The verdict in a few words ("Gate passed", "3 files rejected").</summary>
    public required string Verdict { get; init; }

    /// <summary>Whether the verdict is good news.</summary>
    public required bool Passed { get; init; }

    /// <summary>Headline numbers (label → value), in order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Numbers { get; init; } = [];

    /// <summary>The gate's outcome, for a version.</summary>
    public GateResult? Gate { get; init; }

    /// <summary>Findings by code.</summary>
    public IReadOnlyList<ReportCode> Codes { get; init; } = [];

    /// <summary>Label QA findings per label (label → code → count).</summary>
    public IReadOnlyDictionary<string, Dictionary<string, int>> FindingsPerLabel { get; init; } = new Dictionary<string, Dictionary<string, int>>();

    /// <summary>Rejected and flagged files.</summary>
    public IReadOnlyList<ReportImage> Flagged { get; init; } = [];

    /// <summary>How many rejected and flagged files there were (the list shows the first ones).</summary>
    public int FlaggedTotal { get; init; }

    /// <summary>Boxes per class.</summary>
    public IReadOnlyDictionary<string, int> Classes { get; init; } = new Dictionary<string, int>();

    /// <summary>Box sizes: boxes per bucket of √area in pixels (bucket label → count), in order.</summary>
    public IReadOnlyList<KeyValuePair<string, int>> BoxSizes { get; init; } = [];

    /// <summary>Annotator scorecards.</summary>
    public IReadOnlyList<AnnotatorScore> Annotators { get; init; } = [];

    /// <summary>Where the data came from (label → value), in order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Lineage { get; init; } = [];

    /// <summary>When the report was made.</summary>
    public required DateTimeOffset GeneratedAt { get; init; }

    /// <summary>The buckets of <see cref="BoxSizes"/>: √area in pixels, by powers of two.</summary>
    public static List<KeyValuePair<string, int>> BucketBoxSizes(IEnumerable<double> sideLengths)
    {
        var counts = new SortedDictionary<int, int>();
        foreach (var side in sideLengths.Where(s => double.IsFinite(s) && s > 0))
        {
            var bucket = Math.Clamp((int)Math.Floor(Math.Log2(side)), 0, 14);
            counts[bucket] = counts.GetValueOrDefault(bucket) + 1;
        }

        return [.. counts.Select(c => new KeyValuePair<string, int>($"{1 << c.Key}–{1 << (c.Key + 1)} px", c.Value))];
    }
}
