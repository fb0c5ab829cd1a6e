using Pipeline.Core.Findings;

namespace Pipeline.Core.Labels;

/// <summary>
/// The label counts of a whole dataset, gathered over all its annotation files (a COCO train/val pair, a folder of
/// YOLO files, a batch's label QA units): boxes per label and where each label is defined. Only the whole can judge
/// which labels are unused and how counts compare (a class used only in val is not "unused" in train), so each
/// file's checks leave <see cref="DatasetWideCodes"/> out and the tally judges them once.
/// </summary>
public sealed class LabelTally
{
    /// <summary>The codes only the whole dataset can judge: the count statistics and labels defined but unused.</summary>
    public static IReadOnlySet<string> DatasetWideCodes { get; } = new HashSet<string>(LabelChecks.CountStatisticCodes) { FindingCodes.LabelUnused };

    /// <summary>Boxes per defined label name.</summary>
    public Dictionary<string, int> BoxesPerLabel { get; } = new(StringComparer.Ordinal);

    /// <summary>Each label defined by a file that holds boxes, with the first such file by path (whatever order parts come in).</summary>
    public SortedDictionary<string, string> Defined { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Counts one model's boxes. A file without boxes (COCO captions, image info, image-level labels) uses its
    /// taxonomy for something else, so its labels are not expected to be used by boxes.
    /// </summary>
    public void Add(LabelDocument document, string source)
    {
        var names = document.CategoryNames();
        if (document.Boxes.Count == 0)
        {
            return;
        }

        foreach (var name in names.Values)
        {
            Define(name, source);
        }

        foreach (var box in document.Boxes)
        {
            if (names.TryGetValue(box.CategoryId, out var name))
            {
                BoxesPerLabel[name] = BoxesPerLabel.GetValueOrDefault(name) + 1;
            }
        }
    }

    /// <summary>Adds another part's tally (a label QA unit's, read back from its result).</summary>
    public void Merge(IReadOnlyDictionary<string, int> boxesPerLabel, IReadOnlyDictionary<string, string> defined)
    {
        foreach (var (label, source) in defined)
        {
            Define(label, source);
        }

        foreach (var (label, count) in boxesPerLabel)
        {
            BoxesPerLabel[label] = BoxesPerLabel.GetValueOrDefault(label) + count;
        }
    }

    private void Define(string label, string source)
    {
        if (!Defined.TryGetValue(label, out var known) || string.CompareOrdinal(source, known) < 0)
        {
            Defined[label] = source;
        }
    }

    /// <summary>
    /// The dataset-wide findings: each defined label no box uses (its subject the file that defines it), then the
    /// count statistics over the labels' boxes.
    /// </summary>
    public List<LabelFinding> Findings(LabelQaOptions options)
    {
        var findings = new List<LabelFinding>();
        if (BoxesPerLabel.Count > 0)
        {
            findings.AddRange(Defined.Where(d => !BoxesPerLabel.ContainsKey(d.Key)).Select(d => new LabelFinding(
                new Finding(FindingCodes.LabelUnused, Severity.Warning, null, null, $"Label '{d.Key}' is defined but no annotation in the dataset uses it.", d.Value), d.Key)));
        }

        findings.AddRange(LabelChecks.CountStatistics(BoxesPerLabel, options));
        return findings;
    }
}
