using Pipeline.Core.Findings;
using Pipeline.Core.Labels;

namespace Pipeline.Core.Gates;

/// <summary>A near-duplicate pair whose images fell in different splits.</summary>
/// <param name="Image">The later image (file name).</param>
/// <param name="ImageSplit">Its split.</param>
/// <param name="Other">The earlier image it nearly duplicates.</param>
/// <param name="OtherSplit">That image's split.</param>
public sealed record SplitLeak(string Image, string ImageSplit, string Other, string OtherSplit);

/// <summary>
/// What a gate is evaluated over, gathered while a promotion is planned: the findings of the images being
/// added, the label QA reports of their batches, the new version's class counts and near-duplicate pairs.
/// Only counts and a few examples per code are kept, so it stays small however many images there are.
/// </summary>
public sealed class GateObservations
{
    /// <summary>Examples kept per code.</summary>
    public const int MaxExamples = 10;

    /// <summary>Images being added.</summary>
    public int AddedImages { get; set; }

    /// <summary>Images in the new version.</summary>
    public int VersionImages { get; set; }

    /// <summary>Images in the parent version (0 for the first).</summary>
    public int ParentImages { get; set; }

    /// <summary>Per finding code: severity, images carrying it, and examples (file names).</summary>
    public SortedDictionary<string, ObservedCode> ImageFindings { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Label QA codes of the added batches: severity, findings, and examples.</summary>
    public SortedDictionary<string, ObservedCode> LabelFindings { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Images per class in the new version.</summary>
    public SortedDictionary<string, int> ImagesPerLabel { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Boxes per class in the new version.</summary>
    public SortedDictionary<string, int> BoxesPerLabel { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Annotator scorecards from the label QA reports.</summary>
    public List<AnnotatorScore> Annotators { get; init; } = [];

    /// <summary>Near-duplicate pairs with both images in the new version.</summary>
    public int NearDuplicatePairs { get; set; }

    /// <summary>Those pairs split across train, val and test (the first few).</summary>
    public List<SplitLeak> Leaks { get; init; } = [];

    /// <summary>How many pairs leak (all of them, beyond the listed few).</summary>
    public int LeakCount { get; set; }

    /// <summary>The dataset's waivers in force when the gate is evaluated: a finding they cover is not counted (<see cref="Reviews.Waivers.Uses"/> says what each took).</summary>
    public Reviews.Waivers Waivers { get; set; } = Reviews.Waivers.None;

    /// <summary>Counts the findings of one added image (of <paramref name="batch"/>, with ingested hash <paramref name="sha256"/>, when known), leaving out waived ones.</summary>
    public void AddImage(string fileName, IEnumerable<Finding> findings, string? sha256 = null, string? batch = null)
    {
        AddedImages++;
        foreach (var finding in findings.DistinctBy(f => f.Code))
        {
            if (Waivers.Take(finding.Code, fileName, sha256, batch) is not null)
            {
                continue;
            }

            var code = ImageFindings.TryGetValue(finding.Code, out var seen) ? seen : ImageFindings[finding.Code] = new ObservedCode(finding.Severity);
            code.Count++;
            if (code.Examples.Count < MaxExamples)
            {
                code.Examples.Add(fileName);
            }
        }
    }

    /// <summary>Counts one label finding (from checks run outside a label QA report: <c>pipeline validate</c>).</summary>
    public void AddLabelFinding(Finding finding)
    {
        var code = LabelFindings.TryGetValue(finding.Code, out var seen) ? seen : LabelFindings[finding.Code] = new ObservedCode(finding.Severity);
        code.Count++;
        if (code.Examples.Count < MaxExamples)
        {
            code.Examples.Add(finding.Subject ?? finding.Message);
        }
    }

    /// <summary>Counts the boxes of one annotated image of the new version.</summary>
    public void AddLabelledImage(IEnumerable<string> boxLabels)
    {
        var labels = boxLabels.ToList();
        foreach (var label in labels)
        {
            BoxesPerLabel[label] = BoxesPerLabel.GetValueOrDefault(label) + 1;
        }

        foreach (var label in labels.Distinct(StringComparer.Ordinal))
        {
            ImagesPerLabel[label] = ImagesPerLabel.GetValueOrDefault(label) + 1;
        }
    }

    /// <summary>Counts the findings of one label QA report (of <paramref name="batch"/>), leaving out codes waived for the batch or the dataset.</summary>
    public void AddLabelReport(LabelQaResult report, string? batch = null)
    {
        foreach (var summary in report.Codes)
        {
            if (Waivers.Take(summary.Code, null, null, batch, summary.Count) is not null)
            {
                continue;
            }

            var code = LabelFindings.TryGetValue(summary.Code, out var seen) ? seen : LabelFindings[summary.Code] = new ObservedCode(summary.Severity);
            code.Count += summary.Count;
            foreach (var example in summary.Examples.Take(MaxExamples - code.Examples.Count))
            {
                code.Examples.Add(example.Finding.Subject ?? example.Finding.Message);
            }
        }

        Annotators.AddRange(report.Annotators);
    }

    /// <summary>Records the version's size and per-label counts, and its parent's size.</summary>
    public void AddVersion(Datasets.ManifestTotals totals, int parentImages)
    {
        VersionImages = totals.Images;
        ParentImages = parentImages;
        foreach (var (label, count) in totals.ImagesPerLabel)
        {
            ImagesPerLabel[label] = count;
        }

        foreach (var (label, count) in totals.BoxesPerLabel)
        {
            BoxesPerLabel[label] = count;
        }
    }

    /// <summary>Counts a near-duplicate pair of the new version, and a leak when its images are in different splits.</summary>
    public void AddNearDuplicatePair(string image, string imageSplit, string other, string otherSplit)
    {
        NearDuplicatePairs++;
        if (imageSplit != otherSplit)
        {
            LeakCount++;
            if (Leaks.Count < MaxExamples)
            {
                Leaks.Add(new SplitLeak(image, imageSplit, other, otherSplit));
            }
        }
    }
}

/// <summary>A finding code as observed: its severity, how often, and examples.</summary>
public sealed class ObservedCode(Severity severity)
{
    /// <summary>The code's severity.</summary>
    public Severity Severity { get; set; } = severity;

    /// <summary>Images (for image findings) or findings (for label QA codes).</summary>
    public int Count { get; set; }

    /// <summary>The first few subjects.</summary>
    public List<string> Examples { get; init; } = [];
}

/// <summary>One expectation's outcome.</summary>
/// <param name="Expectation">The expectation as written.</param>
/// <param name="Success">Whether it held.</param>
/// <param name="Observed">The value held against the bound: a fraction of elements meeting it, a count or a ratio.</param>
/// <param name="Elements">The elements counted (images, classes, annotators, pairs), where it counts elements.</param>
/// <param name="Unexpected">Of those, the ones that did not meet it.</param>
/// <param name="Examples">What is behind a failure (file names, classes, annotators, pairs).</param>
/// <param name="Summary">One sentence for a person.</param>
public sealed record ExpectationResult(
    Expectation Expectation, bool Success, double Observed, int? Elements, int? Unexpected, IReadOnlyList<string> Examples, string Summary);

/// <summary>The outcome of a gate: stored with the promotion run and copied into the version it allowed.</summary>
/// <param name="Dataset">The dataset.</param>
/// <param name="GateVersion">The gate file's own version number.</param>
/// <param name="GateSha256">SHA-256 of the gate file's bytes (empty for the built-in default).</param>
/// <param name="GateFile">Where the gate file was read from, or "default".</param>
/// <param name="Passed">Whether every error-severity expectation held.</param>
/// <param name="Warnings">Warning-severity expectations that failed.</param>
/// <param name="ApprovalRequired">Whether a person must approve before anything is published.</param>
/// <param name="ApprovalReasons">Why.</param>
/// <param name="Expectations">Each expectation's outcome, in the gate's order.</param>
/// <param name="EvaluatedAt">When.</param>
/// <param name="Waived">The dataset's waivers in force, each with the findings it took out of the count (none: no waiver was in force).</param>
public sealed record GateResult(
    string Dataset, int GateVersion, string GateSha256, string GateFile, bool Passed, int Warnings,
    bool ApprovalRequired, IReadOnlyList<string> ApprovalReasons, IReadOnlyList<ExpectationResult> Expectations, DateTimeOffset EvaluatedAt,
    IReadOnlyList<Reviews.WaiverUse>? Waived = null);

/// <summary>Evaluates a <see cref="QualityGate"/> over <see cref="GateObservations"/>. Pure: same input, same result.</summary>
public static class GateEvaluator
{
    /// <summary>Evaluates every expectation, then decides whether a person must approve.</summary>
    public static GateResult Evaluate(string dataset, QualityGate gate, string gateFile, string gateSha256, GateObservations seen, DateTimeOffset now)
    {
        var results = gate.Expectations.Select(e => Evaluate(e, seen)).ToList();
        var passed = results.All(r => r.Success || r.Expectation.Severity != Severity.Error);
        var warnings = results.Count(r => !r.Success && r.Expectation.Severity != Severity.Error);
        var policy = gate.ApprovalPolicy;
        var reasons = new List<string>();
        if (passed)
        {
            if (policy.Required == ApprovalModes.Always)
            {
                reasons.Add("the gate asks for approval of every promotion");
            }
            else if (policy.Required == ApprovalModes.OnWarning)
            {
                if (warnings > 0)
                {
                    reasons.Add($"{warnings} warning expectation(s) failed");
                }

                if (policy.WhenImagesChangeBy is { } limit && seen.ParentImages > 0)
                {
                    var change = Math.Abs(seen.VersionImages - seen.ParentImages) / (double)seen.ParentImages;
                    if (change > limit)
                    {
                        reasons.Add($"the image count changes by {change:P1} ({seen.ParentImages:N0} → {seen.VersionImages:N0}), more than {limit:P1}");
                    }
                }
            }
        }

        return new GateResult(dataset, gate.Version, gateSha256, gateFile, passed, warnings, reasons.Count > 0, reasons, results, now, seen.Waivers.Any ? seen.Waivers.Uses() : null);
    }

    private static ExpectationResult Evaluate(Expectation e, GateObservations seen) => e.Expect switch
    {
        ExpectationKinds.NoFindings => NoFindings(e, seen),
        ExpectationKinds.MinImages => new ExpectationResult(
            e, seen.VersionImages >= e.Min, seen.VersionImages, null, null, [],
            $"{seen.VersionImages:N0} images in the version; at least {e.Min:N0} expected."),
        ExpectationKinds.MinImagesPerClass => MinImagesPerClass(e, seen),
        ExpectationKinds.MaxImbalanceRatio => Imbalance(e, seen),
        ExpectationKinds.MinAnnotatorF1 => AnnotatorF1(e, seen),
        ExpectationKinds.NoSplitLeakage => Fraction(
            e, seen.NearDuplicatePairs, seen.LeakCount,
            [.. seen.Leaks.Select(l => $"{l.Image} ({l.ImageSplit}) ~ {l.Other} ({l.OtherSplit})")],
            "near-duplicate pairs within one split"),
        _ => throw new InvalidOperationException($"Unknown expectation '{e.Expect}' passed validation."),
    };

    private static ExpectationResult NoFindings(Expectation e, GateObservations seen)
    {
        bool Matches(string code, ObservedCode observed) =>
            (e.Code is null || e.Code == "*" || CodePatterns.Matches(e.Code, code))
            && (e.FindingSeverity is null || observed.Severity == e.FindingSeverity);

        var images = seen.ImageFindings.Where(c => Matches(c.Key, c.Value)).ToList();
        var labels = seen.LabelFindings.Where(c => Matches(c.Key, c.Value)).ToList();
        // An image may carry several matching codes; counting each code's images separately overstates, so the
        // count is capped at the number of images (label QA findings are counted one by one, on the same scale).
        var unexpected = Math.Min(seen.AddedImages, images.Sum(c => c.Value.Count) + labels.Sum(c => c.Value.Count));
        var examples = images.Concat(labels).SelectMany(c => c.Value.Examples.Select(x => $"{c.Key}: {x}")).Take(GateObservations.MaxExamples).ToList();
        var what = (e.Code ?? "any code") + (e.FindingSeverity is { } s ? $" at {s.ToString().ToLowerInvariant()}" : string.Empty);
        return Fraction(e, seen.AddedImages, unexpected, examples, $"added images without findings of {what}");
    }

    private static ExpectationResult MinImagesPerClass(Expectation e, GateObservations seen)
    {
        var low = seen.ImagesPerLabel.Where(c => c.Value < e.Min).OrderBy(c => c.Value).ToList();
        return Fraction(e, seen.ImagesPerLabel.Count, low.Count, [.. low.Take(GateObservations.MaxExamples).Select(c => $"{c.Key}: {c.Value} images")], $"classes with at least {e.Min:N0} images");
    }

    private static ExpectationResult Imbalance(Expectation e, GateObservations seen)
    {
        if (seen.BoxesPerLabel.Count == 0)
        {
            return new ExpectationResult(e, true, 1, null, null, [], "No boxes: nothing to be imbalanced.");
        }

        var most = seen.BoxesPerLabel.MaxBy(c => c.Value);
        var least = seen.BoxesPerLabel.MinBy(c => c.Value);
        var ratio = least.Value == 0 ? double.PositiveInfinity : most.Value / (double)least.Value;
        var success = ratio <= e.Max;
        return new ExpectationResult(
            e, success, ratio, null, null, success ? [] : [$"{most.Key}: {most.Value} boxes", $"{least.Key}: {least.Value} boxes"],
            $"Most common ÷ rarest class is {ratio:0.##} ({most.Key} {most.Value:N0} ÷ {least.Key} {least.Value:N0}); at most {e.Max:0.##} expected.");
    }

    private static ExpectationResult AnnotatorF1(Expectation e, GateObservations seen)
    {
        var scores = seen.Annotators.GroupBy(a => a.Annotator)
            .Select(g => new AnnotatorScore(g.Key, g.Sum(a => a.Images), g.Sum(a => a.Boxes), g.Sum(a => a.TruePositives), g.Sum(a => a.FalsePositives), g.Sum(a => a.FalseNegatives)))
            .ToList();
        var low = scores.Where(a => a.F1 < e.Min).OrderBy(a => a.F1).ToList();
        return Fraction(e, scores.Count, low.Count, [.. low.Take(GateObservations.MaxExamples).Select(a => $"{a.Annotator}: F1 {a.F1:0.###}")], $"annotators with F1 of at least {e.Min:0.###}");
    }

    /// <summary>The shape of every expectation that counts elements: the fraction that meets it, held against <c>mostly</c>.</summary>
    private static ExpectationResult Fraction(Expectation e, int elements, int unexpected, IReadOnlyList<string> examples, string what)
    {
        var mostly = e.Mostly ?? 1.0;
        var fraction = elements == 0 ? 1.0 : (elements - unexpected) / (double)elements;
        // A tolerance of a millionth keeps 0.98 of 50 (49 ÷ 50) from failing on binary rounding.
        var success = fraction >= mostly - 1e-9;
        return new ExpectationResult(
            e, success, fraction, elements, unexpected, success ? [] : examples,
            $"{elements - unexpected:N0} of {elements:N0} {what} ({fraction:P1}); at least {mostly:P1} expected.");
    }
}
