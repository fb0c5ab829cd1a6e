using System.CommandLine;
using Microsoft.Extensions.Options;
using Pipeline.Core.Findings;
using Pipeline.Core.Images;
using Pipeline.Core.Labels;

using Pipeline.Core.Gates;
using Pipeline.Core.Ingest;

namespace Pipeline.Cli;

/// <summary><c>pipeline validate &lt;file-or-folder&gt; [--json FILE]</c>: the ingest checks on local files, no storage needed.</summary>
internal static class ValidateCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var path = new Argument<string>("path") { Description = "An image file, or a folder checked recursively." };
        var json = new Option<string?>("--json") { Description = "Write one JSON record per file (JSON Lines) to this file." };
        var gateFile = new Option<string?>("--gate") { Description = "Hold the folder to a gate file (docs/gates.md), as a promotion would: exit 1 when it fails (Data CI)." };
        var command = new Command("validate", "Check local images offline with the same guard ingest uses.") { path, json, gateFile };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var target = parsed.GetValue(path)!;
            if (!File.Exists(target) && !Directory.Exists(target))
            {
                await error.WriteLineAsync($"No such file or folder: {target}");
                return PipelineCli.UsageError;
            }

            var collected = FileSet.Collect(target);
            var (files, labels) = (collected.Images, collected.Labels);
            if (files.Count == 0 && labels.Count == 0)
            {
                await error.WriteLineAsync($"No image or annotation files under {target}.");
                return PipelineCli.UsageError;
            }

            QualityGate? gate = null;
            if (parsed.GetValue(gateFile) is { } gatePath)
            {
                if (await GateFiles.ReadAsync(gatePath, error, cancellationToken) is not { } read)
                {
                    return PipelineCli.UsageError;
                }

                gate = read.Gate;
            }

            using var guard = new ImageGuard(Options.Create(new ImageGuardOptions()), TimeProvider.System);
            var reports = await ValidateAsync(guard, files, cancellationToken);
            var seen = gate is null ? null : new GateObservations();
            var masks = new MaskKey();
            reports.AddRange(ValidateLabels(labels, reports, new LabelQaOptions(), seen, masks));
            reports.AddRange(collected.Others.Select(o => FileReport.Other(o.RelativePath, o.Kind)));
            await ValidateMasks.ApplyAsync(guard, reports, collected.Others, masks, cancellationToken);
            ApplySplits(reports, [.. collected.Images, .. collected.Labels, .. collected.Others.Select(o => (o.FullPath, o.RelativePath))]);
            reports.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
            await new Reporter(output).PrintAsync(reports, DatasetFiles.Layouts([.. reports.Select(r => r.Path)]));
            if (parsed.GetValue(json) is { } jsonPath)
            {
                await Reporter.WriteJsonLinesAsync(jsonPath, reports, cancellationToken);
            }

            if (gate is not null && seen is not null)
            {
                var result = GateEvaluator.Evaluate(Path.GetFileName(Path.GetFullPath(target)), gate, parsed.GetValue(gateFile)!, string.Empty, Observe(reports, gate, seen), DateTimeOffset.UtcNow);
                await PrintGateAsync(output, result);
                return result.Passed ? PipelineCli.Accepted : PipelineCli.Rejected;
            }

            return reports.All(r => r.Passed) ? PipelineCli.Accepted : PipelineCli.Rejected;
        });
        return command;
    }

    internal static async Task<List<FileReport>> ValidateAsync(
        ImageGuard guard, IReadOnlyList<(string FullPath, string RelativePath)> files, CancellationToken cancellationToken)
    {
        var inspected = new ImageInspection[files.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, files.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                var (full, relative) = files[i];
                var length = new FileInfo(full).Length;
                inspected[i] = length > guard.Options.MaxBytes
                    ? guard.RejectTooLarge(length)
                    : await guard.InspectAsync(await File.ReadAllBytesAsync(full, ct), relative, ct);
            });

        // Dataset-relative checks, with the folder as the dataset: duplicates among its files (the first in
        // path order is the original), and each size against the sizes of all of them.
        var accepted = inspected.Where(i => i is { Status: InspectionStatus.Accepted, Width: not null, Height: not null }).ToList();
        var sizes = new SizeSketch();
        accepted.ForEach(i => sizes.Add(SizeSketch.SizeOf(i.Width!.Value, i.Height!.Value)));
        var duplicates = await FolderDuplicates.FindAsync([.. files.Select((f, i) => (f.RelativePath, inspected[i]))], guard.Options.NearDuplicateDistance, cancellationToken);

        return
        [
            .. inspected.Select((inspection, i) =>
            {
                var extra = duplicates.GetValueOrDefault(i) ?? [];
                if (inspection is { Status: InspectionStatus.Accepted, Width: { } w, Height: { } h } &&
                    sizes.Judge(SizeSketch.SizeOf(w, h), guard.Options.OddSizeIqrFactor, guard.Options.OddSizeMinimumCount) is { } odd)
                {
                    extra.Add(odd);
                }

                return ToReport(files[i].RelativePath, inspection with { Findings = [.. inspection.Findings, .. extra] });
            }),
        ];
    }

    /// <summary>
    /// Label QA over a folder's annotation files, against the images validated beside them (paired by relative path
    /// or by file name): one record per annotation file, each finding naming the image and annotation it concerns.
    /// </summary>
    internal static List<FileReport> ValidateLabels(
        IReadOnlyList<(string FullPath, string RelativePath)> labels, IReadOnlyList<FileReport> images, LabelQaOptions options, GateObservations? seen = null, MaskKey? masks = null)
    {
        if (labels.Count == 0)
        {
            return [];
        }

        var real = new Dictionary<string, (int Width, int Height)>(StringComparer.Ordinal);
        foreach (var image in images.Where(i => i is { Status: "accepted", Width: not null, Height: not null }))
        {
            real.TryAdd(image.Path, (image.Width!.Value, image.Height!.Value));
        }

        var files = labels.Select(l => new LabelFile(l.RelativePath, new FileInfo(l.FullPath).Length, () => File.OpenRead(l.FullPath))).ToList();
        var notLabels = new List<(string Path, FileKind Kind)>();
        var reports = new List<FileReport>();
        // The folder is the dataset: label counts (and which labels are used) are judged over all its annotation files
        // together, not per file (a class used only in val is not "unused" in train).
        var tally = new LabelTally();
        foreach (var source in LabelFiles.Read(files, [.. images.Select(i => i.Path)], options, notLabels))
        {
            tally.Add(source.Document, source.Source);
            masks?.Add(source.Document);
            var findings = LabelChecks.Run(source.Document, images.Count > 0 ? real : null, options).Where(f => !LabelTally.DatasetWideCodes.Contains(f.Finding.Code)).ToList();
            if (seen is not null)
            {
                // Class counts for the gate, from the boxes of images that exist and were accepted.
                var pairing = new ImagePairing(real.Keys);
                var categories = source.Document.CategoryNames();
                foreach (var image in source.Document.Images.Where(i => pairing.Resolve(i.FileName) is not null))
                {
                    seen.AddLabelledImage(source.Document.Boxes.Where(b => b.ImageId == image.Id && categories.ContainsKey(b.CategoryId)).Select(b => categories[b.CategoryId]));
                }

                foreach (var finding in findings)
                {
                    seen.AddLabelFinding(finding.Finding);
                }
            }

            var byFile = source.Files.ToDictionary(f => f, _ => new List<Finding>(), StringComparer.Ordinal);
            var boxes = source.Document.Boxes.GroupBy(b => b.ImageId).ToDictionary(g => g.Key, g => g.Count());
            foreach (var finding in findings.Select(f => f.Finding))
            {
                var file = finding.Subject is { } subject && (byFile.ContainsKey(subject) ? subject : source.Document.SourceOfImage.GetValueOrDefault(subject)) is { } owner
                    ? owner
                    : source.Source;
                (byFile.TryGetValue(file, out var list) ? list : byFile[file] = []).Add(finding);
            }

            var annotationsPerFile = source.Document.SourceOfImage.Count == 0
                ? new Dictionary<string, int> { [source.Source] = source.Document.Boxes.Count }
                : source.Document.Images
                .GroupBy(i => source.Document.SourceOfImage.GetValueOrDefault(i.FileName) ?? source.Source)
                .ToDictionary(g => g.Key, g => g.Sum(i => boxes.GetValueOrDefault(i.Id)));
            foreach (var (file, list) in byFile.OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                reports.Add(new FileReport(
                    file, list.Any(f => f.Severity == Severity.Error) ? "rejected" : "accepted", string.Empty, null, null,
                    source.Document.Format.ToString().ToLowerInvariant(), list, Kind: "annotations",
                    Annotations: annotationsPerFile.GetValueOrDefault(file)));
            }
        }

        // Folder-wide findings go to the file that defines the label (counts across labels: the first annotation file).
        var folder = tally.Findings(options);
        foreach (var finding in folder)
        {
            seen?.AddLabelFinding(finding.Finding);
            var owner = finding.Finding.Subject is { } subject && reports.FindIndex(r => r.Path == subject) is var at and >= 0 ? at
                : finding.Label is { } label && tally.Defined.TryGetValue(label, out var file) && reports.FindIndex(r => r.Path == file) is var byLabel and >= 0 ? byLabel
                : reports.FindIndex(r => r.Kind == "annotations");
            if (owner >= 0)
            {
                reports[owner] = reports[owner] with { Findings = [.. reports[owner].Findings, finding.Finding with { Subject = finding.Finding.Subject ?? reports[owner].Path }] };
            }
        }

        reports.AddRange(notLabels.Select(n => FileReport.Other(n.Path, n.Kind)));
        return reports;
    }

    /// <summary>
    /// The dataset's own splits (<see cref="DatasetSplits"/>): each image placed gets its split; each split list's
    /// findings (lines naming no image, images in two splits) go to its record, an error rejecting only that list.
    /// </summary>
    internal static void ApplySplits(List<FileReport> reports, IReadOnlyList<(string FullPath, string RelativePath)> files)
    {
        var cap = new LabelQaOptions().MaxFileBytes;
        var paths = files.Select(f => f.RelativePath).ToList();
        var named = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (full, relative) in files.Where(f => DatasetSplits.IsConfig(f.RelativePath) && new FileInfo(f.FullPath).Length <= cap))
        {
            foreach (var (list, split) in DatasetSplits.NamedByConfig(relative, File.ReadAllText(full), paths))
            {
                named.TryAdd(list, split);
            }
        }

        var lists = new List<SplitList>();
        foreach (var (full, relative) in files.Where(f => DatasetSplits.SplitOf(f.RelativePath) is not null || named.ContainsKey(f.RelativePath)))
        {
            if (reports.Find(r => r.Path == relative) is { Kind: CatalogKinds.Layout } && new FileInfo(full).Length <= cap)
            {
                lists.Add(new SplitList(relative, File.ReadAllText(full), named.GetValueOrDefault(relative)));
            }
        }

        var images = reports.Where(r => r.Kind == "image").Select(r => r.Path).ToList();
        var assignment = DatasetSplits.Assign(images, [.. reports.Select(r => r.Path)], lists);
        for (var i = 0; i < reports.Count; i++)
        {
            var report = reports[i];
            if (assignment.ByImage.TryGetValue(report.Path, out var split))
            {
                reports[i] = report with { Split = split };
            }
            else if (assignment.Findings.Where(f => f.Subject == report.Path).ToList() is { Count: > 0 } found)
            {
                reports[i] = report.WithFindings(found);
            }
        }
    }

    /// <summary>
    /// The folder as the gate sees a promotion: every image is an added image (a rejected one carries its error
    /// findings), accepted images make the version, near duplicates split apart are leakage.
    /// </summary>
    internal static GateObservations Observe(IReadOnlyList<FileReport> reports, QualityGate gate, GateObservations seen)
    {
        var images = reports.Where(r => r.Kind == "image").ToList();
        var shaOf = images.Where(r => r.Sha256.Length == 64).ToDictionary(r => r.Path, r => r.Sha256, StringComparer.Ordinal);
        foreach (var image in images)
        {
            seen.AddImage(image.Path, image.Findings);
            foreach (var near in image.Findings.Where(f => f.Code == FindingCodes.ImageNearDuplicate && f.Subject is not null))
            {
                if (shaOf.TryGetValue(image.Path, out var sha) && shaOf.TryGetValue(near.Subject!, out var other))
                {
                    // The dataset's own split where it gives one, as the promotion would keep it; otherwise the gate's ratios.
                    var otherSplit = images.Find(r => r.Path == near.Subject)?.Split;
                    seen.AddNearDuplicatePair(image.Path, image.Split ?? gate.SplitRatios.Assign(sha), near.Subject!, otherSplit ?? gate.SplitRatios.Assign(other));
                }
            }
        }

        seen.VersionImages = images.Count(r => r.Status == "accepted");
        return seen;
    }

    internal static async Task PrintGateAsync(TextWriter output, GateResult result)
    {
        await output.WriteLineAsync();
        await output.WriteLineAsync($"Gate (version {result.GateVersion}): {(result.Passed ? "passed" : "FAILED")}{(result.Warnings > 0 ? $", {result.Warnings} warning(s)" : string.Empty)}");
        foreach (var e in result.Expectations)
        {
            await output.WriteLineAsync($"  {(e.Success ? "ok  " : e.Expectation.Severity == Severity.Error ? "FAIL" : "warn")} {e.Expectation.Expect}{(e.Expectation.Code is { } c ? " " + c : string.Empty)}: {e.Summary}");
            foreach (var example in e.Examples.Take(5))
            {
                await output.WriteLineAsync($"         {example}");
            }
        }
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
