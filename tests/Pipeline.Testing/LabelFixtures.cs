using System.Globalization;
using System.Text;

namespace Pipeline.Testing;

/// <summary>Generated annotation files: deterministic, realistic in shape (several labels, varied box sizes), any size.</summary>
public static class LabelFixtures
{
    /// <summary>A COCO detection file as text (small sizes only; see <see cref="WriteCoco"/> for large ones).</summary>
    public static string CocoJson(int images, int boxesPerImage, int categories, int seed = 1)
    {
        using var stream = new MemoryStream();
        WriteCoco(stream, images, boxesPerImage, categories, seed);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>
    /// Streams a COCO detection file of <paramref name="images"/> 640×480 images with <paramref name="boxesPerImage"/>
    /// boxes each, labels drawn unevenly from <paramref name="categories"/>, boxes inside their images.
    /// </summary>
    public static void WriteCoco(Stream stream, int images, int boxesPerImage, int categories, int seed = 1)
    {
        var random = new Random(seed);
        using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
        writer.Write("{\"info\": {\"description\": \"generated\"},\n\"images\": [");
        for (var i = 0; i < images; i++)
        {
            writer.Write(string.Create(CultureInfo.InvariantCulture, $"{(i == 0 ? "" : ",")}\n{{\"id\": {i + 1}, \"file_name\": \"img{i + 1:D7}.jpg\", \"width\": 640, \"height\": 480}}"));
        }

        writer.Write("],\n\"annotations\": [");
        var id = 0;
        for (var i = 0; i < images; i++)
        {
            for (var b = 0; b < boxesPerImage; b++)
            {
                var w = 10 + random.Next(200);
                var h = 10 + random.Next(200);
                var x = random.Next(640 - w);
                var y = random.Next(480 - h);
                var category = 1 + (int)(categories * Math.Pow(random.NextDouble(), 2)); // uneven: low ids common
                writer.Write(string.Create(CultureInfo.InvariantCulture, $"{(id == 0 ? "" : ",")}\n{{\"id\": {++id}, \"image_id\": {i + 1}, \"category_id\": {Math.Min(category, categories)}, \"bbox\": [{x}, {y}, {w}, {h}], \"area\": {w * h}, \"iscrowd\": 0, \"segmentation\": [[{x}, {y}, {x + w}, {y}, {x + w}, {y + h}, {x}, {y + h}]]}}"));
            }
        }

        writer.Write("],\n\"categories\": [");
        for (var c = 1; c <= categories; c++)
        {
            writer.Write(string.Create(CultureInfo.InvariantCulture, $"{(c == 1 ? "" : ",")}\n{{\"id\": {c}, \"name\": \"label{c}\", \"supercategory\": \"thing\"}}"));
        }

        writer.Write("]}\n");
    }
}
