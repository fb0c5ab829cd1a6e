using System.Text.Json;
using System.Text.Json.Serialization;
using Pipeline.Core.Labels;

namespace Pipeline.Core.Models;

/// <summary>Predictions read, and what was wrong with the ones that could not be used.</summary>
/// <param name="Detections">The usable detections.</param>
/// <param name="Problems">One line per kind of problem, with a count and an example.</param>
public sealed record PredictionsRead(IReadOnlyList<Detection> Detections, IReadOnlyList<string> Problems);

/// <summary>
/// Reads a model's predictions as the COCO results format writes them (<c>[{"image_id", "category_id", "bbox": [x, y, w,
/// h], "score"}]</c>, the file <c>pycocotools.loadRes</c> and detectors' <c>--save-json</c> write), with
/// <c>file_name</c> accepted in place of <c>image_id</c>. Read as a stream, element by element. Images and labels
/// are the ground truth's: a prediction on an image or with a label the labels do not have is left out and counted.
/// </summary>
public static class PredictionsReader
{
    /// <summary>Reads <paramref name="stream"/> against the labels it predicts.</summary>
    public static async Task<PredictionsRead> ReadCocoResultsAsync(Stream stream, LabelDocument truth, CancellationToken cancellationToken)
    {
        var images = truth.Images.Select(i => i.Id).ToHashSet();
        var byName = truth.Images.GroupBy(i => Path.GetFileName(i.FileName), StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count() == 1 ? g.First().Id : (long?)null, StringComparer.Ordinal);
        var categories = truth.Categories.Select(c => c.Id).ToHashSet();
        var detections = new List<Detection>();
        var problems = new Dictionary<string, (int Count, string Example)>(StringComparer.Ordinal);
        void Problem(string kind, string example) =>
            problems[kind] = problems.TryGetValue(kind, out var p) ? (p.Count + 1, p.Example) : (1, example);

        var index = 0;
        try
        {
            await foreach (var raw in JsonSerializer.DeserializeAsyncEnumerable<RawPrediction>(stream, Options, cancellationToken))
            {
                index++;
                if (raw is null)
                {
                    Problem("not an object", $"element {index}");
                    continue;
                }

                long? image = raw.ImageId is { } id ? (images.Contains(id) ? id : null)
                    : raw.FileName is { } name && byName.TryGetValue(Path.GetFileName(name.Replace('\\', '/')), out var found) ? found : null;
                if (image is null)
                {
                    Problem("an image the labels do not have", $"element {index} ({raw.ImageId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? raw.FileName ?? "no image_id or file_name"})");
                    continue;
                }

                if (raw.CategoryId is not { } category || !categories.Contains(category))
                {
                    Problem("a label the labels do not define", $"element {index} (category_id {raw.CategoryId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "missing"})");
                    continue;
                }

                if (raw.Bbox is not [var x, var y, var w, var h] || !double.IsFinite(x + y + w + h) || w < 0 || h < 0)
                {
                    Problem("no usable bbox [x, y, width, height]", $"element {index}");
                    continue;
                }

                if (raw.Score is not { } score || !double.IsFinite(score) || score < 0 || score > 1)
                {
                    Problem("no score in [0, 1]", $"element {index}");
                    continue;
                }

                detections.Add(new Detection(image.Value, category, x, y, w, h, score));
            }
        }
        catch (JsonException ex)
        {
            Problem("not a COCO results array", $"{ex.Message}");
        }

        return new PredictionsRead(detections, [.. problems.Select(p => $"{p.Value.Count:N0} prediction(s) with {p.Key}, e.g. {p.Value.Example}")]);
    }

    private static readonly JsonSerializerOptions Options = new() { NumberHandling = JsonNumberHandling.Strict };

    private sealed record RawPrediction(
        [property: JsonPropertyName("image_id")] long? ImageId,
        [property: JsonPropertyName("file_name")] string? FileName,
        [property: JsonPropertyName("category_id")] long? CategoryId,
        [property: JsonPropertyName("bbox")] double[]? Bbox,
        [property: JsonPropertyName("score")] double? Score);
}
