using System.Text.Json;
using System.Text.RegularExpressions;
using Pipeline.Core.Findings;

namespace Pipeline.Core.Labels;

/// <summary>
/// Reads Label Studio's JSON export (a top-level array of tasks) into the label model: each task's
/// <c>data.image</c> names its image (the file name; Label Studio's upload prefix <c>{8 hex}-</c> removed), and each
/// <c>rectanglelabels</c> result of its annotations is a box whose <c>x</c>, <c>y</c>, <c>width</c>, <c>height</c> are
/// percents of the image (kept as fractions, like YOLO's, with <c>original_width</c>/<c>original_height</c> as the
/// image's size); a percent outside 0–100 is <c>label.value_invalid</c>. <c>choices</c> results are image-level labels;
/// other result types (polygons, keypoints, text) are not read here. Cancelled annotations are skipped.
/// </summary>
internal static partial class LabelStudioReader
{
    [GeneratedRegex("^[0-9a-f]{8}-")]
    private static partial Regex UploadPrefix();

    public static LabelDocument Read(JsonElement tasks, string source)
    {
        var document = new LabelDocument { Format = LabelFormat.LabelStudio, Normalized = true };
        void Invalid(string message) => document.Findings.Add(new Finding(FindingCodes.LabelValueInvalid, Severity.Error, null, null, message, source));

        if (tasks.EnumerateArray().Any(t => t.ValueKind != JsonValueKind.Object || !t.TryGetProperty("data", out _)))
        {
            document.Format = LabelFormat.Coco;
            document.Findings.Add(new Finding(FindingCodes.LabelFileInvalid, Severity.Error, null, null,
                $"'{source}' is a JSON array whose elements are not Label Studio tasks (objects with 'data'), and not an object as a COCO file is.", source));
            return document;
        }

        foreach (var task in tasks.EnumerateArray())
        {
            if (task.ValueKind != JsonValueKind.Object || !task.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object
                || !data.TryGetProperty("image", out var imageRef) || imageRef.ValueKind != JsonValueKind.String)
            {
                Invalid($"'{source}': a task has no data.image naming its picture.");
                continue;
            }

            var fileName = UploadPrefix().Replace(Path.GetFileName(Uri.UnescapeDataString(imageRef.GetString()!.Split('?')[0])), string.Empty);
            var taskId = task.TryGetProperty("id", out var tid) ? tid.GetRawText() : (document.Images.Count + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var imageId = document.Images.Count;
            int? width = null, height = null;
            var results = new List<JsonElement>();
            foreach (var annotation in Array(task, "annotations"))
            {
                if (annotation.TryGetProperty("was_cancelled", out var cancelled) && cancelled.ValueKind == JsonValueKind.True)
                {
                    continue;
                }

                results.AddRange(Array(annotation, "result"));
            }

            foreach (var result in results)
            {
                var where = $"task {taskId} result {(result.TryGetProperty("id", out var rid) ? rid.GetRawText() : "?")}";
                var type = result.TryGetProperty("type", out var t) ? t.GetString() : null;
                if (!result.TryGetProperty("value", out var value) || value.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                width ??= Size(result, "original_width");
                height ??= Size(result, "original_height");
                if (type == "choices")
                {
                    foreach (var choice in Array(value, "choices").Where(c => c.ValueKind == JsonValueKind.String))
                    {
                        document.CategoryNamed(choice.GetString()!);
                        document.ImageLevelLabels++;
                    }

                    continue;
                }

                if (type is not ("rectanglelabels" or "rectangle"))
                {
                    continue;
                }

                var labels = Array(value, "rectanglelabels").Where(l => l.ValueKind == JsonValueKind.String).Select(l => l.GetString()!).ToList();
                var box = new double[4];
                string[] keys = ["x", "y", "width", "height"];
                var ok = labels.Count > 0;
                for (var i = 0; i < 4 && ok; i++)
                {
                    ok = value.TryGetProperty(keys[i], out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out box[i]);
                }

                if (!ok)
                {
                    Invalid($"'{source}' {where}: a rectangle needs a label and numeric x, y, width and height (percents).");
                    continue;
                }

                if (box.Any(v => v < 0 || v > 100) || box[0] + box[2] > 100.0001 || box[1] + box[3] > 100.0001)
                {
                    Invalid($"'{source}' {where}: x, y, width and height are percents of the image (0–100, and x + width, y + height at most 100): {string.Join(", ", box)}.");
                }

                foreach (var label in labels)
                {
                    document.Boxes.Add(new LabelBox(document.Boxes.Count + 1, imageId, document.CategoryNamed(label), box[0] / 100, box[1] / 100, box[2] / 100, box[3] / 100));
                }
            }

            document.Images.Add(new LabelImage(imageId, fileName, width, height));
        }

        return document;
    }

    private static IEnumerable<JsonElement> Array(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var array) && array.ValueKind == JsonValueKind.Array ? array.EnumerateArray() : [];

    private static int? Size(JsonElement result, string name) =>
        result.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) && n > 0 ? n : null;
}
