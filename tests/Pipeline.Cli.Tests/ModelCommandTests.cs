using System.Text.Json;
using Pipeline.Testing;

namespace Pipeline.Cli.Tests;

/// <summary><c>pipeline model evaluate</c> on a dataset folder as its tool writes it, with a model's COCO results.</summary>
public sealed class ModelCommandTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("model-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public async Task A_voc_devkit_and_coco_results_by_file_name_give_the_coco_metrics_on_screen_and_as_json()
    {
        // The devkit's four boxes (80×60 each, medium): cat on 2008_000001; dog and cat on 2008_000002; dog on 2008_000003.
        // The model finds the first three exactly and puts the last one 40 px to the right (IoU (40·60)/(120·60) = 1/3, a
        // miss at every threshold); its score is the highest, so it is ranked first among dogs. Cat: two of two found, AP 1.
        // Dog: ranked detections FP (0.95) then TP (0.9): precision 0 then 1/2, monotone 1/2 at every recall point up to
        // 1/2 and 0 beyond: AP = 51 · 0.5 / 101. mAP is their mean.
        NativeLayouts.VocDevkit().WriteTo(Path.Combine(folder, "data"));
        var predictions = Path.Combine(folder, "predictions.json");
        await File.WriteAllTextAsync(predictions, """
            [{"file_name": "2008_000001.jpg", "category_id": 0, "bbox": [10, 20, 80, 60], "score": 0.8},
             {"file_name": "2008_000002.jpg", "category_id": 1, "bbox": [40, 30, 80, 60], "score": 0.9},
             {"file_name": "2008_000002.jpg", "category_id": 0, "bbox": [150, 60, 80, 60], "score": 0.7},
             {"file_name": "2008_000003.jpg", "category_id": 1, "bbox": [100, 40, 80, 60], "score": 0.95},
             {"file_name": "2008_000009.jpg", "category_id": 1, "bbox": [0, 0, 8, 8], "score": 0.5}]
            """);
        var json = Path.Combine(folder, "metrics.json");

        var (exit, output, error) = await Cli.RunAsync("model", "evaluate", Path.Combine(folder, "data"), "--predictions", predictions, "--json", json);

        Assert.Equal(PipelineCli.Accepted, exit);
        Assert.Contains("Left out: 1 prediction(s) with an image the labels do not have, e.g. element 5 (2008_000009.jpg)", error, StringComparison.Ordinal);
        var dog = 51 * 0.5 / 101;
        var metrics = JsonDocument.Parse(await File.ReadAllTextAsync(json)).RootElement.GetProperty("metrics");
        Assert.Equal((1 + dog) / 2, metrics.GetProperty("mAP").GetDouble(), 9);
        Assert.Equal((1 + dog) / 2, metrics.GetProperty("APm").GetDouble(), 9);
        Assert.Equal(-1, metrics.GetProperty("APs").GetDouble());
        var perClass = metrics.GetProperty("perClass").EnumerateArray().ToDictionary(c => c.GetProperty("label").GetString()!, c => c.GetProperty("AP").GetDouble());
        Assert.Equal(1, perClass["cat"], 9);
        Assert.Equal(dog, perClass["dog"], 9);
        Assert.Contains("4 predictions on 3 images with 4 labelled boxes", output, StringComparison.Ordinal);

        // Confusion at confidence and IoU 0.5: both cats, one dog; the dog drawn off is a miss (dog row, background
        // column) and a false detection (background row, dog column).
        var confusion = metrics.GetProperty("confusionMatrix");
        Assert.Equal(["cat", "dog", "background"], confusion.GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
        Assert.Equal([[2, 0, 0], [0, 1, 1], [0, 1, 0]], confusion.GetProperty("counts").EnumerateArray().Select(r => r.EnumerateArray().Select(c => c.GetInt32()).ToArray()));
        Assert.Equal(101, metrics.GetProperty("perClass")[0].GetProperty("precisionAt50").GetArrayLength());

        // The dog drawn 40 px off is the one label issue: the same class at IoU 1/3, a poor box, 0.95 · (1 − (1/3) / 0.5).
        var issue = Assert.Single(JsonDocument.Parse(await File.ReadAllTextAsync(json)).RootElement.GetProperty("labelIssues").EnumerateArray());
        Assert.Equal(("2008_000003.jpg", "poor_box", 1L, "dog", "dog"), (issue.GetProperty("image").GetString(), issue.GetProperty("kind").GetString(), issue.GetProperty("annotationId").GetInt64(), issue.GetProperty("label").GetString(), issue.GetProperty("predictedLabel").GetString()));
        Assert.Equal(0.95 / 3, issue.GetProperty("score").GetDouble(), 9);
        Assert.Equal([60.0, 40, 80, 60], issue.GetProperty("bbox").EnumerateArray().Select(v => v.GetDouble()));
        Assert.Contains("0.32  poor_box     2008_000003.jpg: 'dog' (annotation 1) whose box the model draws elsewhere at [60, 40, 80, 60]", output, StringComparison.Ordinal);
        Assert.Contains("AP@[.50:.95]  " + ((1 + dog) / 2).ToString("0.000", System.Globalization.CultureInfo.InvariantCulture), output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ultralytics_text_predictions_with_a_confidence_column_are_read_in_fractions_of_each_image()
    {
        // The same four predictions as the COCO test, as 'yolo predict save_txt=True save_conf=True' writes them for a
        // model whose classes are [dog, cat] (so --names maps class 0 to dog): centre and size in fractions of 320×240.
        NativeLayouts.VocDevkit().WriteTo(Path.Combine(folder, "data"));
        var labels = Directory.CreateDirectory(Path.Combine(folder, "runs", "detect", "predict", "labels")).FullName;
        await File.WriteAllTextAsync(Path.Combine(labels, "2008_000001.txt"), "1 0.15625 0.20833333333333334 0.25 0.25 0.8\n");
        await File.WriteAllTextAsync(Path.Combine(labels, "2008_000002.txt"), "0 0.25 0.25 0.25 0.25 0.9\n1 0.59375 0.375 0.25 0.25 0.7\n");
        await File.WriteAllTextAsync(Path.Combine(labels, "2008_000003.txt"), "0 0.4375 0.2916666666666667 0.25 0.25 0.95\n0 0.5 0.5 0.1 0.1\n");
        var names = Path.Combine(folder, "model.yaml");
        await File.WriteAllTextAsync(names, "names:\n  0: dog\n  1: cat\n");
        var json = Path.Combine(folder, "metrics.json");

        var (exit, _, error) = await Cli.RunAsync("model", "evaluate", Path.Combine(folder, "data"), "--predictions", labels, "--names", names, "--json", json);

        Assert.Equal(PipelineCli.Accepted, exit);
        Assert.Contains("Left out: 1 prediction(s) with no confidence column (save with save_conf=True), e.g. 2008_000003.txt line 2", error, StringComparison.Ordinal);
        var dog = 51 * 0.5 / 101; // as in the COCO results test: the same boxes, the same scores
        Assert.Equal((1 + dog) / 2, JsonDocument.Parse(await File.ReadAllTextAsync(json)).RootElement.GetProperty("metrics").GetProperty("mAP").GetDouble(), 9);
    }

    [Fact]
    public async Task Labels_in_fractions_or_a_missing_predictions_file_are_refused_with_what_to_do()
    {
        NativeLayouts.UltralyticsYolo().WriteTo(Path.Combine(folder, "yolo"));
        await File.WriteAllTextAsync(Path.Combine(folder, "p.json"), "[]");

        var (exit, _, error) = await Cli.RunAsync("model", "evaluate", Path.Combine(folder, "yolo"), "--predictions", Path.Combine(folder, "p.json"));
        Assert.Equal(PipelineCli.UsageError, exit);
        Assert.Contains("the boxes are fractions of the image (Yolo); evaluate against labels in pixels", error, StringComparison.Ordinal);

        NativeLayouts.VocDevkit().WriteTo(Path.Combine(folder, "voc"));
        (exit, _, error) = await Cli.RunAsync("model", "evaluate", Path.Combine(folder, "voc"), "--predictions", Path.Combine(folder, "none.json"));
        Assert.Equal(PipelineCli.UsageError, exit);
        Assert.Contains("--predictions: no such file or folder", error, StringComparison.Ordinal);
    }
}
