using System.Text.Json;
using Pipeline.Core;
using Pipeline.Core.Findings;
using Pipeline.Core.Ingest;

namespace Pipeline.Cli;

/// <summary>One file's verdict as the CLI prints it and writes it to <c>--json</c> (one JSON object per line).</summary>
public sealed record FileReport(
    string Path,
    string Status,
    string Sha256,
    int? Width,
    int? Height,
    string Format,
    IReadOnlyList<Finding> Findings,
    string Kind = "image",
    int? Annotations = null,
    string? Split = null)
{
    /// <summary>The status of a file that was recognised as nothing and left alone.</summary>
    public const string Skipped = "skipped";

    /// <summary>Whether the file does not fail the command: accepted, or skipped (never an error).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool Passed => Status is "accepted" or Skipped;

    /// <summary>A catalog row's verdict.</summary>
    public static FileReport Of(string name, CatalogEntry entry) => new(
        name, entry.Kind == CatalogKinds.Other ? Skipped : entry.Status.Name(), entry.Sha256, entry.Width, entry.Height, entry.Format, entry.Findings,
        entry.Kind == CatalogKinds.Labels ? "annotations" : entry.Kind, entry.Annotations);

    /// <summary>This record with <paramref name="more"/> findings added; rejected when any of them is an error.</summary>
    public FileReport WithFindings(IReadOnlyCollection<Finding> more) => more.Count == 0 ? this : this with
    {
        Findings = [.. Findings, .. more],
        Status = more.Any(f => f.Severity == Severity.Error) ? "rejected" : Status,
    };

    /// <summary>A layout file (recognised, not judged) or an unrecognised one (skipped), with the info finding that says which.</summary>
    public static FileReport Other(string path, Core.Labels.FileKind kind) => new(
        path, kind.Role == Core.Labels.FileRole.Layout ? "accepted" : Skipped, string.Empty, null, null,
        kind.Role == Core.Labels.FileRole.Layout ? kind.Kind : "unknown", [Core.Labels.DatasetFiles.NoteFor(path, kind)!],
        kind.Role == Core.Labels.FileRole.Layout ? CatalogKinds.Layout : CatalogKinds.Other);
}

/// <summary>Prints verdicts for people (colour only on a terminal) and writes them as JSON Lines for scripts.</summary>
internal sealed class Reporter(TextWriter output)
{
    private readonly bool color = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("NO_COLOR") is null;

    /// <summary>Prints each file's verdict, then the totals, the codes found, and the dataset layouts recognised.</summary>
    public async Task PrintAsync(IReadOnlyList<FileReport> reports, IReadOnlyList<Core.Labels.DatasetLayout> layouts)
    {
        foreach (var report in reports)
        {
            var accepted = report.Status == "accepted";
            var skipped = report.Status == FileReport.Skipped;
            var size = report.Width is { } w && report.Height is { } h ? $" {w}×{h}"
                : report.Annotations is { } n ? $", {n} annotations" : string.Empty;
            var verdict = accepted ? Paint("accepted", "32") : skipped ? Paint("skipped ", "36") : Paint("REJECTED", "31");
            await output.WriteLineAsync($"{verdict}  {report.Path}  ({report.Format}{size})");
            foreach (var finding in report.Findings.Where(f => f.Severity != Severity.Info || !(accepted || skipped)))
            {
                var tone = finding.Severity switch { Severity.Error => "31", Severity.Warning => "33", _ => "36" };
                var measured = finding.Value is { } v ? $" [{v:0.###}{(finding.Threshold is { } t ? $" vs {t:0.###}" : string.Empty)}]" : string.Empty;
                await output.WriteLineAsync($"    {Paint(finding.Severity.ToString().ToLowerInvariant(), tone)} {finding.Code}{measured}: {finding.Message}");
            }
        }

        var rejected = reports.Count(r => !r.Passed);
        var skippedCount = reports.Count(r => r.Status == FileReport.Skipped);
        var layoutFiles = reports.Count(r => r.Kind == CatalogKinds.Layout);
        var warned = reports.Count(r => r.Status == "accepted" && r.Findings.Any(f => f.Severity == Severity.Warning));
        await output.WriteLineAsync();
        var annotationFiles = reports.Count(r => r.Kind == "annotations");
        var others = new List<string>();
        if (layoutFiles > 0)
        {
            others.Add($"{layoutFiles} layout files recognised (split lists, configs, masks, READMEs; not judged)");
        }

        if (skippedCount > 0)
        {
            others.Add($"{skippedCount} not recognised (skipped)");
        }

        await output.WriteLineAsync($"{reports.Count} files{(annotationFiles > 0 ? $" ({annotationFiles} annotation files)" : string.Empty)}: " +
            $"{reports.Count - rejected - skippedCount - layoutFiles} accepted ({warned} with warnings), {rejected} rejected" +
            (others.Count > 0 ? $"; {string.Join(", ", others)}." : "."));
        foreach (var group in reports.SelectMany(r => r.Findings).Where(f => f.Severity != Severity.Info).GroupBy(f => f.Code).OrderByDescending(g => g.Count()))
        {
            await output.WriteLineAsync($"  {group.Count(),5}  {group.Key}");
        }

        var splits = reports.Where(r => r.Split is not null).GroupBy(r => r.Split!).OrderBy(g => g.Key switch { "train" => 0, "val" => 1, _ => 2 }).ToList();
        if (splits.Count > 0)
        {
            await output.WriteLineAsync($"Splits the dataset gives: {string.Join(", ", splits.Select(g => $"{g.Key} {g.Count()}"))} images" +
                $"{(reports.Count(r => r.Kind == "image") is var all && all > splits.Sum(g => g.Count()) ? $" ({all - splits.Sum(g => g.Count())} not placed)" : string.Empty)}");
        }

        bool Inside(FileReport r, Core.Labels.DatasetLayout layout) => layout.Folder.Length == 0 || r.Path.StartsWith(layout.Folder + "/", StringComparison.Ordinal);
        foreach (var layout in layouts)
        {
            var inside = reports.Where(r => r.Kind == "annotations" && Inside(r, layout)).ToList();
            await output.WriteLineAsync(
                $"{layout.Name}{(layout.Folder.Length > 0 ? $" ({layout.Folder})" : string.Empty)}: {inside.Count} annotation files, {inside.Sum(r => r.Annotations ?? 0)} boxes" +
                (layout.Splits.Count > 0 ? $", splits {string.Join(", ", layout.Splits)}" : string.Empty));
        }

        // Annotation files outside every layout, by the format their content showed.
        foreach (var group in reports.Where(r => r.Kind == "annotations" && !layouts.Any(l => Inside(r, l))).GroupBy(r => r.Format).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var name = group.Key switch { "coco" => "COCO", "voc" => "Pascal VOC", "yolo" => "YOLO", "cvat" => "CVAT for images 1.1", "labelstudio" => "Label Studio export", var other => other };
            await output.WriteLineAsync($"{name}: {group.Count()} annotation files, {group.Sum(r => r.Annotations ?? 0)} boxes");
        }
    }

    public static async Task WriteJsonLinesAsync(string path, IEnumerable<FileReport> reports, CancellationToken cancellationToken)
    {
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        // Written beside the target and moved into place, so a reader never sees half a report.
        var temporary = path + ".partial";
        await using (var writer = new StreamWriter(temporary))
        {
            foreach (var report in reports)
            {
                await writer.WriteLineAsync(JsonSerializer.Serialize(report, PipelineJson.Options).AsMemory(), cancellationToken);
            }
        }

        File.Move(temporary, path, overwrite: true);
    }

    private string Paint(string text, string code) => color ? $"\u001b[{code}m{text}\u001b[0m" : text;
}
