using System.Collections.Concurrent;
using System.CommandLine;
using Microsoft.Extensions.Options;
using Pipeline.Core.Images;

namespace Pipeline.Cli;

/// <summary><c>pipeline validate &lt;file-or-folder&gt; [--json FILE]</c>: the ingest checks on local files, no storage needed.</summary>
internal static class ValidateCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var path = new Argument<string>("path") { Description = "An image file, or a folder checked recursively." };
        var json = new Option<string?>("--json") { Description = "Write one JSON record per file (JSON Lines) to this file." };
        var command = new Command("validate", "Check local images offline with the same guard ingest uses.") { path, json };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var target = parsed.GetValue(path)!;
            if (!File.Exists(target) && !Directory.Exists(target))
            {
                await error.WriteLineAsync($"No such file or folder: {target}");
                return PipelineCli.UsageError;
            }

            var (files, skipped) = FileSet.Collect(target);
            if (files.Count == 0)
            {
                await error.WriteLineAsync($"No image files under {target}.");
                return PipelineCli.UsageError;
            }

            using var guard = new ImageGuard(Options.Create(new ImageGuardOptions()), TimeProvider.System);
            var reports = await ValidateAsync(guard, files, cancellationToken);
            await new Reporter(output).PrintAsync(reports, skipped);
            if (parsed.GetValue(json) is { } jsonPath)
            {
                await Reporter.WriteJsonLinesAsync(jsonPath, reports, cancellationToken);
            }

            return reports.All(r => r.Status == "accepted") ? PipelineCli.Accepted : PipelineCli.Rejected;
        });
        return command;
    }

    internal static async Task<List<FileReport>> ValidateAsync(
        ImageGuard guard, IReadOnlyList<(string FullPath, string RelativePath)> files, CancellationToken cancellationToken)
    {
        var results = new ConcurrentDictionary<int, FileReport>();
        await Parallel.ForEachAsync(
            Enumerable.Range(0, files.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                var (full, relative) = files[i];
                var length = new FileInfo(full).Length;
                var inspection = length > guard.Options.MaxBytes
                    ? new ImageInspection(string.Empty, length, ImageFormat.Unknown, null, null, 0, null, null, [guard.TooLarge(length)], 0)
                    : await guard.InspectAsync(await File.ReadAllBytesAsync(full, ct), relative, ct);
                results[i] = ToReport(relative, inspection);
            });
        // Dataset-relative checks, with the folder as the dataset: each size against the sizes of all of them.
        var inspections = Enumerable.Range(0, files.Count).Select(i => results[i]).ToList();
        var sizes = new SizeSketch();
        foreach (var report in inspections.Where(r => r is { Status: "accepted", Width: not null, Height: not null }))
        {
            sizes.Add(SizeSketch.SizeOf(report.Width!.Value, report.Height!.Value));
        }

        return
        [
            .. inspections.Select(report =>
                report is { Status: "accepted", Width: { } w, Height: { } h } &&
                sizes.Judge(SizeSketch.SizeOf(w, h), guard.Options.OddSizeIqrFactor, guard.Options.OddSizeMinimumCount) is { } odd
                    ? report with { Findings = [.. report.Findings, odd] }
                    : report),
        ];
    }

    internal static FileReport ToReport(string path, ImageInspection inspection) => new(
        path,
        inspection.Status == InspectionStatus.Accepted ? "accepted" : "rejected",
        inspection.Sha256,
        inspection.Width,
        inspection.Height,
        inspection.Format.Name(),
        inspection.Findings);
}
