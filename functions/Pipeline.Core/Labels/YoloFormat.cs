using System.Globalization;
using System.Text;
using Pipeline.Core.Findings;

namespace Pipeline.Core.Labels;

/// <summary>
/// YOLO detection labels: one text file per image (same stem), each line <c>class cx cy w h</c> with the centre
/// and size as fractions of the image, and the class names from <c>classes.txt</c> (one per line) or
/// <c>data.yaml</c> (<c>names:</c> as a list or an index map). Boxes are read into the model as normalised
/// top-left boxes.
/// </summary>
public static class YoloFormat
{
    private const int MaxExamples = 20;

    /// <summary>
    /// Whether a file is a YOLO class list rather than an image's label lines: <c>classes.txt</c>,
    /// a Darknet <c>*.names</c> file (<c>obj.names</c>, <c>coco.names</c>), or a YAML file (<c>data.yaml</c> and the like; a YAML file never holds label lines).
    /// </summary>
    public static bool IsClassList(string path) =>
        Path.GetFileName(path) is "classes.txt" || Path.GetExtension(path).ToLowerInvariant() is ".yaml" or ".yml" or ".names";

    /// <summary>The class names of a class list file (see <see cref="IsClassList"/>): null when a YAML file has no <c>names</c>.</summary>
    public static List<string>? ReadClassList(string path, string text) =>
        Path.GetExtension(path).ToLowerInvariant() is ".yaml" or ".yml" ? ReadDataYaml(text) : ReadClassesTxt(text);

    /// <summary>Class names from <c>classes.txt</c> text: one per non-empty line, in index order.</summary>
    public static List<string> ReadClassesTxt(string text) =>
        [.. text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0)];

    /// <summary>
    /// Class names from <c>data.yaml</c>: <c>names: [a, b]</c>, a block list (<c>- a</c>) or an index map
    /// (<c>0: a</c>). Only <c>names</c> is read; null when the file has none.
    /// </summary>
    public static List<string>? ReadDataYaml(string text)
    {
        var lines = text.Replace("\r", string.Empty, StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = StripComment(lines[i]);
            if (!line.StartsWith("names:", StringComparison.Ordinal))
            {
                continue;
            }

            var inline = line["names:".Length..].Trim();
            if (inline.StartsWith('['))
            {
                return [.. inline.Trim('[', ']').Split(',').Select(Unquote).Where(n => n.Length > 0)];
            }

            var names = new SortedDictionary<int, string>();
            var next = 0;
            for (var j = i + 1; j < lines.Length; j++)
            {
                var item = StripComment(lines[j]);
                if (item.Length == 0)
                {
                    continue;
                }

                if (!char.IsWhiteSpace(lines[j][0]) && !item.StartsWith('-'))
                {
                    break; // the next top-level key
                }

                item = item.Trim();
                if (item.StartsWith('-'))
                {
                    names[next++] = Unquote(item[1..]);
                }
                else if (item.IndexOf(':', StringComparison.Ordinal) is var colon and > 0 &&
                    int.TryParse(item[..colon], NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    names[index] = Unquote(item[(colon + 1)..]);
                }
            }

            return [.. names.Values];
        }

        return null;
    }

    /// <summary>
    /// The keypoint shape of an Ultralytics pose dataset from its <c>data.yaml</c> (<c>kpt_shape: [17, 3]</c>: keypoints per
    /// object, and 2 values (x y) or 3 (x y visibility) each); null when the file has none or it is not two such numbers.
    /// </summary>
    public static (int Points, int Dims)? ReadKeypointShape(string text)
    {
        foreach (var raw in text.Replace("\r", string.Empty, StringComparison.Ordinal).Split('\n'))
        {
            var line = StripComment(raw);
            if (!line.StartsWith("kpt_shape:", StringComparison.Ordinal))
            {
                continue;
            }

            var values = line["kpt_shape:".Length..].Trim().Trim('[', ']').Split(',')
                .Select(v => int.TryParse(v.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1).ToList();
            return values is [> 0 and var points, 2 or 3] ? (points, values[1]) : null;
        }

        return null;
    }

    /// <summary>
    /// Reads label files (<paramref name="files"/>: image file name → the text of its label file) against the
    /// class list. Every line is checked: five numbers, an integer class within the list, values within 0–1.
    /// </summary>
    public static LabelDocument Read(IReadOnlyList<string>? classes, IEnumerable<(string ImageFileName, string Text)> files, string source) =>
        Read(classes, files.Select(f => (f.ImageFileName, f.Text, (string?)null)), source);

    /// <summary>
    /// As <see cref="Read(IReadOnlyList{string}?, IEnumerable{ValueTuple{string, string}}, string)"/>, recording each label
    /// file's path. With <paramref name="keypointShape"/> (a pose dataset's <c>kpt_shape</c>) every line must be a box with
    /// exactly that many keypoints; without it, a line's kind is told by its length.
    /// </summary>
    public static LabelDocument Read(
        IReadOnlyList<string>? classes, IEnumerable<(string ImageFileName, string Text, string? LabelFile)> files, string source, (int Points, int Dims)? keypointShape = null)
    {
        var dims = keypointShape?.Dims ?? 3;
        var document = new LabelDocument { Format = LabelFormat.Yolo, Normalized = true };
        var counts = new Dictionary<string, int>();
        void Report(string code, string message, string subject)
        {
            counts[code] = counts.GetValueOrDefault(code) + 1;
            if (counts[code] <= MaxExamples)
            {
                document.Findings.Add(new Finding(code, Severity.Error, null, null, message, subject));
            }
        }

        if (classes is null || classes.Count == 0)
        {
            document.Findings.Add(new Finding(FindingCodes.LabelMissingCategories, Severity.Error, null, null, $"No class list for '{source}': classes.txt or data.yaml with names.", source));
        }
        else
        {
            document.Categories.AddRange(classes.Select((name, i) => new LabelCategory(i, name)));
        }

        foreach (var (imageFileName, text, labelFile) in files)
        {
            var imageId = document.Images.Count;
            document.Images.Add(new LabelImage(imageId, imageFileName, null, null));
            if (labelFile is not null)
            {
                document.SourceOfImage.TryAdd(imageFileName, labelFile);
            }

            var lines = text.Split('\n');
            for (var n = 0; n < lines.Length; n++)
            {
                var line = lines[n].Trim();
                if (line.Length == 0)
                {
                    continue;
                }

                var where = $"{imageFileName} line {n + 1}";
                var tokens = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                var kind = KindOf(tokens.Length);
                if (keypointShape is { } shape)
                {
                    var expected = 5 + (shape.Points * shape.Dims);
                    if (tokens.Length != expected)
                    {
                        Report(FindingCodes.LabelValueInvalid, $"{where}: {tokens.Length} values; this pose dataset's lines are class cx cy w h and {shape.Points} keypoints of {shape.Dims} values each (kpt_shape [{shape.Points}, {shape.Dims}]): {expected} values.", imageFileName);
                        continue;
                    }

                    kind = LineKind.Keypoints;
                }
                else if (kind is null)
                {
                    Report(FindingCodes.LabelValueInvalid, $"{where}: {tokens.Length} values; a YOLO line is a box (class cx cy w h), a polygon or oriented box (class and 3 or more x y points), or a box with keypoints (class cx cy w h and x y visibility per keypoint).", imageFileName);
                    continue;
                }

                if (!long.TryParse(tokens[0], NumberStyles.None, CultureInfo.InvariantCulture, out var classIndex))
                {
                    Report(FindingCodes.LabelValueInvalid, $"{where}: class '{Truncate(tokens[0])}' is not a non-negative integer.", imageFileName);
                    continue;
                }

                var values = new double[tokens.Length - 1];
                var ok = true;
                for (var i = 0; i < values.Length && ok; i++)
                {
                    ok = double.TryParse(tokens[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]);
                    if (!ok)
                    {
                        Report(FindingCodes.LabelValueInvalid, $"{where}: '{Truncate(tokens[i + 1])}' is not a number.", imageFileName);
                    }
                }

                if (!ok)
                {
                    continue;
                }

                // An odd count of 5 + 3 per keypoint whose visibility places hold a 2 (never a fraction of the image) is keypoints.
                if (keypointShape is null && kind == LineKind.Polygon && (values.Length - 4) % 3 == 0 && values.Skip(4).Where((_, i) => i % 3 == 2).ToList() is var flags
                    && flags.All(v => v is 0 or 1 or 2) && flags.Contains(2))
                {
                    kind = LineKind.Keypoints;
                }

                var coordinates = kind == LineKind.Keypoints && dims == 3 ? values.Where((_, i) => i < 4 || (i - 4) % 3 != 2).ToArray() : values;
                if (coordinates.Any(v => double.IsFinite(v) && (v < 0 || v > 1)))
                {
                    Report(FindingCodes.LabelValueInvalid, $"{where}: values must be fractions of the image (0–1): {Truncate(string.Join(' ', tokens[1..]))}.", imageFileName);
                }

                if (kind == LineKind.Keypoints && dims == 2)
                {
                    // x y only: a keypoint not labelled is written as 0 0.
                    document.Keypoints += values.Skip(4).Chunk(2).Count(p => p[0] != 0 || p[1] != 0);
                }
                else if (kind == LineKind.Keypoints)
                {
                    var visibility = values.Skip(4).Where((_, i) => i % 3 == 2).ToList();
                    if (visibility.Any(v => v is not (0 or 1 or 2)))
                    {
                        Report(FindingCodes.LabelValueInvalid, $"{where}: a keypoint's visibility must be 0, 1 or 2.", imageFileName);
                        continue;
                    }

                    document.Keypoints += visibility.Count(v => v > 0);
                }

                if (kind == LineKind.Polygon)
                {
                    // A polygon (segmentation) or an oriented box (4 corners): checked as the box that bounds it.
                    var xs = values.Where((_, i) => i % 2 == 0).ToList();
                    var ys = values.Where((_, i) => i % 2 == 1).ToList();
                    document.Boxes.Add(new LabelBox(n + 1, imageId, classIndex, xs.Min(), ys.Min(), xs.Max() - xs.Min(), ys.Max() - ys.Min()));
                    continue;
                }

                var (cx, cy, w, h) = (values[0], values[1], values[2], values[3]);
                document.Boxes.Add(new LabelBox(n + 1, imageId, classIndex, cx - (w / 2), cy - (h / 2), w, h));
            }
        }

        foreach (var (code, count) in counts.Where(c => c.Value > MaxExamples))
        {
            document.Findings.Add(new Finding(code, Severity.Error, count, null, $"{count - MaxExamples} more '{code}' problems in '{source}' are not listed one by one.", source));
        }

        return document;
    }

    private enum LineKind
    {
        Box,
        Polygon,
        Keypoints,
    }

    /// <summary>
    /// What a line of <paramref name="tokens"/> values is, as Ultralytics writes them: 5 is a box; an even count
    /// past 5 with 3 values per extra point is a box with keypoints (x, y, visibility); an odd count of 7 or more
    /// is a polygon (class and x y pairs; an oriented box is its 4 corners). Keypoints of two values each cannot be
    /// told from a polygon without the dataset's <c>kpt_shape</c>, and are read as the polygon of their points.
    /// </summary>
    private static LineKind? KindOf(int tokens) => tokens switch
    {
        5 => LineKind.Box,
        > 5 when tokens % 2 == 0 && (tokens - 5) % 3 == 0 => LineKind.Keypoints,
        >= 7 when tokens % 2 == 1 => LineKind.Polygon,
        _ => null,
    };

    /// <summary>
    /// Writes the model as YOLO: <c>classes.txt</c> (classes must have ids 0…n−1) and one text per image stem. A
    /// pixel model is normalised with its images' sizes.
    /// </summary>
    public static (string ClassesTxt, Dictionary<string, string> Files) Write(LabelDocument document)
    {
        var categories = document.Categories.OrderBy(c => c.Id).ToList();
        if (categories.Select((c, i) => c.Id != i).Any(b => b))
        {
            throw new InvalidOperationException("YOLO class indexes are 0…n−1; renumber the categories first (LabelDocument ids are kept as read).");
        }

        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        var boxes = document.Boxes.ToLookup(b => b.ImageId);
        foreach (var image in document.Images)
        {
            var text = new StringBuilder();
            foreach (var box in boxes[image.Id])
            {
                var (x, y, w, h) = (box.X, box.Y, box.Width, box.Height);
                if (!document.Normalized)
                {
                    if (image is not { Width: { } iw, Height: { } ih })
                    {
                        throw new InvalidOperationException($"'{image.FileName}' has no recorded size; YOLO needs it to normalise its boxes.");
                    }

                    (x, y, w, h) = (x / iw, y / ih, w / iw, h / ih);
                }

                text.Append(CultureInfo.InvariantCulture, $"{box.CategoryId} {R(x + (w / 2))} {R(y + (h / 2))} {R(w)} {R(h)}\n");
            }

            files[Path.ChangeExtension(image.FileName, ".txt")] = text.ToString();
        }

        return (string.Join('\n', categories.Select(c => c.Name)) + "\n", files);
    }

    private static string R(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string StripComment(string line) => (line.IndexOf('#', StringComparison.Ordinal) is var hash and >= 0 ? line[..hash] : line).TrimEnd();

    private static string Unquote(string value) => value.Trim().Trim('\'', '"');

    private static string Truncate(string text) => text.Length <= 20 ? text : text[..20] + "…";
}
