using System.Text.Json;
using Pipeline.Core.Labels;

namespace Pipeline.Core.Models;

/// <summary>
/// A batch to label, written for the annotation tools with the model's boxes as pre-annotations: Label Studio's task
/// import (<c>[{"data": {"image"}, "predictions": [{"model_version", "score", "result": [rectanglelabels in percent of
/// original_width/original_height]}]}]</c>, the config's <c>from_name</c> "label" and <c>to_name</c> "image"), and
/// COCO 1.0 for CVAT's annotation upload into a task made of the same images.
/// </summary>
public static class LabelingTasks
{
    /// <summary>Label Studio tasks, one per image, its predictions at or above <paramref name="minScore"/> as pre-annotations.</summary>
    /// <param name="images">Each image: its path as the tool will find it, its size and its predictions.</param>
    /// <param name="labelOf">A label's name.</param>
    /// <param name="minScore">Predictions below this are not proposed.</param>
    /// <param name="model">The model's version, as Label Studio shows it.</param>
    public static byte[] LabelStudio(IEnumerable<(string Path, int Width, int Height, IReadOnlyList<Detection> Predictions)> images, Func<long, string> labelOf, double minScore, string model)
    {
        var tasks = images.Select(image =>
        {
            var proposed = image.Predictions.Where(p => p.Score >= minScore).OrderByDescending(p => p.Score).ToList();
            return new
            {
                data = new { image = image.Path },
                predictions = new[]
                {
                    new
                    {
                        model_version = model,
                        score = proposed.Count == 0 ? 0 : proposed.Average(p => p.Score),
                        result = proposed.Select((p, i) => new
                        {
                            id = $"p{i + 1}",
                            type = "rectanglelabels",
                            from_name = "label",
                            to_name = "image",
                            original_width = image.Width,
                            original_height = image.Height,
                            image_rotation = 0,
                            score = p.Score,
                            value = new
                            {
                                x = 100 * p.X / image.Width,
                                y = 100 * p.Y / image.Height,
                                width = 100 * p.Width / image.Width,
                                height = 100 * p.Height / image.Height,
                                rotation = 0,
                                rectanglelabels = new[] { labelOf(p.CategoryId) },
                            },
                        }),
                    },
                },
            };
        });
        return JsonSerializer.SerializeToUtf8Bytes(tasks, new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>The images and their proposed boxes as a COCO file (CVAT: "Upload annotations", COCO 1.0).</summary>
    public static byte[] Coco(IEnumerable<(string Path, int Width, int Height, IReadOnlyList<Detection> Predictions)> images, Func<long, string> labelOf, double minScore)
    {
        var document = new LabelDocument { Format = LabelFormat.Coco };
        var categories = new Dictionary<long, long>();
        foreach (var (path, width, height, predictions) in images)
        {
            var imageId = document.Images.Count + 1;
            document.Images.Add(new LabelImage(imageId, path, width, height));
            foreach (var p in predictions.Where(p => p.Score >= minScore).OrderByDescending(p => p.Score))
            {
                if (!categories.TryGetValue(p.CategoryId, out var category))
                {
                    category = categories[p.CategoryId] = document.CategoryNamed(labelOf(p.CategoryId)) + 1;
                }

                document.Boxes.Add(new LabelBox(document.Boxes.Count + 1, imageId, category, p.X, p.Y, p.Width, p.Height));
            }
        }

        // CategoryNamed numbers from 0; COCO's ids start at 1.
        var named = document.Categories.Select(c => c with { Id = c.Id + 1 }).ToList();
        document.Categories.Clear();
        document.Categories.AddRange(named);
        using var stream = new MemoryStream();
        CocoWriter.Write(document, stream);
        return stream.ToArray();
    }
}
