using System.Text.Json;

namespace Pipeline.Core.Labels;

/// <summary>
/// Writes a model as COCO detection JSON, streaming (promotion's export). Boxes must be in pixels: a normalised
/// (YOLO) model is converted with its images' sizes, and a box whose image has no size cannot be written.
/// </summary>
public static class CocoWriter
{
    /// <summary>Writes <paramref name="document"/> to <paramref name="stream"/>.</summary>
    public static void Write(LabelDocument document, Stream stream)
    {
        var sizes = document.Images.ToDictionary(i => i.Id);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false, SkipValidation = false });
        json.WriteStartObject();
        json.WriteStartArray("images");
        foreach (var image in document.Images)
        {
            json.WriteStartObject();
            json.WriteNumber("id", image.Id);
            json.WriteString("file_name", image.FileName);
            if (image.Width is { } w)
            {
                json.WriteNumber("width", w);
            }

            if (image.Height is { } h)
            {
                json.WriteNumber("height", h);
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("annotations");
        foreach (var box in document.Boxes)
        {
            var (x, y, w, h) = (box.X, box.Y, box.Width, box.Height);
            if (document.Normalized)
            {
                if (!sizes.TryGetValue(box.ImageId, out var image) || image is not { Width: { } iw, Height: { } ih })
                {
                    throw new InvalidOperationException($"Annotation {box.Id} is normalised and its image's size is unknown; COCO needs pixels.");
                }

                (x, y, w, h) = (x * iw, y * ih, w * iw, h * ih);
            }

            json.WriteStartObject();
            json.WriteNumber("id", box.Id);
            json.WriteNumber("image_id", box.ImageId);
            json.WriteNumber("category_id", box.CategoryId);
            json.WriteStartArray("bbox");
            foreach (var v in new[] { x, y, w, h })
            {
                json.WriteNumberValue(v);
            }

            json.WriteEndArray();
            json.WriteNumber("area", w * h);
            var attributes = box.Attributes ?? new Dictionary<string, string>();
            json.WritePropertyName("iscrowd");
            json.WriteRawValue(attributes.GetValueOrDefault("iscrowd", "0"));
            if (attributes.Keys.Any(k => k != "iscrowd"))
            {
                json.WriteStartObject("attributes");
                foreach (var (key, value) in attributes.Where(a => a.Key != "iscrowd").OrderBy(a => a.Key, StringComparer.Ordinal))
                {
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }

            if (box.Annotator is { } annotator)
            {
                json.WriteString("annotator", annotator);
            }

            if (box.Segmentation is { } segmentation)
            {
                json.WritePropertyName("segmentation");
                json.WriteRawValue(segmentation);
            }

            json.WriteEndObject();
            if (json.BytesPending > 1 << 16)
            {
                json.Flush();
            }
        }

        json.WriteEndArray();
        json.WriteStartArray("categories");
        foreach (var category in document.Categories)
        {
            json.WriteStartObject();
            json.WriteNumber("id", category.Id);
            json.WriteString("name", category.Name);
            if (category.Supercategory is { } super)
            {
                json.WriteString("supercategory", super);
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }
}
