using System.Text.Json;
using System.Text.Json.Serialization;
using Pipeline.Core.Labels;

namespace Pipeline.Core.Models;

/// <summary>Predictions read, and what was wrong with the ones that could not be used.</summary>
/// <param name="Detections">The usable detections.</param>
/// <param name="Problems">One line per kind of problem, with a count and an example.</param>
public sealed record PredictionsRead(IReadOnlyList<Detection> Detections, IReadOnlyList<string> Problems);

/// <summary>
/// Reads a model's predictions: as the COCO results format writes them (<c>[{"image_id", "category_id", "bbox": [x, y, w,
/// h], "score"}]</c>, the file <c>pycocotools.loadRes</c> and detectors' <c>--save-json</c> write), with
/// <c>file_name</c> accepted in place of <c>image_id</c>. Read as a stream, element by element. Images and labels
/// are the ground truth's: a prediction on an image or with a label the labels do not have is left out and counted.
/// Or as Ultralytics writes them, a text file per image with a confidence column (<see cref="ReadYoloFolder"/>).
/// </summary>
public static class PredictionsReader
{
    /// <summary>Reads <paramref name="stream"/> against the labels it predicts (<paramref name="truth"/>'s images; its labels unless <paramref name="anyLabel"/>, for predictions on images nobody labelled yet).</summary>
    public static async Task<PredictionsRead> ReadCocoResultsAsync(Stream stream, LabelDocument truth, CancellationToken cancellationToken, bool anyLabel = false)
    {
        var images = truth.Images.Select(i => i.Id).ToHashSet();
        var byName = truth.Images.GroupBy(i => Path.GetFileName(i.FileName), StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count() == 1 ? g.First().Id : (long?)null, StringComparer.Ordinal);
        var categories = truth.Categories.Select(c => c.Id).ToHashSet();
        var detections = new List<Detection>();
        var problems = new ProblemTally();
        var Problem = problems.Add;

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

                if (raw.CategoryId is not { } category || (!anyLabel && !categories.Contains(category)))
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

        return new PredictionsRead(detections, problems.Lines());
    }

    /// <summary>
    /// Reads predictions as Ultralytics writes them with <c>save_txt=True save_conf=True</c>: one <c>{stem}.txt</c> per
    /// image in <paramref name="folder"/>, a line <c>class cx cy w h confidence</c> per box in fractions of the image,
    /// converted to pixels with the labels' image sizes. Class <c>i</c> is the model's <paramref name="names"/>[i]
    /// matched to the labels' class of that name; without names, the labels' i-th class in id order (COCO's 80
    /// classes in Ultralytics' order are COCO's ids in order).
    /// </summary>
    public static PredictionsRead ReadYoloFolder(string folder, LabelDocument truth, IReadOnlyList<string>? names, bool anyLabel = false)
    {
        var problems = new ProblemTally();
        var Problem = problems.Add;

        var categories = truth.CategoriesById();
        var byName = categories.GroupBy(c => c.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Id, StringComparer.Ordinal);
        long? CategoryOf(long index) => names is null
            ? (index < categories.Count ? categories[(int)index].Id : anyLabel ? index : null)
            : index < names.Count && byName.TryGetValue(names[(int)index], out var id) ? id : null;
        var byStem = truth.Images.GroupBy(i => Path.GetFileNameWithoutExtension(i.FileName), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count() == 1 ? g.First() : null, StringComparer.Ordinal);
        var detections = new List<Detection>();
        foreach (var file in Directory.EnumerateFiles(folder, "*.txt").Order(StringComparer.Ordinal))
        {
            var stem = Path.GetFileNameWithoutExtension(file);
            if (byStem.GetValueOrDefault(stem) is not { } image)
            {
                Problem("an image the labels do not have", Path.GetFileName(file));
                continue;
            }

            if (image is not { Width: { } width, Height: { } height })
            {
                Problem("an image whose size the labels do not give (needed to turn fractions into pixels)", Path.GetFileName(file));
                continue;
            }

            var number = 0;
            foreach (var line in File.ReadLines(file))
            {
                number++;
                var tokens = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                if (tokens.Length == 0)
                {
                    continue;
                }

                var values = tokens.Select(t => double.TryParse(t, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : double.NaN).ToArray();
                var where = $"{Path.GetFileName(file)} line {number}";
                if (tokens.Length != 6 || values.Any(v => !double.IsFinite(v)) || values[0] < 0 || values[0] != Math.Floor(values[0]))
                {
                    Problem(tokens.Length == 5 ? "no confidence column (save with save_conf=True)" : "a line that is not 'class cx cy w h confidence'", where);
                    continue;
                }

                if (CategoryOf((long)values[0]) is not { } category)
                {
                    Problem("a class the labels do not define", $"{where} (class {values[0]})");
                    continue;
                }

                if (values[5] is < 0 or > 1 || values[3] < 0 || values[4] < 0)
                {
                    Problem("no score in [0, 1] or a negative size", where);
                    continue;
                }

                var (w, h) = (values[3] * width, values[4] * height);
                detections.Add(new Detection(image.Id, category, (values[1] * width) - (w / 2), (values[2] * height) - (h / 2), w, h, values[5]));
            }
        }

        return new PredictionsRead(detections, problems.Lines());
    }

    /// <summary>Predictions left out, counted by kind with the first example of each.</summary>
    private sealed class ProblemTally
    {
        private readonly Dictionary<string, (int Count, string Example)> kinds = new(StringComparer.Ordinal);

        public void Add(string kind, string example) =>
            kinds[kind] = kinds.TryGetValue(kind, out var p) ? (p.Count + 1, p.Example) : (1, example);

        public List<string> Lines() => [.. kinds.Select(p => $"{p.Value.Count:N0} prediction(s) with {p.Key}, e.g. {p.Value.Example}")];
    }

    private static readonly JsonSerializerOptions Options = new() { NumberHandling = JsonNumberHandling.Strict };

    private sealed record RawPrediction(
        [property: JsonPropertyName("image_id")] long? ImageId,
        [property: JsonPropertyName("file_name")] string? FileName,
        [property: JsonPropertyName("category_id")] long? CategoryId,
        [property: JsonPropertyName("bbox")] double[]? Bbox,
        [property: JsonPropertyName("score")] double? Score);
}
