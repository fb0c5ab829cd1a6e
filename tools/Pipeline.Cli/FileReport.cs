using System.Text.Json;
using Pipeline.Core;
using Pipeline.Core.Findings;

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
    int? Annotations = null);

/// <summary>Prints verdicts for people (colour only on a terminal) and writes them as JSON Lines for scripts.</summary>
internal sealed class Reporter(TextWriter output)
{
    private readonly bool color = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("NO_COLOR") is null;

    public async Task PrintAsync(IReadOnlyList<FileReport> reports, int skipped)
    {
        foreach (var report in reports)
        {
            var accepted = report.Status == "accepted";
            var size = report.Width is { } w && report.Height is { } h ? $" {w}×{h}"
                : report.Annotations is { } n ? $", {n} annotations" : string.Empty;
            await output.WriteLineAsync($"{Paint(accepted ? "accepted" : "REJECTED", accepted ? "32" : "31")}  {report.Path}  ({report.Format}{size})");
            foreach (var finding in report.Findings.Where(f => f.Severity != Severity.Info || !accepted))
            {
                var tone = finding.Severity switch { Severity.Error => "31", Severity.Warning => "33", _ => "36" };
                var measured = finding.Value is { } v ? $" [{v:0.###}{(finding.Threshold is { } t ? $" vs {t:0.###}" : string.Empty)}]" : string.Empty;
                await output.WriteLineAsync($"    {Paint(finding.Severity.ToString().ToLowerInvariant(), tone)} {finding.Code}{measured}: {finding.Message}");
            }
        }

        var rejected = reports.Count(r => r.Status != "accepted");
        var warned = reports.Count(r => r.Status == "accepted" && r.Findings.Any(f => f.Severity == Severity.Warning));
        await output.WriteLineAsync();
        var annotationFiles = reports.Count(r => r.Kind == "annotations");
        await output.WriteLineAsync($"{reports.Count} files{(annotationFiles > 0 ? $" ({annotationFiles} annotation files)" : string.Empty)}: {reports.Count - rejected} accepted ({warned} with warnings), {rejected} rejected." +
            (skipped > 0 ? $" {skipped} other files not checked here." : string.Empty));
        foreach (var group in reports.SelectMany(r => r.Findings).Where(f => f.Severity != Severity.Info).GroupBy(f => f.Code).OrderByDescending(g => g.Count()))
        {
            await output.WriteLineAsync($"  {group.Count(),5}  {group.Key}");
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
