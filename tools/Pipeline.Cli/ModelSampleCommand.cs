using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Pipeline.Core.Images;
using Pipeline.Core.Labels;
using Pipeline.Core.Models;

namespace Pipeline.Cli;

/// <summary>
/// <c>pipeline model sample --images DIR --predictions FILE|DIR --budget K [--labelled DIR] [--names FILE] [--out DIR]</c>:
/// the unlabelled images the model finds hardest, never two near duplicates and none of what is labelled, written as a
/// batch to label with the model's boxes as pre-annotations.
/// </summary>
internal static class ModelSampleCommand
{
    /// <summary>Pre-annotations below this confidence are not proposed to the labeller.</summary>
    private const double ProposeFrom = 0.25;

    public static Command Create(TextWriter output, TextWriter error)
    {
        var images = new Option<string>("--images") { Description = "The unlabelled images (production frames), a folder.", Required = true };
        var predictions = new Option<string>("--predictions") { Description = "The model's predictions on them: COCO results JSON by file_name, or a folder of Ultralytics text files with confidences.", Required = true };
        var budget = new Option<int>("--budget") { Description = "How many images to pick.", Required = true };
        var labelled = new Option<string?>("--labelled") { Description = "Images already labelled (e.g. a pulled version): nothing near them is picked." };
        var names = new Option<string?>("--names") { Description = "The model's class list (data.yaml or classes.txt): names for the labels' ids." };
        var outFolder = new Option<string>("--out") { Description = "Where to write the batch to label.", DefaultValueFactory = _ => "to-label" };
        var json = new Option<string?>("--json") { Description = "Write {\"hardExamples\": [{image, score, reason}]} to this file." };
        budget.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1)
            {
                r.AddError("--budget: give a positive number of images.");
            }
        });
        var command = new Command("sample", "Pick the unlabelled images the model finds hardest, diverse and new, and write them as a batch to label with pre-annotations.")
        {
            images, predictions, budget, labelled, names, outFolder, json,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var imagesPath = parsed.GetValue(images)!;
            var predictionsPath = parsed.GetValue(predictions)!;
            if (!Directory.Exists(imagesPath))
            {
                await error.WriteLineAsync($"--images: no such folder: {imagesPath}");
                return PipelineCli.UsageError;
            }

            var (classes, namesOk) = await ModelCommand.ReadNamesAsync(parsed.GetValue(names), error, cancellationToken);
            if (!namesOk)
            {
                return PipelineCli.UsageError;
            }

            using var guard = new ImageGuard(Options.Create(new ImageGuardOptions()), TimeProvider.System);
            var pool = new LabelDocument { Format = LabelFormat.Coco };
            pool.Categories.AddRange((classes ?? []).Select((n, i) => new LabelCategory(i, n)));
            var hashes = new Dictionary<long, ulong>();
            foreach (var (full, relative) in FileSet.Collect(imagesPath).Images)
            {
                if (await HashAsync(guard, full, relative, cancellationToken) is { } seen)
                {
                    var id = pool.Images.Count;
                    pool.Images.Add(new LabelImage(id, relative, seen.Width, seen.Height));
                    hashes[id] = seen.Hash;
                }
                else
                {
                    await error.WriteLineAsync($"Left out: {relative} is not an image the guard accepts.");
                }
            }

            PredictionsRead read;
            if (Directory.Exists(predictionsPath))
            {
                read = PredictionsReader.ReadYoloFolder(predictionsPath, pool, classes, anyLabel: true);
            }
            else if (File.Exists(predictionsPath))
            {
                await using var stream = File.OpenRead(predictionsPath);
                read = await PredictionsReader.ReadCocoResultsAsync(stream, pool, cancellationToken, anyLabel: true);
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

            var known = new List<ulong>();
            if (parsed.GetValue(labelled) is { } labelledPath)
            {
                foreach (var (full, relative) in Directory.Exists(labelledPath) ? FileSet.Collect(labelledPath).Images : [])
                {
                    if (await HashAsync(guard, full, relative, cancellationToken) is { } seen)
                    {
                        known.Add(seen.Hash);
                    }
                }
            }

            string LabelOf(long id) => classes is not null && id < classes.Count ? classes[(int)id] : $"class {id}";
            var byImage = read.Detections.ToLookup(d => d.ImageId);
            var candidates = pool.Images.Select(i => new SampleCandidate(i.FileName, hashes[i.Id], [.. byImage[i.Id]])).ToList();
            var picked = HardExamples.Pick(candidates, known, parsed.GetValue(budget), guard.Options.NearDuplicateDistance, LabelOf);

            var root = Directory.CreateDirectory(parsed.GetValue(outFolder)!).FullName;
            var imageNamed = pool.Images.ToDictionary(i => i.FileName, StringComparer.Ordinal);
            var chosen = picked.Select(p => imageNamed[p.Image])
                .Select(i => (i.FileName, i.Width!.Value, i.Height!.Value, (IReadOnlyList<Detection>)[.. byImage[i.Id]])).ToList();
            await File.WriteAllLinesAsync(Path.Combine(root, "to-label.txt"), picked.Select(p => p.Image), cancellationToken);
            await File.WriteAllBytesAsync(Path.Combine(root, "label-studio.json"), LabelingTasks.LabelStudio(chosen, LabelOf, ProposeFrom, "pipeline model sample"), cancellationToken);
            await File.WriteAllBytesAsync(Path.Combine(root, "cvat.coco.json"), LabelingTasks.Coco(chosen, LabelOf, ProposeFrom), cancellationToken);

            await output.WriteLineAsync($"Picked {picked.Count:N0} of {pool.Images.Count:N0} images ({known.Count:N0} labelled ones kept apart), most uncertain first:");
            foreach (var p in picked)
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {p.Score:0.00}  {p.Image}: {p.Reason}"));
            }

            await output.WriteLineAsync($"Wrote {Path.Combine(root, "to-label.txt")}, label-studio.json (tasks with pre-annotations) and cvat.coco.json (COCO 1.0 for CVAT).");
            if (parsed.GetValue(json) is { } jsonPath)
            {
                var document = new { hardExamples = picked.Select(p => new { image = p.Image, score = p.Score, reason = p.Reason }) };
                await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(document, new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
            }

            return PipelineCli.Accepted;
        });
        return command;
    }

    /// <summary>An image's size and pHash, by the same guard as ingest; null when it rejects the file.</summary>
    private static async Task<(int Width, int Height, ulong Hash)?> HashAsync(ImageGuard guard, string full, string relative, CancellationToken cancellationToken)
    {
        var length = new FileInfo(full).Length;
        var inspection = length > guard.Options.MaxBytes ? null : await guard.InspectAsync(await File.ReadAllBytesAsync(full, cancellationToken), relative, cancellationToken);
        return inspection is { Status: InspectionStatus.Accepted, Width: { } w, Height: { } h, Quality.PerceptualHash: { } hex }
            ? (w, h, ulong.Parse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture))
            : null;
    }
}
