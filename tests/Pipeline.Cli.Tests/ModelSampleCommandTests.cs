using System.Text.Json;
using Pipeline.Core.Labels;

namespace Pipeline.Cli.Tests;

/// <summary><c>pipeline model sample</c> on real photographs with a model's COCO results by file name.</summary>
public sealed class ModelSampleCommandTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("sample-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static string Photo(string name) => Path.Combine(Pipeline.Testing.RepositoryPaths.Samples, "images", "good", name);

    [Fact]
    public async Task The_hardest_new_images_are_picked_and_written_for_label_studio_and_cvat_with_pre_annotations()
    {
        var images = Directory.CreateDirectory(Path.Combine(folder, "frames")).FullName;
        var labelled = Directory.CreateDirectory(Path.Combine(folder, "labelled")).FullName;
        foreach (var name in new[] { "astronaut.png", "camera.png", "chelsea.png", "coffee.png" })
        {
            File.Copy(Photo(name), Path.Combine(images, name));
        }

        File.Copy(Photo("camera.png"), Path.Combine(images, "camera-again.png")); // the same frame twice
        File.Copy(Photo("chelsea.png"), Path.Combine(labelled, "chelsea.png")); // already labelled
        var predictions = Path.Combine(folder, "predictions.json");
        await File.WriteAllTextAsync(predictions, """
            [{"file_name": "astronaut.png", "category_id": 0, "bbox": [10, 10, 100, 100], "score": 0.95},
             {"file_name": "camera.png", "category_id": 0, "bbox": [10, 20, 50, 40], "score": 0.55},
             {"file_name": "camera.png", "category_id": 1, "bbox": [10, 20, 50, 40], "score": 0.5},
             {"file_name": "camera.png", "category_id": 1, "bbox": [200, 200, 20, 20], "score": 0.1},
             {"file_name": "camera-again.png", "category_id": 0, "bbox": [10, 20, 50, 40], "score": 0.3},
             {"file_name": "chelsea.png", "category_id": 1, "bbox": [5, 5, 50, 50], "score": 0.02}]
            """);
        var names = Path.Combine(folder, "classes.txt");
        await File.WriteAllTextAsync(names, "cat\ndog\n");
        var json = Path.Combine(folder, "hard.json");

        var (exit, output, error) = await Cli.RunAsync(
            "model", "sample", "--images", images, "--predictions", predictions, "--budget", "2", "--labelled", labelled, "--names", names,
            "--out", Path.Combine(folder, "batch"), "--json", json);

        // coffee: no prediction (1.0); chelsea: 0.98 but labelled already; camera: cat 0.55 vs dog 0.50 (0.95);
        // camera-again: 0.7 but the same picture as camera; astronaut: 0.05.
        Assert.True(exit == PipelineCli.Accepted, error);
        Assert.Equal(["coffee.png", "camera.png"], await File.ReadAllLinesAsync(Path.Combine(folder, "batch", "to-label.txt")));
        Assert.Contains("0.95  camera.png: classes close on one object: cat 0.55 vs dog 0.50", output, StringComparison.Ordinal);
        var hard = JsonDocument.Parse(await File.ReadAllTextAsync(json)).RootElement.GetProperty("hardExamples").EnumerateArray().ToList();
        Assert.Equal([("coffee.png", 1.0, "no prediction at all")], hard.Take(1).Select(h => (h.GetProperty("image").GetString(), h.GetProperty("score").GetDouble(), h.GetProperty("reason").GetString())));

        // Label Studio: a task per picked image; camera's two boxes (0.1 is below the 0.25 proposal line) in percent.
        var tasks = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(folder, "batch", "label-studio.json"))).RootElement.EnumerateArray().ToList();
        Assert.Equal(["coffee.png", "camera.png"], tasks.Select(t => t.GetProperty("data").GetProperty("image").GetString()));
        var results = tasks[1].GetProperty("predictions")[0].GetProperty("result").EnumerateArray().ToList();
        Assert.Equal(2, results.Count);
        var value = results[0].GetProperty("value");
        Assert.Equal(("cat", 10.0), (value.GetProperty("rectanglelabels")[0].GetString(), Math.Round(value.GetProperty("x").GetDouble() * results[0].GetProperty("original_width").GetInt32() / 100, 9)));

        // CVAT: COCO 1.0 that the pipeline's own reader reads back: the two images, camera's two boxes, cat and dog.
        var coco = CocoReader.Read(File.OpenRead(Path.Combine(folder, "batch", "cvat.coco.json")), "cvat.coco.json");
        Assert.Empty(coco.Findings);
        Assert.Equal(["coffee.png", "camera.png"], coco.Images.Select(i => i.FileName));
        Assert.Equal(["cat", "dog"], coco.Categories.Select(c => c.Name));
        Assert.Equal(2, coco.Boxes.Count);
    }
}
