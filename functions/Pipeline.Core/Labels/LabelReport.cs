using Pipeline.Core.Findings;

namespace Pipeline.Core.Labels;

/// <summary>One finding code in a report: how often, how bad, and the worst few cases.</summary>
/// <param name="Code">The code.</param>
/// <param name="Severity">The worst severity it was raised with.</param>
/// <param name="Count">How many findings.</param>
/// <param name="Examples">The worst examples (largest value first, then in the order found).</param>
public sealed record CodeSummary(string Code, Severity Severity, int Count, IReadOnlyList<LabelFinding> Examples);

/// <summary>One label in a report: its boxes, the images it appears on, and its findings by code.</summary>
public sealed record LabelSummary(string Label, int Boxes, int Images, IReadOnlyDictionary<string, int> Findings);

/// <summary>
/// A label QA report that aggregates instead of flooding: counts per code and per label with the worst
/// examples, never a list of every finding.
/// </summary>
/// <param name="Format">The annotation format.</param>
/// <param name="Images">Images the annotations name.</param>
/// <param name="Boxes">Boxes read.</param>
/// <param name="Errors">Findings of severity error.</param>
/// <param name="Warnings">Findings of severity warning.</param>
/// <param name="Infos">Findings of severity info.</param>
/// <param name="Codes">Per code, most severe and most frequent first.</param>
/// <param name="Labels">Per label, most findings first.</param>
public sealed record LabelReport(
    LabelFormat Format, int Images, int Boxes, int Errors, int Warnings, int Infos,
    IReadOnlyList<CodeSummary> Codes, IReadOnlyList<LabelSummary> Labels)
{
    /// <summary>Examples kept per code.</summary>
    public const int ExamplesPerCode = 5;

    /// <summary>Aggregates the findings of <see cref="LabelChecks.Run"/> over <paramref name="document"/>.</summary>
    public static LabelReport Build(LabelDocument document, IReadOnlyList<LabelFinding> findings)
    {
        var codes = findings.GroupBy(f => f.Finding.Code)
            .Select(g => new CodeSummary(
                g.Key,
                g.Max(f => f.Finding.Severity),
                g.Count(),
                [.. g.OrderByDescending(f => f.Finding.Value is { } v ? Math.Abs(v) : double.NegativeInfinity).Take(ExamplesPerCode)]))
            .OrderByDescending(c => c.Severity).ThenByDescending(c => c.Count).ThenBy(c => c.Code, StringComparer.Ordinal)
            .ToList();

        var names = document.CategoryNames();
        var byLabel = findings.Where(f => f.Label is not null).GroupBy(f => f.Label!).ToDictionary(g => g.Key, g => g.GroupBy(f => f.Finding.Code).ToDictionary(c => c.Key, c => c.Count()));
        // Boxes and distinct images per label in one pass (per category id, then by name), no grouping of the boxes.
        var perCategory = new Dictionary<long, (int Boxes, HashSet<long> Images)>();
        foreach (var box in document.Boxes)
        {
            if (!perCategory.TryGetValue(box.CategoryId, out var tally))
            {
                tally = perCategory[box.CategoryId] = (0, []);
            }

            tally.Images.Add(box.ImageId);
            perCategory[box.CategoryId] = (tally.Boxes + 1, tally.Images);
        }

        var used = perCategory.GroupBy(p => names.TryGetValue(p.Key, out var n) ? n : $"#{p.Key}")
            .Select(g => (Name: g.Key, Boxes: g.Sum(p => p.Value.Boxes), Images: g.Count() == 1 ? g.First().Value.Images.Count : g.SelectMany(p => p.Value.Images).Distinct().Count()))
            .ToList();
        var usedNames = used.Select(u => u.Name).ToHashSet(StringComparer.Ordinal);
        var labels = used
            .Concat(names.Values.Distinct().Where(n => !usedNames.Contains(n)).Select(n => (Name: n, Boxes: 0, Images: 0)))
            .Select(l => new LabelSummary(l.Name, l.Boxes, l.Images, byLabel.GetValueOrDefault(l.Name) ?? new Dictionary<string, int>()))
            .OrderByDescending(l => l.Findings.Values.Sum()).ThenBy(l => l.Label, StringComparer.Ordinal)
            .ToList();

        return new LabelReport(
            document.Format, document.Images.Count, document.Boxes.Count,
            findings.Count(f => f.Finding.Severity == Severity.Error),
            findings.Count(f => f.Finding.Severity == Severity.Warning),
            findings.Count(f => f.Finding.Severity == Severity.Info),
            codes, labels);
    }
}
