using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Pipeline.Core.Labels;
using Pipeline.Core.Models;
using Pipeline.Testing;

/// <summary>
/// Model evaluation on a generated world (<see cref="ModelFixtures"/>): labels as a COCO file and a model's
/// predictions as a COCO results file. Our path (both read as streams, COCO metrics, label issues, confusion
/// matrix) beside the baseline of parsing both files into JSON DOMs. Each mode runs in its own process, so peak
/// memory is its own. Also the accuracy evaluation of label issues (docs/checks.md).
/// </summary>
internal static class ModelBench
{
    public static int Corpus(string folder, int images)
    {
        var world = ModelFixtures.Generate(new ModelWorldShape { Images = images, ObjectsPerImage = 10, ClutterPerImage = 21, Seed = 3 });
        Directory.CreateDirectory(folder);
        using (var labels = File.Create(Path.Combine(folder, "labels.json")))
        {
            CocoWriter.Write(world.Labels, labels);
        }

        using var stream = File.Create(Path.Combine(folder, "predictions.json"));
        using var json = new Utf8JsonWriter(stream);
        json.WriteStartArray();
        foreach (var d in world.Predictions)
        {
            json.WriteStartObject();
            json.WriteNumber("image_id", d.ImageId);
            json.WriteNumber("category_id", d.CategoryId);
            json.WriteStartArray("bbox");
            json.WriteNumberValue(Math.Round(d.X, 2));
            json.WriteNumberValue(Math.Round(d.Y, 2));
            json.WriteNumberValue(Math.Round(d.Width, 2));
            json.WriteNumberValue(Math.Round(d.Height, 2));
            json.WriteEndArray();
            json.WriteNumber("score", Math.Round(d.Score, 5));
            json.WriteEndObject();
        }

        json.WriteEndArray();
        return 0;
    }

    public static async Task<int> Run(string folder, string mode)
    {
        var labelsPath = Path.Combine(folder, "labels.json");
        var predictionsPath = Path.Combine(folder, "predictions.json");
        var megabytes = (new FileInfo(labelsPath).Length + new FileInfo(predictionsPath).Length) / 1048576.0;
        var timer = Stopwatch.StartNew();
        long labels, predictions;
        double readSeconds, labelSeconds = 0, evaluateSeconds = 0, issueSeconds = 0;
        var issues = 0;
        if (mode == "dom")
        {
            using var l = JsonDocument.Parse(File.OpenRead(labelsPath));
            using var p = JsonDocument.Parse(File.OpenRead(predictionsPath));
            labels = l.RootElement.GetProperty("annotations").GetArrayLength();
            predictions = p.RootElement.GetArrayLength();
            readSeconds = timer.Elapsed.TotalSeconds;
        }
        else
        {
            LabelDocument truth;
            using (var stream = File.OpenRead(labelsPath))
            {
                truth = CocoReader.Read(stream, "labels.json", keepSegmentation: false);
            }

            labelSeconds = timer.Elapsed.TotalSeconds;
            PredictionsRead read;
            await using (var stream = File.OpenRead(predictionsPath))
            {
                read = await PredictionsReader.ReadCocoResultsAsync(stream, truth, CancellationToken.None);
            }

            readSeconds = timer.Elapsed.TotalSeconds;
            var stage = Stopwatch.StartNew();
            _ = CocoEvaluation.Evaluate(truth, read.Detections);
            evaluateSeconds = stage.Elapsed.TotalSeconds;
            stage.Restart();
            issues = LabelIssues.Find(truth, read.Detections).Issues.Count;
            _ = ConfusionMatrix.Build(truth, read.Detections);
            issueSeconds = stage.Elapsed.TotalSeconds;
            labels = truth.Boxes.Count;
            predictions = read.Detections.Count;
        }

        using var process = Process.GetCurrentProcess();
        process.Refresh();
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            mode,
            megabytes,
            labels,
            predictions,
            readSeconds,
            labelSeconds,
            evaluateSeconds,
            issueSeconds,
            totalSeconds = readSeconds + evaluateSeconds + issueSeconds,
            issues,
            peakMegabytes = process.PeakWorkingSet64 / 1048576.0,
        }));
        return 0;
    }

    /// <summary>The accuracy evaluation: a Markdown table of recall and precision per kind, ours beside the naive matcher's.</summary>
    public static int Accuracy(int images, int seeds)
    {
        var rows = new Dictionary<string, List<(KindAccuracy Ours, KindAccuracy Naive)>>();
        for (var seed = 1; seed <= seeds; seed++)
        {
            var world = ModelFixtures.Generate(new ModelWorldShape { Images = images, ErrorRate = 0.04, Seed = seed });
            var ours = LabelIssueAccuracy.Measure(world, LabelIssues.Find(world.Labels, world.Predictions).Issues);
            var naive = LabelIssueAccuracy.Measure(world, LabelIssueAccuracy.NaiveGreedy(world.Labels, world.Predictions));
            foreach (var (o, b) in ours.Zip(naive))
            {
                (rows.TryGetValue(o.Kind, out var list) ? list : rows[o.Kind] = []).Add((o, b));
            }
        }

        static string F(double v) => v.ToString("0.000", CultureInfo.InvariantCulture);
        Console.WriteLine($"{images:N0} images a world, {seeds} worlds (seeds 1–{seeds}); mean over the worlds.\n");
        Console.WriteLine("| kind | injected (N) | recall in top 1.5 N | naive | precision in top N | naive |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (var (kind, list) in rows)
        {
            Console.WriteLine($"| {kind} | {list.Sum(x => x.Ours.Injected):N0} | {F(list.Average(x => x.Ours.Recall))} | {F(list.Average(x => x.Naive.Recall))} | {F(list.Average(x => x.Ours.Precision))} | {F(list.Average(x => x.Naive.Precision))} |");
        }

        return 0;
    }
}
