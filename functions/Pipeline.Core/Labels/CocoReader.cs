using System.Globalization;
using System.Text.Json;
using Pipeline.Core.Findings;

namespace Pipeline.Core.Labels;

/// <summary>
/// Reads COCO detection JSON as a stream: the top-level object is walked token by token and each element
/// of <c>images</c>, <c>annotations</c> and <c>categories</c> is parsed on its own, so memory holds one
/// element's text plus the compact model, never the whole document. Sections may come in any order.
/// Python's <c>NaN</c> and <c>Infinity</c> literals (which <c>json.dump</c> writes) are read as non-finite
/// numbers and reported, not rejected as invalid JSON. Malformed input gives findings, never an exception.
/// </summary>
public static partial class CocoReader
{
    /// <summary>The largest single element (one annotation with a huge polygon, say) read.</summary>
    public const int MaxElementBytes = 64 * 1024 * 1024;

    private const int MaxExamples = 20;

    private enum Section
    {
        None,
        Images,
        Annotations,
        Categories,
    }

    private enum Phase
    {
        Start,
        Root,
        Array,
        Done,
    }

    /// <summary>Reads a COCO file; <paramref name="source"/> names it in findings.</summary>
    /// <param name="stream">The file.</param>
    /// <param name="source">Its name, for findings.</param>
    /// <param name="keepSegmentation">Carry segmentations (for writing the file again); label QA does not need them and saves their memory.</param>
    public static LabelDocument Read(Stream stream, string source, bool keepSegmentation = true)
    {
        var document = new LabelDocument { Format = LabelFormat.Coco };
        var counts = new Dictionary<string, int>();
        void Report(string code, string message)
        {
            counts[code] = counts.GetValueOrDefault(code) + 1;
            if (counts[code] <= MaxExamples)
            {
                document.Findings.Add(new Finding(code, Severity.Error, null, null, message, source));
            }
        }

        // Label Studio's export is a top-level array of tasks; a COCO file is an object.
        var (first, replay) = FirstToken(stream);
        if (first == (byte)'[')
        {
            try
            {
                using var tasks = JsonDocument.Parse(replay, new JsonDocumentOptions { MaxDepth = MaxDepth });
                return LabelStudioReader.Read(tasks.RootElement, source);
            }
            catch (JsonException ex)
            {
                Fail(document, source, $"'{source}' is not valid JSON (line {(ex.LineNumber ?? 0) + 1}): {ex.Message}");
                return document;
            }
        }

        bool sawSection;
        try
        {
            sawSection = Walk(new PythonLiteralStream(replay), source, document, Report, keepSegmentation);
        }
        catch (JsonException ex) when (ex.Message.Contains("depth", StringComparison.OrdinalIgnoreCase))
        {
            Fail(document, source, $"'{source}' nests its JSON deeper than {MaxDepth} levels (near line {(ex.LineNumber ?? 0) + 1}); no COCO file needs more than a few.");
            return document;
        }
        catch (JsonException ex)
        {
            Fail(document, source, $"'{source}' is not valid JSON (line {(ex.LineNumber ?? 0) + 1}): {ex.Message}");
            return document;
        }
        catch (InvalidDataException ex)
        {
            Fail(document, source, ex.Message);
            return document;
        }

        if (!sawSection)
        {
            // A well-formed JSON object that is no COCO file (dataset_info.json, a version's dataset.json): not annotations.
            document.NotAnnotations = true;
            document.Findings.Clear();
            return document;
        }

        // Each annotation gives one triplet per keypoint its category names (the order of sections is free, so this waits for the end).
        foreach (var (annotation, category, points) in document.KeypointAnnotations)
        {
            var named = document.KeypointsPerCategory.TryGetValue(category, out var n) ? n : 0;
            if (points != named)
            {
                Report(FindingCodes.LabelValueInvalid, named == 0
                    ? $"annotation {annotation}: {points} keypoints, but category {category} names no keypoints."
                    : $"annotation {annotation}: {points} keypoints, but category {category} names {named}.");
            }
        }

        foreach (var (code, count) in counts.Where(c => c.Value > MaxExamples))
        {
            document.Findings.Add(new Finding(code, Severity.Error, count, null, $"{count - MaxExamples} more '{code}' problems in '{source}' are not listed one by one.", source));
        }

        if (document.Categories.Count == 0 && document.Captions == 0)
        {
            document.Findings.Add(new Finding(FindingCodes.LabelMissingCategories, Severity.Error, null, null, $"'{source}' defines no categories.", source));
        }

        return document;
    }

    private static void Fail(LabelDocument document, string source, string message)
    {
        document.Categories.Clear();
        document.Images.Clear();
        document.Boxes.Clear();
        document.Findings.RemoveAll(f => f.Code != FindingCodes.LabelFileInvalid);
        document.Findings.Add(new Finding(FindingCodes.LabelFileInvalid, Severity.Error, null, null, message, source));
    }

    /// <summary>
    /// Reads an annotation of a COCO task other than instances, and says whether it was one: a caption
    /// (<c>captions_*.json</c>: an image id and a text) or a panoptic annotation (<c>panoptic_*.json</c>: an image's
    /// <c>segments_info</c>, each segment with a category and a box, read as boxes).
    /// </summary>
    private static bool OtherTask(JsonElement e, string where, LabelDocument document, Action<string, string> report)
    {
        if (e.TryGetProperty("caption", out var caption) && !e.TryGetProperty("bbox", out _))
        {
            if (Id(e, "image_id", where, report, required: true) is not null)
            {
                if (caption.ValueKind == JsonValueKind.String)
                {
                    document.Captions++;
                }
                else
                {
                    report(FindingCodes.LabelValueInvalid, $"{where}: 'caption' is {Describe(caption)}, not text.");
                }
            }

            return true;
        }

        if (!e.TryGetProperty("segments_info", out var segments))
        {
            return false;
        }

        if (Id(e, "image_id", where, report, required: true) is not { } image)
        {
            return true;
        }

        if (segments.ValueKind != JsonValueKind.Array)
        {
            report(FindingCodes.LabelValueInvalid, $"{where}: 'segments_info' is {Describe(segments)}, not an array of segments.");
            return true;
        }

        var ids = new List<long>();
        if (e.TryGetProperty("file_name", out var png) && png.ValueKind == JsonValueKind.String && png.GetString() is { Length: > 0 } pngName)
        {
            document.PanopticPngs.Add(new PanopticPng(pngName, image, ids));
        }

        foreach (var segment in segments.EnumerateArray())
        {
            var at = $"{where}, segment {(segment.ValueKind == JsonValueKind.Object && segment.TryGetProperty("id", out var sid) ? sid.GetRawText() : "?")}";
            var listed = segment.ValueKind == JsonValueKind.Object ? Id(segment, "id", at, report, required: false) : null;
            if (listed is { } segmentId)
            {
                ids.Add(segmentId); // the PNG holds this id wherever the segment is, whatever else is wrong with the segment
            }

            if (segment.ValueKind != JsonValueKind.Object || Id(segment, "category_id", at, report, required: true) is not { } category)
            {
                continue;
            }

            if (!segment.TryGetProperty("bbox", out var box) || box.ValueKind != JsonValueKind.Array || box.GetArrayLength() != 4
                || box.EnumerateArray().Select(Number).ToList() is not [{ } x, { } y, { } w, { } h])
            {
                report(FindingCodes.LabelValueInvalid, $"{at}: 'bbox' must be an array of four numbers [x, y, width, height].");
                continue;
            }

            document.Boxes.Add(new LabelBox(listed ?? document.Boxes.Count + 1, image, category, x, y, w, h));
        }

        return true;
    }

    /// <summary>
    /// A person_keypoints category's <c>keypoints</c> (the names, whose count every annotation of the category must
    /// give as triplets) and <c>skeleton</c> (edges between keypoints numbered from 1, each in range).
    /// </summary>
    private static void KeypointSchema(JsonElement e, long id, string name, LabelDocument document, Action<string, string> report)
    {
        if (!e.TryGetProperty("keypoints", out var names))
        {
            return;
        }

        if (names.ValueKind != JsonValueKind.Array || names.EnumerateArray().Any(n => n.ValueKind != JsonValueKind.String))
        {
            report(FindingCodes.LabelValueInvalid, $"category {id} ('{name}'): 'keypoints' is {Describe(names)}, not a list of keypoint names.");
            return;
        }

        var count = document.KeypointsPerCategory[id] = names.GetArrayLength();
        if (!e.TryGetProperty("skeleton", out var skeleton))
        {
            return;
        }

        if (skeleton.ValueKind != JsonValueKind.Array)
        {
            report(FindingCodes.LabelValueInvalid, $"category {id} ('{name}'): 'skeleton' is {Describe(skeleton)}, not a list of [from, to] edges.");
            return;
        }

        var k = 0;
        foreach (var edge in skeleton.EnumerateArray())
        {
            k++;
            if (edge.ValueKind != JsonValueKind.Array || edge.GetArrayLength() != 2
                || edge.EnumerateArray().Any(end => end.ValueKind != JsonValueKind.Number || !end.TryGetInt32(out var n) || n < 1 || n > count))
            {
                report(FindingCodes.LabelValueInvalid,
                    $"category {id} ('{name}'): skeleton edge {k} is {edge.GetRawText()}; an edge joins two of its {count} keypoints, numbered 1 to {count}.");
            }
        }
    }

    /// <summary>The labelled keypoints of a <c>keypoints</c> array (x, y, visibility triplets; visibility 0, 1 or 2), or null when it is malformed (reported).</summary>
    private static int? Keypoints(JsonElement keypoints, string where, Action<string, string> report)
    {
        if (keypoints.ValueKind != JsonValueKind.Array || keypoints.GetArrayLength() % 3 != 0)
        {
            report(FindingCodes.LabelValueInvalid, $"{where}: 'keypoints' must be a list of (x, y, visibility) triplets.");
            return null;
        }

        var values = keypoints.EnumerateArray().Select(Number).ToList();
        var labelled = 0;
        for (var i = 0; i < values.Count; i += 3)
        {
            if (values[i] is not { } x || values[i + 1] is not { } y || values[i + 2] is not { } v || v is not (0 or 1 or 2) || x < 0 || y < 0)
            {
                report(FindingCodes.LabelValueInvalid, $"{where}: keypoint {(i / 3) + 1} is not an (x ≥ 0, y ≥ 0, visibility 0/1/2) triplet.");
                return null;
            }

            labelled += v > 0 ? 1 : 0;
        }

        return labelled;
    }

    private static void Element(Section section, JsonElement e, LabelDocument document, Action<string, string> report, bool keepSegmentation)
    {
        var index = section switch
        {
            Section.Images => document.Images.Count,
            Section.Annotations => document.Boxes.Count,
            _ => document.Categories.Count,
        };
        var where = $"{section.ToString().ToLowerInvariant()}[{index}]";
        if (e.ValueKind != JsonValueKind.Object)
        {
            report(FindingCodes.LabelFileInvalid, $"{where} is {e.ValueKind}, not an object.");
            return;
        }

        switch (section)
        {
            case Section.Categories:
                if (Id(e, "id", where, report, required: true) is { } categoryId && Text(e, "name", where, report) is { } categoryName)
                {
                    document.Categories.Add(new LabelCategory(categoryId, categoryName, e.TryGetProperty("supercategory", out var super) && super.ValueKind == JsonValueKind.String ? super.GetString() : null));
                    KeypointSchema(e, categoryId, categoryName, document, report);
                }

                break;

            case Section.Images:
                if (Id(e, "id", where, report, required: true) is { } imageId && Text(e, "file_name", where, report) is { } fileName)
                {
                    document.Images.Add(new LabelImage(imageId, fileName, Size(e, "width", where, report), Size(e, "height", where, report)));
                }

                break;

            case Section.Annotations:
                var id = Id(e, "id", where, report, required: false) ?? index + 1;
                where = $"annotation {id}";
                if (OtherTask(e, where, document, report))
                {
                    return;
                }

                if (Id(e, "image_id", where, report, required: true) is not { } image || Id(e, "category_id", where, report, required: true) is not { } category)
                {
                    return;
                }

                if (!e.TryGetProperty("bbox", out var bbox) && !e.TryGetProperty("segmentation", out _))
                {
                    document.ImageLevelLabels++; // a label for the whole image: no box to check
                    return;
                }

                if (e.TryGetProperty("keypoints", out var keypoints) && Keypoints(keypoints, where, report) is { } labelled)
                {
                    document.Keypoints += labelled;
                    document.KeypointAnnotations.Add((id, category, keypoints.GetArrayLength() / 3));
                }

                if (bbox.ValueKind != JsonValueKind.Array || bbox.GetArrayLength() != 4)
                {
                    report(FindingCodes.LabelValueInvalid, $"{where}: 'bbox' must be an array of four numbers [x, y, width, height].");
                    return;
                }

                var values = new double[4];
                for (var i = 0; i < 4; i++)
                {
                    if (Number(bbox[i]) is not { } value)
                    {
                        report(FindingCodes.LabelValueInvalid, $"{where}: bbox[{i}] is {Describe(bbox[i])}, not a number.");
                        return;
                    }

                    values[i] = value;
                }

                // iscrowd 0 is every COCO annotation's default (and what the writer writes when absent): not kept.
                Dictionary<string, string>? attributes = null;
                if (e.TryGetProperty("iscrowd", out var crowd) && crowd.GetRawText() != "0")
                {
                    attributes = new() { ["iscrowd"] = crowd.GetRawText() };
                }

                if (e.TryGetProperty("attributes", out var attrs) && attrs.ValueKind == JsonValueKind.Object)
                {
                    foreach (var a in attrs.EnumerateObject())
                    {
                        (attributes ??= [])[a.Name] = a.Value.ValueKind == JsonValueKind.String ? a.Value.GetString()! : a.Value.GetRawText();
                    }
                }

                if (e.TryGetProperty("segmentation", out var shape) && shape.ValueKind == JsonValueKind.Array
                    && SegmentationProblem(System.Text.Encoding.UTF8.GetBytes(shape.GetRawText())) is { } problem)
                {
                    report(FindingCodes.LabelValueInvalid, $"{where}: 'segmentation' {problem}.");
                    return;
                }

                var annotator = e.TryGetProperty("annotator", out var who) ? (who.ValueKind == JsonValueKind.String ? who.GetString() : who.GetRawText()) : null;
                var segmentation = keepSegmentation && e.TryGetProperty("segmentation", out var seg) && seg.ValueKind is JsonValueKind.Array or JsonValueKind.Object ? seg.GetRawText() : null;
                document.Boxes.Add(new LabelBox(id, image, category, values[0], values[1], values[2], values[3], annotator, segmentation, attributes));
                break;
        }
    }

    private static long? Id(JsonElement e, string property, string where, Action<string, string> report, bool required)
    {
        if (!e.TryGetProperty(property, out var value))
        {
            if (required)
            {
                report(FindingCodes.LabelValueInvalid, $"{where} has no '{property}'.");
            }

            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var id))
        {
            report(FindingCodes.LabelValueInvalid, $"{where}: '{property}' is {Describe(value)}, not an integer id.");
            return null;
        }

        if (id < 0)
        {
            report(FindingCodes.LabelValueInvalid, $"{where}: '{property}' is negative ({id}).");
            return null;
        }

        return id;
    }

    private static string? Text(JsonElement e, string property, string where, Action<string, string> report)
    {
        if (e.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text)
        {
            return text;
        }

        report(FindingCodes.LabelValueInvalid, $"{where}: '{property}' must be a non-empty string.");
        return null;
    }

    private static int? Size(JsonElement e, string property, string where, Action<string, string> report)
    {
        if (!e.TryGetProperty(property, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var size) && size > 0)
        {
            return size;
        }

        report(FindingCodes.LabelValueInvalid, $"{where}: '{property}' is {Describe(value)}, not a positive integer.");
        return null;
    }

    /// <summary>A JSON number, or one of Python's non-finite literals (quoted on the way in by <see cref="PythonLiteralStream"/>).</summary>
    private static double? Number(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => value.GetDouble(),
        JsonValueKind.String when value.GetString() is { } s && PythonLiteralStream.IsLiteral(s) =>
            double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture),
        _ => null,
    };

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"the text \"{Truncate(value.GetString()!)}\"",
        JsonValueKind.Number => value.GetRawText(),
        _ => value.ValueKind.ToString().ToLowerInvariant(),
    };

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
