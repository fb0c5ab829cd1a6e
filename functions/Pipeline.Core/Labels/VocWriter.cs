using System.Globalization;
using System.Xml;

namespace Pipeline.Core.Labels;

/// <summary>
/// Writes the model as Pascal VOC: one <c>Annotations/{stem}.xml</c> per image, laid out as the devkit's files are
/// (<c>folder</c>, <c>filename</c>, <c>size</c>, <c>segmented</c>, then one <c>object</c> per box with <c>name</c>,
/// <c>pose</c>, <c>truncated</c>, <c>difficult</c>, <c>occluded</c> when known, and <c>bndbox</c> corners in pixels). A
/// normalised model (YOLO, Label Studio) is converted with its images' sizes; an image without a size cannot be.
/// </summary>
public static class VocWriter
{
    /// <summary>File name (<c>{stem}.xml</c>) → XML text, one per image of <paramref name="document"/>.</summary>
    public static Dictionary<string, string> Write(LabelDocument document)
    {
        var labels = document.Categories.GroupBy(c => c.Id).ToDictionary(g => g.Key, g => g.First().Name);
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

                xml.WriteStartElement("bndbox");
                xml.WriteElementString("xmin", Number(box.XMin));
                xml.WriteElementString("ymin", Number(box.YMin));
                xml.WriteElementString("xmax", Number(box.XMax));
                xml.WriteElementString("ymax", Number(box.YMax));
                xml.WriteEndElement();
                xml.WriteEndElement();
            }

            xml.WriteEndElement();
        }

        return text.ToString() + "\n";
    }

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>One object of a VOC annotation: its label, its corners in pixels and the attributes VOC knows (pose, truncated, difficult, occluded).</summary>
public sealed record VocObject(string Name, double XMin, double YMin, double XMax, double YMax, IReadOnlyDictionary<string, string>? Attributes = null);
