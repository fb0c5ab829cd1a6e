using System.Text.Json;

namespace Pipeline.Core.Labels;

/// <summary>The streaming half of the COCO reader: the walk over the top-level object, and the fast path for plain annotations.</summary>
public static partial class CocoReader
{
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
}
