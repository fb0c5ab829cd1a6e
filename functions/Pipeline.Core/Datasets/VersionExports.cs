using System.Formats.Tar;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Pipeline.Core.Datasets;

/// <summary>
/// The exports written beside a manifest, streamed from it (never held whole): COCO detection JSON, a YOLO archive
/// and a Pascal VOC archive. Class ids are the labels in ordinal order, the same in COCO and YOLO.
/// </summary>
public static class VersionExports
{
    /// <summary>Writes <c>annotations.coco.json</c> in three passes over the manifest (images, annotations, categories).</summary>
    public static async Task WriteCocoAsync(Func<Stream> openManifest, Stream output, CancellationToken cancellationToken)
    {
        var labels = await LabelsAsync(openManifest, cancellationToken);
        await using var json = new Utf8JsonWriter(output);
        json.WriteStartObject();
        json.WriteStartObject("info");
        json.WriteString("description", "Published by the vision DataOps pipeline; file_name is the path relative to the dataset folder.");
        json.WriteEndObject();
        json.WriteStartArray("images");
        var id = 0;
        await foreach (var entry in ReadAsync(openManifest, cancellationToken))
        {
            json.WriteStartObject();
            json.WriteNumber("id", ++id);
            json.WriteString("file_name", entry.Path);
            json.WriteNumber("width", entry.Width);
            json.WriteNumber("height", entry.Height);
            json.WriteString("split", entry.Split);
            json.WriteString("sha256", entry.Sha256);
            json.WriteEndObject();
            await FlushIfFullAsync(json, cancellationToken);
        }

        json.WriteEndArray();
        json.WriteStartArray("annotations");
        var (image, annotation) = (0, 0);
        await foreach (var entry in ReadAsync(openManifest, cancellationToken))
        {
            image++;
            foreach (var box in entry.Labels)
            {
                json.WriteStartObject();
                json.WriteNumber("id", ++annotation);
                json.WriteNumber("image_id", image);
                json.WriteNumber("category_id", labels[box.Label]);
                json.WriteStartArray("bbox");
                json.WriteNumberValue(box.X);
                json.WriteNumberValue(box.Y);
                json.WriteNumberValue(box.Width);
                json.WriteNumberValue(box.Height);
                json.WriteEndArray();
                json.WriteNumber("area", box.Width * box.Height);
                json.WriteNumber("iscrowd", 0);
                json.WriteEndObject();
            }

            await FlushIfFullAsync(json, cancellationToken);
        }

        json.WriteEndArray();
        json.WriteStartArray("categories");
        foreach (var (name, category) in labels)
        {
            json.WriteStartObject();
            json.WriteNumber("id", category);
            json.WriteString("name", name);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>
    /// Writes <c>yolo.tar</c>: <c>data.yaml</c> (class names; train, val and test lists), <c>{split}.txt</c> (image
    /// paths), and <c>labels/{sha256}.txt</c> per image (class, centre and size as fractions). Unpacked in the
    /// dataset folder beside <c>images/</c>, it is the Ultralytics layout. Entries (ustar, no extended attributes) carry a fixed time, so the
    /// same manifest gives the same archive.
    /// </summary>
    public static async Task WriteYoloAsync(Func<Stream> openManifest, Stream output, CancellationToken cancellationToken)
    {
        var labels = await LabelsAsync(openManifest, cancellationToken);
        var index = labels.Keys.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);
        var splits = new SortedDictionary<string, StringBuilder>(StringComparer.Ordinal);
        await using var tar = new TarWriter(output, TarEntryFormat.Ustar, leaveOpen: true);
        await foreach (var entry in ReadAsync(openManifest, cancellationToken))
        {
            var text = new StringBuilder();
            foreach (var box in entry.Labels)
            {
                text.Append(CultureInfo.InvariantCulture, $"{index[box.Label]} {(box.X + (box.Width / 2)) / entry.Width:0.######} {(box.Y + (box.Height / 2)) / entry.Height:0.######} {box.Width / entry.Width:0.######} {box.Height / entry.Height:0.######}\n");
            }

            await AddAsync(tar, $"labels/{entry.Sha256}.txt", text.ToString(), cancellationToken);
            (splits.TryGetValue(entry.Split, out var list) ? list : splits[entry.Split] = new StringBuilder()).Append(entry.Path).Append('\n');
        }

        foreach (var (split, list) in splits)
        {
            await AddAsync(tar, $"{split}.txt", list.ToString(), cancellationToken);
        }

        var yaml = new StringBuilder("path: .\n");
        foreach (var split in SplitNames.All)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"{split}: {split}.txt\n");
        }

        yaml.Append("names:\n");
        foreach (var (name, i) in index.OrderBy(p => p.Value))
        {
            yaml.Append(CultureInfo.InvariantCulture, $"  {i}: {JsonSerializer.Serialize(name, PipelineJson.Options)}\n");
        }

        await AddAsync(tar, "data.yaml", yaml.ToString(), cancellationToken);
    }

    /// <summary>
    /// Writes <c>voc.tar</c>, a Pascal VOC devkit year folder: <c>Annotations/{id}.xml</c> per image (boxes in pixel
    /// corners, the image in <c>JPEGImages/{id}.{ext}</c>, <c>id</c> its SHA-256) and <c>ImageSets/Main/{split}.txt</c>
    /// (ids, one a line; <c>trainval.txt</c> as the devkit has it when there are both). Same manifest, same archive.
    /// </summary>
    public static async Task WriteVocAsync(Func<Stream> openManifest, Stream output, CancellationToken cancellationToken)
    {
        var splits = new SortedDictionary<string, StringBuilder>(StringComparer.Ordinal);
        await using var tar = new TarWriter(output, TarEntryFormat.Ustar, leaveOpen: true);
        await foreach (var entry in ReadAsync(openManifest, cancellationToken))
        {
            var id = System.IO.Path.GetFileNameWithoutExtension(entry.Path);
            var objects = entry.Labels.Select(b => new Labels.VocObject(b.Label, b.X, b.Y, b.X + b.Width, b.Y + b.Height));
            await AddAsync(tar, $"Annotations/{id}.xml", Labels.VocWriter.Annotation(System.IO.Path.GetFileName(entry.Path), entry.Width, entry.Height, objects), cancellationToken);
            (splits.TryGetValue(entry.Split, out var list) ? list : splits[entry.Split] = new StringBuilder()).Append(id).Append('\n');
        }

        if (splits.TryGetValue(SplitNames.Train, out var train) && splits.TryGetValue(SplitNames.Val, out var val))
        {
            splits["trainval"] = new StringBuilder().Append(train).Append(val);
        }

        foreach (var (split, list) in splits)
        {
            await AddAsync(tar, $"ImageSets/Main/{split}.txt", list.ToString(), cancellationToken);
        }
    }

    /// <summary>The version's labels in ordinal order with their COCO ids (1-based; YOLO uses the id − 1).</summary>
    private static async Task<SortedDictionary<string, int>> LabelsAsync(Func<Stream> openManifest, CancellationToken cancellationToken)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        await foreach (var entry in ReadAsync(openManifest, cancellationToken))
        {
            names.UnionWith(entry.Labels.Select(b => b.Label));
        }

        var ids = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            ids[name] = ids.Count + 1;
        }

        return ids;
    }

    private static async IAsyncEnumerable<ManifestEntry> ReadAsync(Func<Stream> openManifest, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var stream = openManifest();
        await foreach (var entry in DatasetManifest.ReadAsync(stream, cancellationToken))
        {
            yield return entry;
        }
    }

    private static async Task AddAsync(TarWriter tar, string name, string text, CancellationToken cancellationToken)
    {
        var entry = new UstarTarEntry(TarEntryType.RegularFile, name)
        {
            DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)),
            ModificationTime = DateTimeOffset.UnixEpoch,
            Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
        };
        await tar.WriteEntryAsync(entry, cancellationToken);
    }

    private static async Task FlushIfFullAsync(Utf8JsonWriter json, CancellationToken cancellationToken)
    {
        if (json.BytesPending > 1 << 16)
        {
            await json.FlushAsync(cancellationToken);
        }
    }
}
