using Pipeline.Core.Findings;

namespace Pipeline.Core.Labels;

/// <summary>An annotation file found beside images: its path (relative, '/'-separated), length and a way to open it.</summary>
public sealed record LabelFile(string Path, long Length, Func<Stream> Open);

/// <summary>One annotation source read from a folder or batch: a COCO file, the YOLO label files with their class list, or the VOC files.</summary>
/// <param name="Source">The file dataset-level findings are filed under: the COCO file, YOLO's class list, the first VOC file.</param>
/// <param name="Document">The model, with the read's findings.</param>
/// <param name="Files">The annotation files it came from.</param>
public sealed record LabelSource(string Source, LabelDocument Document, IReadOnlyList<string> Files);

/// <summary>
/// Finds and reads the annotation files among a set of files: <c>*.json</c> is COCO, <c>*.xml</c> is VOC,
/// <c>*.txt</c> with label lines beside a <c>classes.txt</c>, <c>*.names</c> or <c>data.yaml</c> is YOLO (each label file pairs with the image of
/// the same stem). A file over the size cap is reported without being opened.
/// </summary>
public static class LabelFiles
{
    /// <summary>Whether the path is one this class reads (by its name: see <see cref="DatasetFiles.ByName"/>).</summary>
    public static bool IsLabelFile(string path) => DatasetFiles.ByName(path).Role == FileRole.Annotations;

    /// <summary>
    /// Reads every annotation source among <paramref name="files"/>. <paramref name="imageNames"/> (relative
    /// paths of the images beside them) pairs YOLO label files with their images' file names. A <c>.txt</c> file
    /// whose lines are not label lines (an image list, a split list, prose) is not read as labels: it goes to
    /// <paramref name="notLabels"/>, with what it is, when the caller asks.
    /// </summary>
    public static List<LabelSource> Read(
        IReadOnlyList<LabelFile> files, IReadOnlyCollection<string> imageNames, LabelQaOptions options, List<(string Path, FileKind Kind)>? notLabels = null)
    {
        var sources = new List<LabelSource>();
        var tooLarge = files.Where(f => f.Length > options.MaxFileBytes).ToList();
        foreach (var file in tooLarge)
        {
            var document = new LabelDocument { Format = FormatOf(file.Path) ?? LabelFormat.Coco };
            document.Findings.Add(new Finding(FindingCodes.LabelFileTooLarge, Severity.Error, file.Length, options.MaxFileBytes, $"'{file.Path}' is {file.Length:N0} bytes, over the {options.MaxFileBytes:N0}-byte cap; it was not read.", file.Path));
            sources.Add(new LabelSource(file.Path, document, [file.Path]));
        }

        var readable = files.Except(tooLarge).ToList();
        foreach (var coco in readable.Where(f => FormatOf(f.Path) == LabelFormat.Coco))
        {
            using var stream = coco.Open();
            var document = CocoReader.Read(stream, coco.Path, keepSegmentation: false);
            if (document.NotAnnotations)
            {
                notLabels?.Add((coco.Path, FileKind.Unrecognised));
                continue;
            }

            sources.Add(new LabelSource(coco.Path, document, [coco.Path]));
        }

        var voc = readable.Where(f => FormatOf(f.Path) == LabelFormat.Voc).OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
        if (voc.Count > 0)
        {
            var streams = voc.Select(f => (f.Path, Content: f.Open())).ToList();
            try
            {
                sources.Add(new LabelSource(voc[0].Path, VocReader.Read(streams), [.. voc.Select(f => f.Path)]));
            }
            finally
            {
                streams.ForEach(s => s.Content.Dispose());
            }
        }

        // The class list: classes.txt or obj.names first, then data.yaml, then any other YAML file.
        var classFile = readable.Where(f => FormatOf(f.Path) == LabelFormat.Yolo && YoloFormat.IsClassList(f.Path))
            .OrderBy(f => System.IO.Path.GetFileName(f.Path) switch { "classes.txt" or "obj.names" => 0, "data.yaml" or "data.yml" => 1, _ => 2 })
            .ThenBy(f => f.Path, StringComparer.Ordinal)
            .FirstOrDefault();
        var labelTexts = new List<(LabelFile File, string Text)>();
        foreach (var file in readable.Where(f => FormatOf(f.Path) == LabelFormat.Yolo && !YoloFormat.IsClassList(f.Path)).OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            var text = ReadText(file);
            if (DatasetFiles.SniffText(file.Path, text) is { Role: not FileRole.Annotations } other)
            {
                notLabels?.Add((file.Path, other));
                continue;
            }

            labelTexts.Add((file, text));
        }

        if (labelTexts.Count > 0 || classFile is not null)
        {
            var classes = classFile is null ? null : YoloFormat.ReadClassList(classFile.Path, ReadText(classFile));

            // A pose dataset's data.yaml gives its keypoint shape (kpt_shape), whichever file gives the class names.
            var keypointShape = readable.Where(f => FormatOf(f.Path) == LabelFormat.Yolo && System.IO.Path.GetExtension(f.Path).ToLowerInvariant() is ".yaml" or ".yml")
                .OrderBy(f => f.Path, StringComparer.Ordinal).Select(f => YoloFormat.ReadKeypointShape(ReadText(f))).FirstOrDefault(k => k is not null);

            // Dataset-level findings go to the class list, or to the first label file when there is none.
            var source = classFile?.Path ?? labelTexts[0].File.Path;
            var byStem = imageNames.GroupBy(StemOf, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
            var pairs = labelTexts.Select(l => (byStem.GetValueOrDefault(StemOf(l.File.Path)) ?? System.IO.Path.ChangeExtension(l.File.Path, ".jpg"), l.Text, (string?)l.File.Path));
            sources.Add(new LabelSource(source, YoloFormat.Read(classes, [.. pairs], source, keypointShape), [.. labelTexts.Select(l => l.File.Path).Prepend(classFile?.Path).OfType<string>()]));
        }

        return sources;
    }

    /// <summary>The format a file's extension implies, or null for files that are not annotations.</summary>
    public static LabelFormat? FormatOf(string path) => System.IO.Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".json" => LabelFormat.Coco,
        ".xml" => LabelFormat.Voc,
        ".txt" or ".yaml" or ".yml" or ".names" => LabelFormat.Yolo,
        _ => null,
    };

    /// <summary>
    /// The stem a YOLO label file (or an image) pairs on: the path without extension, with its last whole
    /// <c>labels</c> folder read as <c>images</c>, as Ultralytics pairs them (<c>labels/train/x.txt</c> with
    /// <c>images/train/x.jpg</c>); <c>mylabels/x.txt</c> is not a labels folder and pairs with <c>mylabels/x</c>.
    /// </summary>
    public static string StemOf(string path)
    {
        var segments = path[..^System.IO.Path.GetExtension(path).Length].Split('/');
        // Folders only: the file's own name is the last segment.
        var folder = segments.Length > 1 ? Array.LastIndexOf(segments, "labels", segments.Length - 2) : -1;
        if (folder >= 0)
        {
            segments[folder] = "images";
        }

        return string.Join('/', segments);
    }

    private static string ReadText(LabelFile file)
    {
        using var reader = new StreamReader(file.Open());
        return reader.ReadToEnd();
    }
}
