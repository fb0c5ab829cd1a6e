using System.Globalization;
using System.Xml;

namespace Pipeline.Core.Labels;

/// <summary>
/// Writes the model as Pascal VOC: one <c>Annotations/{stem}.xml</c> per image, laid out as the devkit's files are
/// (<c>folder</c>, <c>filename</c>, <c>size</c>, <c>segmented</c>, then one <c>object</c> per box with <c>name</c>,
/// <c>pose</c>, <c>truncated</c>, <c>difficult</c>, <c>occluded</c> when known, <c>bndbox</c> corners in pixels, then its
/// parts, actions and custom attributes as <see cref="VocReader"/> keeps them). A
/// normalised model (YOLO, Label Studio) is converted with its images' sizes; an image without a size cannot be.
/// </summary>
public static class VocWriter
{
    /// <summary>File name (<c>{stem}.xml</c>) → XML text, one per image of <paramref name="document"/>.</summary>
    public static Dictionary<string, string> Write(LabelDocument document)
    {
        var labels = document.CategoryNames();
        var boxes = document.Boxes.ToLookup(b => b.ImageId);
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var image in document.Images)
        {
            var (sx, sy) = document.Normalized
                ? (image.Width ?? throw new InvalidOperationException($"'{image.FileName}' has no width: a normalised box cannot be written in pixels."),
                   image.Height ?? throw new InvalidOperationException($"'{image.FileName}' has no height: a normalised box cannot be written in pixels."))
                : (1, 1);
            var objects = boxes[image.Id].Where(b => labels.ContainsKey(b.CategoryId))
                .Select(b => new VocObject(labels[b.CategoryId], b.X * sx, b.Y * sy, (b.X + b.Width) * sx, (b.Y + b.Height) * sy, b.Attributes));
            files[Path.ChangeExtension(Path.GetFileName(image.FileName), ".xml")] = Annotation(Path.GetFileName(image.FileName), image.Width, image.Height, objects);
        }

        return files;
    }

    /// <summary>One image's annotation file, its image in the devkit's <c>JPEGImages</c> folder.</summary>
    public static string Annotation(string fileName, int? width, int? height, IEnumerable<VocObject> objects)
    {
        var settings = new XmlWriterSettings { Indent = true, IndentChars = "\t", OmitXmlDeclaration = true };
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var xml = XmlWriter.Create(text, settings))
        {
            xml.WriteStartElement("annotation");
            xml.WriteElementString("folder", "JPEGImages");
            xml.WriteElementString("filename", fileName);
            if (width is { } w && height is { } h)
            {
                xml.WriteStartElement("size");
                xml.WriteElementString("width", w.ToString(CultureInfo.InvariantCulture));
                xml.WriteElementString("height", h.ToString(CultureInfo.InvariantCulture));
                xml.WriteElementString("depth", "3");
                xml.WriteEndElement();
            }

            xml.WriteElementString("segmented", "0");
            foreach (var box in objects)
            {
                xml.WriteStartElement("object");
                xml.WriteElementString("name", box.Name);
                foreach (var key in new[] { "pose", "truncated", "difficult", "occluded" })
                {
                    if (box.Attributes?.TryGetValue(key, out var value) == true)
                    {
                        xml.WriteElementString(key, value);
                    }
                }

                BoundingBox(xml, box.XMin, box.YMin, box.XMax, box.YMax);
                foreach (var part in (box.Attributes?.GetValueOrDefault("parts") ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries))
                {
                    var values = part.Split(' ');
                    xml.WriteStartElement("part");
                    xml.WriteElementString("name", values[0]);
                    BoundingBox(xml, values[1], values[2], values[3], values[4]);
                    xml.WriteEndElement();
                }

                var actions = box.Attributes?.Where(a => a.Key.StartsWith(VocReader.ActionPrefix, StringComparison.Ordinal)).ToList() ?? [];
                if (actions.Count > 0)
                {
                    xml.WriteStartElement("actions");
                    actions.ForEach(a => xml.WriteElementString(a.Key[VocReader.ActionPrefix.Length..], a.Value));
                    xml.WriteEndElement();
                }

                var custom = box.Attributes?.Where(a => !Known.Contains(a.Key) && !a.Key.StartsWith(VocReader.ActionPrefix, StringComparison.Ordinal)).ToList() ?? [];
                if (custom.Count > 0)
                {
                    // As CVAT's VOC export writes an object's own attributes.
                    xml.WriteStartElement("attributes");
                    foreach (var (key, value) in custom)
                    {
                        xml.WriteStartElement("attribute");
                        xml.WriteElementString("name", key);
                        xml.WriteElementString("value", value);
                        xml.WriteEndElement();
                    }

                    xml.WriteEndElement();
                }

                xml.WriteEndElement();
            }

            xml.WriteEndElement();
        }

        return text.ToString() + "\n";
    }

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>The attributes written as VOC's own elements, not as custom attributes.</summary>
    private static readonly HashSet<string> Known = new(StringComparer.Ordinal) { "pose", "truncated", "difficult", "occluded", "parts" };

    private static void BoundingBox(XmlWriter xml, double xMin, double yMin, double xMax, double yMax) =>
        BoundingBox(xml, Number(xMin), Number(yMin), Number(xMax), Number(yMax));

    private static void BoundingBox(XmlWriter xml, string xMin, string yMin, string xMax, string yMax)
    {
        xml.WriteStartElement("bndbox");
        xml.WriteElementString("xmin", xMin);
        xml.WriteElementString("ymin", yMin);
        xml.WriteElementString("xmax", xMax);
        xml.WriteElementString("ymax", yMax);
        xml.WriteEndElement();
    }
}

/// <summary>One object of a VOC annotation: its label, its corners in pixels and the attributes VOC knows (pose, truncated, difficult, occluded).</summary>
public sealed record VocObject(string Name, double XMin, double YMin, double XMax, double YMax, IReadOnlyDictionary<string, string>? Attributes = null);
