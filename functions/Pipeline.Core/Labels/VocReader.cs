using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Pipeline.Core.Findings;

namespace Pipeline.Core.Labels;

/// <summary>
/// Reads Pascal VOC XML annotation files (one per image) into one model. The XML reader prohibits DTDs and
/// resolves nothing, so an external entity or an entity-expansion bomb is refused before it is expanded. Boxes
/// are kept as VOC gives them: left = xmin, top = ymin, width = xmax − xmin, height = ymax − ymin. Labels get
/// ids in order of first use.
/// </summary>
public static class VocReader
{
    private static readonly string[] FlagAttributes = ["truncated", "difficult", "occluded"];

    /// <summary>Reads the files (<paramref name="files"/>: file name → stream) into one document.</summary>
    public static LabelDocument Read(IEnumerable<(string Name, Stream Content)> files)
    {
        var document = new LabelDocument { Format = LabelFormat.Voc };
        var (read, cvat) = (0, 0);
        foreach (var (name, content) in files)
        {
            read++;
            cvat += ReadOne(document, name, content) ? 1 : 0;
        }

        document.Format = read > 0 && cvat == read ? LabelFormat.Cvat : LabelFormat.Voc;
        return document;
    }

    /// <summary>Reads one file; true when it was a CVAT file (root <c>&lt;annotations&gt;</c>) rather than VOC.</summary>
    private static bool ReadOne(LabelDocument document, string name, Stream content)
    {
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            IgnoreComments = true,
            IgnoreWhitespace = true,
            IgnoreProcessingInstructions = true,
            MaxCharactersInDocument = 64L * 1024 * 1024,
        };
        var boxes = new List<LabelBox>();
        var findings = new List<Finding>();
        string? fileName = null;
        int? width = null, height = null;
        try
        {
            using var xml = XmlReader.Create(content, settings);
            xml.MoveToContent();
            if (xml.LocalName == "annotations")
            {
                CvatReader.Read(xml, name, document);
                return true;
            }

            if (xml.LocalName != "annotation")
            {
                throw new FormatException($"the root element is <{xml.LocalName}>, not <annotation> (VOC) or <annotations> (CVAT)");
            }

            var objectNumber = 0;
            xml.Read();
            while (!xml.EOF && !(xml.NodeType == XmlNodeType.EndElement && xml.Depth == 0))
            {
                if (xml.NodeType != XmlNodeType.Element || xml.Depth != 1)
                {
                    xml.Read();
                    continue;
                }

                switch (xml.LocalName)
                {
                    case "filename":
                        fileName = xml.ReadElementContentAsString().Trim(); // already on the next node
                        continue;
                    case "size":
                        var size = Children(xml);
                        width = Positive(size, "width", name, findings);
                        height = Positive(size, "height", name, findings);
                        break;
                    case "object":
                        objectNumber++;
                        var o = XElement.Load(xml.ReadSubtree());
                        if (Object(o, objectNumber, name, document.Images.Count, document, findings) is { } box)
                        {
                            boxes.Add(box);
                        }

                        break;
                    default:
                        xml.Skip(); // on to the next sibling
                        continue;
                }

                xml.Read();
            }
        }
        catch (Exception ex) when (ex is XmlException or FormatException)
        {
            var reason = ex.Message.Contains("DTD", StringComparison.OrdinalIgnoreCase)
                ? "a DTD (and so any entity it declares) is not allowed"
                : ex.Message;
            document.Findings.Add(new Finding(FindingCodes.LabelFileInvalid, Severity.Error, null, null, $"'{name}' cannot be read as Pascal VOC or CVAT XML: {reason}.", name));
            return false;
        }

        var imageId = document.Images.Count;
        var image = new LabelImage(imageId, fileName is { Length: > 0 } ? fileName : Path.ChangeExtension(name, ".jpg"), width, height);
        document.Images.Add(image);
        document.SourceOfImage.TryAdd(image.FileName, name);
        document.Boxes.AddRange(boxes);
        document.Findings.AddRange(findings);
        return false;
    }

    /// <summary>The child elements of the current element as name → text (nested elements flattened one level: bndbox/xmin → xmin).</summary>
    private static Dictionary<string, string> Children(XmlReader xml)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        using var sub = xml.ReadSubtree();
        sub.Read(); // the element itself
        sub.Read();
        while (!sub.EOF)
        {
            if (sub.NodeType != XmlNodeType.Element)
            {
                sub.Read();
                continue;
            }

            var element = sub.LocalName;
            if (sub.IsEmptyElement)
            {
                values.TryAdd(element, string.Empty);
                sub.Read();
                continue;
            }

            sub.Read(); // its text, or its first child element (handled on the next turn)
            if (sub.NodeType is XmlNodeType.Text or XmlNodeType.CDATA)
            {
                values.TryAdd(element, sub.Value.Trim());
            }
        }

        return values;
    }

    /// <summary>
    /// One <c>&lt;object&gt;</c>: its name and <c>bndbox</c>, the flags (<c>truncated</c>, <c>difficult</c>,
    /// <c>occluded</c>, 0 or 1) and <c>pose</c>; its parts (<c>&lt;part&gt;</c>, each a name and a box, as VOC's person
    /// layout writes them: kept as the attribute <c>parts</c>, "head 10 20 40 50;hand …", and counted); its actions
    /// (<c>&lt;actions&gt;</c>, one 0/1 element per action: kept as <c>action:{name}</c>); and the custom attributes CVAT
    /// writes (<c>&lt;attributes&gt;&lt;attribute&gt;&lt;name/&gt;&lt;value/&gt;</c>: kept by name).
    /// </summary>
    private static LabelBox? Object(XElement o, int number, string file, long imageId, LabelDocument document, List<Finding> findings)
    {
        var where = $"{file} object {number}";
        if (o.Element("name")?.Value.Trim() is not { Length: > 0 } label)
        {
            findings.Add(new Finding(FindingCodes.LabelValueInvalid, Severity.Error, null, null, $"{where} has no <name>.", file));
            return null;
        }

        if (Corners(o.Element("bndbox"), where, file, findings) is not { } corners)
        {
            return null;
        }

        var categoryId = document.CategoryNamed(label);
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in FlagAttributes.Append("pose"))
        {
            if (o.Element(key)?.Value.Trim() is { } value)
            {
                attributes[key] = value;
                if (key != "pose" && value is not ("0" or "1"))
                {
                    findings.Add(new Finding(FindingCodes.LabelAttributeInvalid, Severity.Warning, null, null, $"{where}: <{key}> is '{value}'; VOC allows 0 or 1.", file));
                }
            }
        }

        var parts = new List<string>();
        var index = 0;
        foreach (var part in o.Elements("part"))
        {
            var partName = part.Element("name")?.Value.Trim();
            var at = $"{where} part {++index}{(partName is { Length: > 0 } ? $" ('{partName}')" : string.Empty)}";
            if (partName is not { Length: > 0 })
            {
                findings.Add(new Finding(FindingCodes.LabelValueInvalid, Severity.Error, null, null, $"{at} has no <name>.", file));
                continue;
            }

            if (Corners(part.Element("bndbox"), at, file, findings) is { } p)
            {
                if (p.XMin < corners.XMin - 1 || p.YMin < corners.YMin - 1 || p.XMax > corners.XMax + 1 || p.YMax > corners.YMax + 1)
                {
                    findings.Add(new Finding(FindingCodes.LabelAttributeInvalid, Severity.Warning, null, null, $"{at} reaches outside its object's box.", file));
                }

                parts.Add(string.Join(' ', new[] { partName, Number(p.XMin), Number(p.YMin), Number(p.XMax), Number(p.YMax) }));
            }
        }

        if (parts.Count > 0)
        {
            attributes["parts"] = string.Join(';', parts);
            document.Parts += parts.Count;
        }

        foreach (var action in o.Element("actions")?.Elements() ?? [])
        {
            var value = action.Value.Trim();
            attributes[ActionPrefix + action.Name.LocalName] = value;
            if (value is not ("0" or "1"))
            {
                findings.Add(new Finding(FindingCodes.LabelAttributeInvalid, Severity.Warning, null, null, $"{where}: action <{action.Name.LocalName}> is '{value}'; VOC allows 0 or 1.", file));
            }
        }

        foreach (var attribute in o.Element("attributes")?.Elements("attribute") ?? [])
        {
            if (attribute.Element("name")?.Value.Trim() is { Length: > 0 } key && !attributes.ContainsKey(key))
            {
                attributes[key] = attribute.Element("value")?.Value.Trim() ?? string.Empty;
            }
        }

        return new LabelBox(number, imageId, categoryId, corners.XMin, corners.YMin, corners.XMax - corners.XMin, corners.YMax - corners.YMin,
            o.Element("annotator")?.Value.Trim(), null, attributes.Count == 0 ? null : attributes);
    }

    /// <summary>The prefix of an action's attribute: <c>action:jumping</c> is 1 when the person jumps.</summary>
    public const string ActionPrefix = "action:";

    private static (double XMin, double YMin, double XMax, double YMax)? Corners(XElement? box, string where, string file, List<Finding> findings)
    {
        var corners = new double[4];
        string[] keys = ["xmin", "ymin", "xmax", "ymax"];
        for (var i = 0; i < 4; i++)
        {
            if (box?.Element(keys[i])?.Value.Trim() is not { } text || !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out corners[i]))
            {
                findings.Add(new Finding(FindingCodes.LabelValueInvalid, Severity.Error, null, null, $"{where}: <{keys[i]}> is missing or not a number.", file));
                return null;
            }
        }

        return (corners[0], corners[1], corners[2], corners[3]);
    }

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static int? Positive(Dictionary<string, string> values, string key, string file, List<Finding> findings)
    {
        if (!values.TryGetValue(key, out var text))
        {
            return null;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0)
        {
            return value;
        }

        findings.Add(new Finding(FindingCodes.LabelValueInvalid, Severity.Error, null, null, $"{file}: <size><{key}> is '{text}', not a positive integer.", file));
        return null;
    }
}
