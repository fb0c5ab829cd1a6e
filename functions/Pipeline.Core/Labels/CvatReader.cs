using System.Globalization;
using System.Xml;
using Pipeline.Core.Findings;

namespace Pipeline.Core.Labels;

/// <summary>
/// Reads CVAT's "CVAT for images 1.1" XML export into the label model: the labels of <c>meta/task/labels</c> (or
/// <c>meta/project/labels</c>) as categories, each <c>&lt;image&gt;</c> with its size, and its shapes: a
/// <c>&lt;box&gt;</c> (xtl, ytl, xbr, ybr) as a box; a <c>&lt;polygon&gt;</c>, <c>&lt;polyline&gt;</c> or
/// <c>&lt;points&gt;</c> (<c>points="x,y;x,y"</c>) as the box that bounds it; a <c>&lt;tag&gt;</c> as an image-level
/// label. <c>occluded</c>, <c>z_order</c> and the shape's <c>&lt;attribute&gt;</c> children are kept as attributes.
/// The XML reader is the one <see cref="VocReader"/> uses: no DTD, nothing resolved.
/// </summary>
internal static class CvatReader
{
    /// <summary>Reads a CVAT file whose reader stands on its <c>&lt;annotations&gt;</c> root.</summary>
    public static void Read(XmlReader xml, string name, LabelDocument document)
    {
        var shapes = 0;
        while (xml.Read())
        {
            if (xml.NodeType != XmlNodeType.Element)
            {
                continue;
            }

            if (xml.LocalName == "label" && xml.Depth >= 3)
            {
                // meta/task/labels/label or meta/project/labels/label: its <name> child.
                using var label = xml.ReadSubtree();
                while (label.Read())
                {
                    if (label.NodeType == XmlNodeType.Element && label.LocalName == "name" && label.Depth == 1)
                    {
                        document.CategoryNamed(label.ReadElementContentAsString().Trim());
                        break;
                    }
                }

                continue;
            }

            if (xml.LocalName != "image" || xml.Depth != 1)
            {
                continue;
            }

            var fileName = xml.GetAttribute("name") ?? string.Empty;
            var imageId = document.Images.Count;
            document.Images.Add(new LabelImage(imageId, fileName, Int(xml.GetAttribute("width")), Int(xml.GetAttribute("height"))));
            document.SourceOfImage.TryAdd(fileName, name);
            if (xml.IsEmptyElement)
            {
                continue;
            }

            using var image = xml.ReadSubtree();
            image.Read();
            while (image.Read())
            {
                if (image.NodeType != XmlNodeType.Element || image.Depth != 1)
                {
                    continue;
                }

                var kind = image.LocalName;
                var where = $"{name} image '{fileName}' {kind} {++shapes}";
                var labelName = image.GetAttribute("label");
                if (string.IsNullOrEmpty(labelName))
                {
                    document.Findings.Add(Invalid(name, $"{where} has no label."));
                    continue;
                }

                if (kind == "tag")
                {
                    document.CategoryNamed(labelName);
                    document.ImageLevelLabels++;
                    continue;
                }

                var bounds = kind switch
                {
                    "box" => Box(image),
                    "polygon" or "polyline" or "points" => Bounds(image.GetAttribute("points")),
                    _ => null,
                };
                if (kind is not ("box" or "polygon" or "polyline" or "points"))
                {
                    continue; // ellipses, cuboids, masks, skeletons: not read here
                }

                if (bounds is not { } b)
                {
                    document.Findings.Add(Invalid(name, $"{where}: its coordinates are missing or not numbers."));
                    continue;
                }

                var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var flag in new[] { "occluded", "z_order" })
                {
                    if (image.GetAttribute(flag) is { } value && value != "0")
                    {
                        attributes[flag] = value;
                    }
                }

                var category = document.CategoryNamed(labelName);
                if (!image.IsEmptyElement)
                {
                    using var children = image.ReadSubtree();
                    while (children.Read())
                    {
                        if (children.NodeType == XmlNodeType.Element && children.LocalName == "attribute" && children.GetAttribute("name") is { } attribute)
                        {
                            attributes[attribute] = children.ReadElementContentAsString();
                        }
                    }
                }

                document.Boxes.Add(new LabelBox(document.Boxes.Count + 1, imageId, category, b.X, b.Y, b.Width, b.Height, Attributes: attributes.Count > 0 ? attributes : null));
            }
        }
    }

    private static Finding Invalid(string file, string message) => new(FindingCodes.LabelValueInvalid, Severity.Error, null, null, message, file);

    private static int? Int(string? text) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static double? Number(string? text) => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static (double X, double Y, double Width, double Height)? Box(XmlReader shape) =>
        (Number(shape.GetAttribute("xtl")), Number(shape.GetAttribute("ytl")), Number(shape.GetAttribute("xbr")), Number(shape.GetAttribute("ybr"))) is ({ } l, { } t, { } r, { } b)
            ? (l, t, r - l, b - t)
            : null;

    private static (double X, double Y, double Width, double Height)? Bounds(string? points)
    {
        if (string.IsNullOrWhiteSpace(points))
        {
            return null;
        }

        var xs = new List<double>();
        var ys = new List<double>();
        foreach (var point in points.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = point.Split(',');
            if (parts.Length != 2 || Number(parts[0]) is not { } x || Number(parts[1]) is not { } y)
            {
                return null;
            }

            xs.Add(x);
            ys.Add(y);
        }

        return (xs.Min(), ys.Min(), xs.Max() - xs.Min(), ys.Max() - ys.Min());
    }
}
