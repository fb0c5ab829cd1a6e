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
public static class CocoReader
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

    /// <summary>Walks the top-level object; returns whether it had any of the COCO sections.</summary>
    private static bool Walk(Stream stream, string source, LabelDocument document, Action<string, string> report, bool keepSegmentation)
    {
        var sawSection = false;
        var buffer = new byte[64 * 1024];
        var length = 0;
        var final = false;
        var state = new JsonReaderState(Deep);
        var phase = Phase.Start;
        var section = Section.None;
        while (phase != Phase.Done)
        {
            while (!final && length < buffer.Length)
            {
                var read = stream.Read(buffer, length, buffer.Length - length);
                final = read == 0;
                length += read;
            }

            var reader = new Utf8JsonReader(buffer.AsSpan(0, length), final, state);
            bool progressed;
            try
            {
                progressed = Step(ref reader, buffer, ref phase, ref section, ref sawSection, document, report, keepSegmentation);
            }
            catch (JsonException) when (final && IsValidPrefix(buffer.AsSpan(0, length), state))
            {
                progressed = false; // the input stops mid-document: reported as truncated below
            }

            var consumed = (int)reader.BytesConsumed;
            state = reader.CurrentState;
            if (phase == Phase.Done)
            {
                // Only whitespace may follow the top-level object.
                if (!IsWhitespace(buffer.AsSpan(consumed, length - consumed)) || (!final && !RestIsWhitespace(stream)))
                {
                    throw new InvalidDataException($"'{source}' has data after its top-level object.");
                }

                return sawSection;
            }

            if (final && !progressed)
            {
                throw new InvalidDataException($"'{source}' ends in the middle of its JSON (truncated after {length:N0} bytes).");
            }

            if (consumed == 0 && length == buffer.Length)
            {
                if (buffer.Length >= MaxElementBytes)
                {
                    throw new InvalidDataException($"'{source}' has one element larger than {MaxElementBytes / 1048576} MiB.");
                }

                Array.Resize(ref buffer, buffer.Length * 2);
            }

            buffer.AsSpan(consumed, length - consumed).CopyTo(buffer);
            length -= consumed;
        }

        return sawSection;
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

    /// <summary>The first byte that is not whitespace or a byte-order mark, and a stream that gives back everything read so far and the rest.</summary>
    private static (byte? First, Stream Replay) FirstToken(Stream stream)
    {
        var head = new List<byte>();
        int next;
        while ((next = stream.ReadByte()) >= 0)
        {
            head.Add((byte)next);
            if (next is not (' ' or '\t' or '\r' or '\n' or 0xEF or 0xBB or 0xBF) || head.Count >= 4096)
            {
                break;
            }
        }

        var replay = new PrefixedStream([.. head], stream);
        return (next >= 0 ? (byte)next : null, replay);
    }

    /// <summary>A read-only stream of some bytes already taken from a stream, then the rest of it.</summary>
    private sealed class PrefixedStream(byte[] prefix, Stream rest) : Stream
    {
        private int position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (position < prefix.Length)
            {
                var n = Math.Min(count, prefix.Length - position);
                Array.Copy(prefix, position, buffer, offset, n);
                position += n;
                return n;
            }

            return rest.Read(buffer, offset, count);
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>How deep the reader follows nesting; deeper is reported as such, not as a truncated file.</summary>
    private const int MaxDepth = 256;

    private static readonly JsonReaderOptions Deep = new() { MaxDepth = MaxDepth };

    /// <summary>
    /// What is wrong with a segmentation given as an array, or null: COCO's polygons are a list of polygons, each a
    /// flat list of numbers (x1, y1, x2, y2, …); anything nested deeper is not a segmentation.
    /// </summary>
    private static string? SegmentationProblem(ReadOnlySpan<byte> array)
    {
        var reader = new Utf8JsonReader(array, Deep);
        var deepest = 0;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.StartArray)
            {
                deepest = Math.Max(deepest, reader.CurrentDepth + 1);
            }
            else if (reader.TokenType is not (JsonTokenType.EndArray or JsonTokenType.Number))
            {
                return $"holds {reader.TokenType.ToString().ToLowerInvariant()} values; polygons are lists of numbers";
            }
        }

        return deepest > 2 ? $"is nested {deepest} levels deep; COCO polygons are a list of lists of numbers (2 levels)" : null;
    }

    /// <summary>Whether the bytes are valid JSON that merely stops early (a truncated file, not a malformed one).</summary>
    private static bool IsValidPrefix(ReadOnlySpan<byte> bytes, JsonReaderState state)
    {
        var probe = new Utf8JsonReader(bytes, isFinalBlock: false, state);
        try
        {
            while (probe.Read())
            {
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool IsWhitespace(ReadOnlySpan<byte> bytes) => bytes.Trim(" \t\r\n"u8).IsEmpty;

    private static bool RestIsWhitespace(Stream stream)
    {
        var chunk = new byte[4096];
        int read;
        while ((read = stream.Read(chunk)) > 0)
        {
            if (!IsWhitespace(chunk.AsSpan(0, read)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Consumes as many whole units (a property with its value, an array element) as the buffer holds; leaves the
    /// reader at the last unit boundary. True when at least one unit was consumed or the document ended.
    /// </summary>
    private static bool Step(ref Utf8JsonReader reader, byte[] buffer, ref Phase phase, ref Section section, ref bool sawSection, LabelDocument document, Action<string, string> report, bool keepSegmentation)
    {
        var progressed = false;
        while (true)
        {
            var checkpoint = reader;
            switch (phase)
            {
                case Phase.Start:
                    if (!reader.Read())
                    {
                        return progressed;
                    }

                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        throw new InvalidDataException("A COCO file is a JSON object with images, annotations and categories; this one is not an object.");
                    }

                    phase = Phase.Root;
                    break;

                case Phase.Root:
                    if (!reader.Read())
                    {
                        return progressed;
                    }

                    if (reader.TokenType == JsonTokenType.EndObject)
                    {
                        phase = Phase.Done;
                        return true;
                    }

                    var name = reader.GetString();
                    section = name switch
                    {
                        "images" => Section.Images,
                        "annotations" => Section.Annotations,
                        "categories" => Section.Categories,
                        _ => Section.None,
                    };
                    if (!reader.Read() || (section == Section.None && !reader.TrySkip()))
                    {
                        reader = checkpoint;
                        return progressed;
                    }

                    if (section != Section.None)
                    {
                        sawSection = true;
                        if (reader.TokenType != JsonTokenType.StartArray)
                        {
                            throw new InvalidDataException($"COCO '{name}' must be an array; here it is {reader.TokenType}.");
                        }

                        phase = Phase.Array;
                    }

                    break;

                case Phase.Array:
                    if (section == Section.Annotations)
                    {
                        var attempt = reader;
                        var plain = TryPlainAnnotation(ref attempt, buffer, document, keepSegmentation);
                        if (plain == Plain.NeedMore)
                        {
                            return progressed;
                        }

                        if (plain == Plain.Read)
                        {
                            reader = attempt;
                            progressed = true;
                            continue;
                        }
                    }

                    if (!reader.Read())
                    {
                        return progressed;
                    }

                    if (reader.TokenType == JsonTokenType.EndArray)
                    {
                        phase = Phase.Root;
                        break;
                    }

                    var start = (int)reader.TokenStartIndex;
                    if (!reader.TrySkip())
                    {
                        reader = checkpoint;
                        return progressed;
                    }

                    var element = buffer.AsMemory(start, (int)reader.BytesConsumed - start);
                    using (var json = JsonDocument.Parse(element, new JsonDocumentOptions { MaxDepth = MaxDepth }))
                    {
                        Element(section, json.RootElement, document, report, keepSegmentation);
                    }

                    break;
            }

            progressed = true;
        }
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

    private enum Plain
    {
        Read,
        NotPlain,
        NeedMore,
    }

    /// <summary>An annotation's properties as the fast path sees them: the ones it reads, the ones it skips (any other), and <see cref="Other"/> (attributes, annotator, keypoints, …) that send it to the general path.</summary>
    private enum Property
    {
        Skipped,
        Id,
        ImageId,
        CategoryId,
        Bbox,
        IsCrowd,
        Segmentation,
        Other,
    }

    private static Property PropertyOf(ReadOnlySpan<byte> name) => name.Length switch
    {
        2 when name.SequenceEqual("id"u8) => Property.Id,
        4 when name.SequenceEqual("bbox"u8) => Property.Bbox,
        4 when name.SequenceEqual("area"u8) => Property.Skipped,
        7 when name.SequenceEqual("iscrowd"u8) => Property.IsCrowd,
        8 when name.SequenceEqual("image_id"u8) => Property.ImageId,
        11 when name.SequenceEqual("category_id"u8) => Property.CategoryId,
        12 when name.SequenceEqual("segmentation"u8) => Property.Segmentation,
        _ when name.SequenceEqual("attributes"u8) || name.SequenceEqual("annotator"u8) || name.SequenceEqual("keypoints"u8)
            || name.SequenceEqual("segments_info"u8) || name.SequenceEqual("caption"u8) => Property.Other,
        _ => Property.Skipped,
    };

    /// <summary>A number token: an integer the quick way, anything else as a double.</summary>
    private static bool TryNumber(ref Utf8JsonReader reader, out double value)
    {
        if (reader.TryGetInt32(out var whole))
        {
            value = whole;
            return true;
        }

        return reader.TryGetDouble(out value);
    }

    /// <summary>
    /// The fast path for the common annotation, read straight from the walk's reader (no second pass over its text):
    /// integer ids, four plain numbers in <c>bbox</c>, <c>iscrowd</c> 0, nothing else that needs keeping but the
    /// segmentation. Anything else is <see cref="Plain.NotPlain"/> and read by the general path, which also words the
    /// findings; an element the buffer does not hold whole is <see cref="Plain.NeedMore"/>. Only a
    /// <see cref="Plain.Read"/> changes the document.
    /// </summary>
    private static Plain TryPlainAnnotation(ref Utf8JsonReader reader, byte[] buffer, LabelDocument document, bool keepSegmentation)
    {
        if (!reader.Read())
        {
            return Plain.NeedMore;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return Plain.NotPlain;
        }

        long? id = null, image = null, category = null;
        double x = 0, y = 0, w = 0, h = 0;
        var boxRead = false;
        string? segmentation = null;
        while (true)
        {
            if (!reader.Read())
            {
                return Plain.NeedMore;
            }

            if (reader.TokenType == JsonTokenType.EndObject)
            {
                break;
            }

            if (reader.ValueIsEscaped)
            {
                return Plain.NotPlain;
            }

            var property = PropertyOf(reader.ValueSpan);
            if (property == Property.Bbox)
            {
                if (!reader.Read())
                {
                    return Plain.NeedMore;
                }

                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    return Plain.NotPlain;
                }

                for (var i = 0; i < 4; i++)
                {
                    if (!reader.Read())
                    {
                        return Plain.NeedMore;
                    }

                    if (reader.TokenType != JsonTokenType.Number || !TryNumber(ref reader, out var value))
                    {
                        return Plain.NotPlain;
                    }

                    _ = i switch { 0 => x = value, 1 => y = value, 2 => w = value, _ => h = value };
                }

                if (!reader.Read())
                {
                    return Plain.NeedMore;
                }

                if (reader.TokenType != JsonTokenType.EndArray)
                {
                    return Plain.NotPlain;
                }

                boxRead = true;
            }
            else if (property is Property.Id or Property.ImageId or Property.CategoryId)
            {
                if (!reader.Read())
                {
                    return Plain.NeedMore;
                }

                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var value) || value < 0)
                {
                    return Plain.NotPlain;
                }

                _ = property switch { Property.Id => id = value, Property.ImageId => image = value, _ => category = value };
            }
            else if (property == Property.IsCrowd)
            {
                if (!reader.Read())
                {
                    return Plain.NeedMore;
                }

                if (reader.TokenType != JsonTokenType.Number || !reader.ValueSpan.SequenceEqual("0"u8))
                {
                    return Plain.NotPlain;
                }
            }
            else if (property == Property.Other)
            {
                return Plain.NotPlain;
            }
            else if (property == Property.Segmentation)
            {
                if (!reader.Read())
                {
                    return Plain.NeedMore;
                }

                var start = (int)reader.TokenStartIndex;
                var kind = reader.TokenType;
                if (kind == JsonTokenType.StartArray)
                {
                    // Polygons: a list of lists of numbers, walked once; anything else goes to the general path, which words the problem.
                    var outer = reader.CurrentDepth;
                    while (true)
                    {
                        if (!reader.Read())
                        {
                            return Plain.NeedMore;
                        }

                        var token = reader.TokenType;
                        if (token == JsonTokenType.EndArray && reader.CurrentDepth == outer)
                        {
                            break;
                        }

                        if (token is not (JsonTokenType.Number or JsonTokenType.EndArray) && (token != JsonTokenType.StartArray || reader.CurrentDepth > outer + 1))
                        {
                            return Plain.NotPlain;
                        }
                    }
                }
                else if (!reader.TrySkip())
                {
                    return Plain.NeedMore;
                }

                var text = buffer.AsSpan(start, (int)reader.BytesConsumed - start);

                if (keepSegmentation && kind is JsonTokenType.StartArray or JsonTokenType.StartObject)
                {
                    segmentation = System.Text.Encoding.UTF8.GetString(text);
                }
            }
            else if (!reader.Read() || !reader.TrySkip())
            {
                return Plain.NeedMore;
            }
        }

        if (!boxRead || image is null || category is null)
        {
            return Plain.NotPlain;
        }

        document.Boxes.Add(new LabelBox(id ?? document.Boxes.Count + 1, image.Value, category.Value, x, y, w, h, null, segmentation));
        return Plain.Read;
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
