using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Pipeline.Core.Labels;
using Pipeline.Core.Models;

namespace Pipeline.Cli;

/// <summary><c>pipeline model evaluate LABELS --predictions FILE|DIR [--names FILE] [--json OUT]</c>: a model's predictions against labels, by the COCO metrics, and the label issues they point at; and <c>model sample</c> (<see cref="ModelSampleCommand"/>).</summary>
internal static class ModelCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var labels = new Argument<string>("labels") { Description = "A label file or a dataset folder the pipeline reads (COCO, Pascal VOC; boxes in pixels)." };
        var predictions = new Option<string>("--predictions")
        {
            Description = "The model's predictions: COCO results JSON ([{image_id or file_name, category_id, bbox, score}]), or a folder of Ultralytics text files (class cx cy w h confidence).",
            Required = true,
        };
        var names = new Option<string?>("--names") { Description = "For text predictions: the model's class list (data.yaml or classes.txt); class i is the labels' class of that name. Default: the labels' classes in id order." };
        var json = new Option<string?>("--json") { Description = "Write the metrics and the label issues as one JSON document to this file." };
        var evaluate = new Command("evaluate", "Score a model's predictions against labels (AP@[.50:.95], AP50, AP75, AP by size, AR@1/10/100, per class, as COCO's evaluation defines them) and list the likely label errors they point at.")
        {
            labels, predictions, names, json,
        };
        evaluate.SetAction(async (parsed, cancellationToken) =>
        {
            var (truth, problem) = ReadLabels(parsed.GetValue(labels)!);
            if (truth is null)
            {
                await error.WriteLineAsync(problem);
                return PipelineCli.UsageError;
            }

            var predictionsPath = parsed.GetValue(predictions)!;
            PredictionsRead read;
            if (Directory.Exists(predictionsPath))
            {
                var (classes, namesOk) = await ReadNamesAsync(parsed.GetValue(names), error, cancellationToken);
                if (!namesOk)
                {
                    return PipelineCli.UsageError;
                }

                read = PredictionsReader.ReadYoloFolder(predictionsPath, truth, classes);
            }
            else if (File.Exists(predictionsPath))
            {
                await using var stream = File.OpenRead(predictionsPath);
                read = await PredictionsReader.ReadCocoResultsAsync(stream, truth, cancellationToken);
            }
            else
            {
                await error.WriteLineAsync($"--predictions: no such file or folder: {predictionsPath}");
                return PipelineCli.UsageError;
            }

            foreach (var line in read.Problems)
            {
                await error.WriteLineAsync($"Left out: {line}");
            }

            var metrics = CocoEvaluation.Evaluate(truth, read.Detections);
            var (issues, _) = LabelIssues.Find(truth, read.Detections);
            var confusion = ConfusionMatrix.Build(truth, read.Detections);
            await PrintAsync(output, metrics, read.Detections.Count, truth);
            await PrintConfusionAsync(output, confusion);
            await PrintIssuesAsync(output, issues);
            if (parsed.GetValue(json) is { } jsonPath)
            {
                var document = new
                {
                    metrics = new
                    {
                        mAP = metrics.MAP, metrics.AP50, metrics.AP75, metrics.APs, metrics.APm, metrics.APl, metrics.AR1, metrics.AR10, metrics.AR100,
                        perClass = metrics.PerClass.Select(c => new { label = c.Label, c.AP, c.AP50, c.AP75, precisionAt50 = c.PrecisionAt50 }),
                        confusionMatrix = new { labels = confusion.Labels, counts = confusion.Counts },
                    },
                    labelIssues = issues.Select(i => new { image = i.Image, kind = i.Kind, score = i.Score, annotationId = i.AnnotationId, label = i.Label, predictedLabel = i.PredictedLabel, bbox = i.Bbox }),
                };
                // The names as the contract spells them (mAP, AP50, APs, …): no naming policy.
                await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(document, ContractJson), cancellationToken);
            }

            return PipelineCli.Accepted;
        });
        return new Command("model", "A model's predictions: against the labels, and to pick what to label next.") { evaluate, ModelSampleCommand.Create(output, error) };
    }

    /// <summary>The model's class list given by <c>--names</c> (data.yaml or classes.txt); not ok (the error written) when the file is no class list.</summary>
    internal static async Task<(List<string>? Names, bool Ok)> ReadNamesAsync(string? path, TextWriter error, CancellationToken cancellationToken)
    {
        if (path is null)
        {
            return (null, true);
        }

        if (File.Exists(path) && YoloFormat.ReadClassList(path, await File.ReadAllTextAsync(path, cancellationToken)) is { Count: > 0 } names)
        {
            return (names, true);
        }

        await error.WriteLineAsync($"--names: {path} is not a class list (data.yaml with names, or classes.txt).");
        return (null, false);
    }

    private static readonly JsonSerializerOptions ContractJson = new() { WriteIndented = true };

    /// <summary>The labels as one model in pixels, or why they cannot be evaluated against.</summary>
    private static (LabelDocument? Truth, string Problem) ReadLabels(string path)
    {
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            return (null, $"No such file or folder: {path}");
        }

        var collected = FileSet.Collect(path);
        var files = collected.Labels.Select(l => new LabelFile(l.RelativePath, new FileInfo(l.FullPath).Length, () => File.OpenRead(l.FullPath))).ToList();
        var sources = LabelFiles.Read(files, [.. collected.Images.Select(i => i.RelativePath)], new LabelQaOptions())
            .Where(s => !s.Document.NotAnnotations && s.Document.Boxes.Count > 0).ToList();
        return sources switch
        {
            [] => (null, $"No annotation file with boxes under {path}."),
            [_, _, ..] => (null, $"{path} holds {sources.Count} annotation sources ({string.Join(", ", sources.Select(s => s.Source))}); give the one the predictions are for."),
            [{ Document.Normalized: true } only] => (null, $"{only.Source}: the boxes are fractions of the image ({only.Document.Format}); evaluate against labels in pixels (COCO or Pascal VOC), e.g. after 'pipeline pull --format coco'."),
            [var only] => (only.Document, string.Empty),
        };
    }

    private static async Task PrintConfusionAsync(TextWriter output, ConfusionMatrix confusion)
    {
        // Rows: what the label says; columns: what the model says (confidence 0.5, IoU 0.5).
        var width = Math.Max(6, confusion.Labels.Max(l => Math.Min(l.Length, 12)) + 1);
        string Cell(string text) => (text.Length > 12 ? text[..11] + "…" : text).PadLeft(width);
        await output.WriteLineAsync();
        await output.WriteLineAsync("Confusion (rows: labels, columns: predictions at confidence 0.5 and IoU 0.5):");
        await output.WriteLineAsync(Cell(string.Empty) + string.Concat(confusion.Labels.Select(Cell)));
        for (var row = 0; row < confusion.Labels.Count; row++)
        {
            await output.WriteLineAsync(Cell(confusion.Labels[row]) + string.Concat(confusion.Counts[row].Select(c => Cell(c.ToString(CultureInfo.InvariantCulture)))));
        }
    }

    private static async Task PrintIssuesAsync(TextWriter output, IReadOnlyList<LabelIssue> issues)
    {
        await output.WriteLineAsync();
        await output.WriteLineAsync(issues.Count == 0
            ? "No label issue: every label agrees with a confident prediction and every confident prediction with a label."
            : $"{issues.Count:N0} likely label issue(s), most likely first{(issues.Count > 10 ? " (the first 10; all of them with --json)" : string.Empty)}:");
        foreach (var i in issues.Take(10))
        {
            var what = i.Kind switch
            {
                "missing" => $"no label where the model sees a {i.PredictedLabel}",
                "spurious" => $"'{i.Label}' (annotation {i.AnnotationId}) that no prediction supports",
                "wrong_class" => $"'{i.Label}' (annotation {i.AnnotationId}) that the model calls {i.PredictedLabel}",
                _ => $"'{i.Label}' (annotation {i.AnnotationId}) whose box the model draws elsewhere",
            };
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {i.Score:0.00}  {i.Kind,-11}  {i.Image}: {what} at [{string.Join(", ", i.Bbox.Select(v => v.ToString("0.#", CultureInfo.InvariantCulture)))}]"));
        }
    }

    private static async Task PrintAsync(TextWriter output, EvaluationMetrics m, int detections, LabelDocument truth)
    {
        static string F(double value) => value < 0 ? "   –  " : value.ToString("0.000", CultureInfo.InvariantCulture).PadLeft(6);
        await output.WriteLineAsync($"{detections:N0} predictions on {truth.Images.Count:N0} images with {truth.Boxes.Count:N0} labelled boxes (COCO evaluation, bbox).");
        await output.WriteLineAsync($"AP@[.50:.95] {F(m.MAP)}   AP50 {F(m.AP50)}   AP75 {F(m.AP75)}");
        await output.WriteLineAsync($"AP small     {F(m.APs)}   medium {F(m.APm)}   large {F(m.APl)}");
        await output.WriteLineAsync($"AR@1         {F(m.AR1)}   AR@10 {F(m.AR10)}   AR@100 {F(m.AR100)}");
        if (m.PerClass.Count > 0)
        {
            await output.WriteLineAsync();
            await output.WriteLineAsync("  label                      AP    AP50    AP75");
            foreach (var c in m.PerClass.OrderBy(c => c.AP))
            {
                await output.WriteLineAsync($"  {(c.Label.Length > 24 ? c.Label[..23] + "…" : c.Label),-24} {F(c.AP)}  {F(c.AP50)}  {F(c.AP75)}");
            }
        }
    }
}
