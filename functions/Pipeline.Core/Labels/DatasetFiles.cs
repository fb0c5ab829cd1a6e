using System.Globalization;

namespace Pipeline.Core.Labels;

/// <summary>What a file of a dataset is.</summary>
public enum FileRole
{
    /// <summary>A picture (or what claims to be one): judged by the image guard.</summary>
    Image,

    /// <summary>An annotation file (COCO JSON, VOC XML, YOLO label lines or class list): read and checked as labels.</summary>
    Annotations,

    /// <summary>A file a dataset layout writes beside its images and labels that holds no boxes (split lists, configs, label maps, masks, documentation): recognised, never judged.</summary>
    Layout,

    /// <summary>Nothing here knows it: noted, skipped, never an error.</summary>
    Unrecognised,
}

/// <summary>A file's role, and for a layout file what it is in words.</summary>
/// <param name="Role">The role.</param>
/// <param name="Kind">For a layout file: "VOC split list", "Darknet data file", and so on; otherwise empty.</param>
public sealed record FileKind(FileRole Role, string Kind = "")
{
    /// <summary>A picture.</summary>
    public static FileKind Image { get; } = new(FileRole.Image);

    /// <summary>Annotations.</summary>
    public static FileKind Annotations { get; } = new(FileRole.Annotations);

    /// <summary>Unknown.</summary>
    public static FileKind Unrecognised { get; } = new(FileRole.Unrecognised);
}

/// <summary>A dataset layout found in a folder.</summary>
/// <param name="Folder">The folder it is rooted at ('/'-separated, relative; empty for the top).</param>
/// <param name="Name">The layout: "Pascal VOC devkit", "Darknet YOLO", "Ultralytics YOLO", "YOLO", "Roboflow COCO".</param>
/// <param name="Splits">The splits it names (from its split lists, list files or split folders), in order.</param>
public sealed record DatasetLayout(string Folder, string Name, IReadOnlyList<string> Splits)
{
    /// <summary>The layout in words: "Pascal VOC devkit (VOCdevkit/VOC2012), splits train, val".</summary>
    public string Describe() =>
        Name + (Folder.Length > 0 ? $" ({Folder})" : string.Empty) + (Splits.Count > 0 ? $", splits {string.Join(", ", Splits)}" : string.Empty);
}

/// <summary>
/// Tells the files of a dataset apart as the tools that write them lay them out: Pascal VOC devkits (<c>Annotations/</c>,
/// <c>ImageSets/…/*.txt</c> split lists, <c>SegmentationClass/</c> masks, CVAT's <c>labelmap.txt</c>), Darknet YOLO
/// (<c>obj.names</c>, <c>obj.data</c>, <c>train.txt</c> image lists), Ultralytics YOLO (<c>data.yaml</c>,
/// <c>images/</c> beside <c>labels/</c>), COCO, and the READMEs and licences datasets ship with. A <c>.txt</c> file
/// is decided by its lines (<see cref="SniffText"/>) when its name does not settle it, because a YOLO label file and an
/// image list can share a name.
/// </summary>
public static class DatasetFiles
{
    /// <summary>Extensions of picture formats, supported or not: such a file is judged as an image (an unsupported one is told so).</summary>
    private static readonly HashSet<string> PictureExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".bmp", ".dib", ".gif", ".webp", ".tif", ".tiff", ".heic", ".heif", ".avif", ".jxl",
        ".jp2", ".j2k", ".ico", ".pbm", ".pgm", ".ppm", ".pnm", ".tga", ".dds", ".psd", ".exr", ".hdr", ".qoi", ".dng", ".cr2", ".nef", ".arw",
    };

    /// <summary>The kind of a text file that lists image paths (Darknet's <c>train.txt</c>, an Ultralytics list file).</summary>
    public const string ImageListKind = "image list";

    /// <summary>Folders whose PNG files are segmentation masks (class or instance ids per pixel), not photographs.</summary>
    private static readonly HashSet<string> MaskFolders = new(StringComparer.OrdinalIgnoreCase)
    {
        "SegmentationClass", "SegmentationObject", "SegmentationClassAug", "SegmentationClassPNG", "SegmentationObjectPNG", "masks",
    };

    /// <summary>File stems of documentation a dataset ships with.</summary>
    private static readonly string[] DocumentStems = ["readme", "license", "licence", "copying", "notice", "citation", "changelog", "authors"];

    /// <summary>The role its name gives a file (path relative, '/'-separated). A <c>.txt</c> not settled by its name is <see cref="FileRole.Annotations"/> pending <see cref="SniffText"/>.</summary>
    public static FileKind ByName(string path)
    {
        var segments = path.Split('/');
        var fileName = segments[^1];
        var extension = Path.GetExtension(fileName).ToLowerInvariant();
        var stem = Path.GetFileNameWithoutExtension(fileName).ToLowerInvariant();
        var folders = segments[..^1];

        // README.md, LICENSE, license-mit.txt, Roboflow's README.dataset.txt and README.roboflow.txt.
        if (DocumentStems.Any(d => stem == d || (stem.StartsWith(d, StringComparison.Ordinal) && stem.Length > d.Length && stem[d.Length] is '-' or '_' or '.'))
            && extension is "" or ".txt" or ".md" or ".rst")
        {
            return new(FileRole.Layout, "documentation");
        }

        if (PictureExtensions.Contains(extension))
        {
            // Masks: VOC's segmentation folders, and COCO panoptic's PNGs of segment ids (panoptic_val2017/ and the like).
            return extension == ".png" && folders.Any(f => MaskFolders.Contains(f) || f.StartsWith("panoptic", StringComparison.OrdinalIgnoreCase))
                ? new(FileRole.Layout, SegmentationMasks.MaskFileKind)
                : FileKind.Image;
        }

        switch (extension)
        {
            case ".json" or ".xml":
                return FileKind.Annotations;
            case ".yaml" or ".yml":
                return FileKind.Annotations; // data.yaml: the class list of a YOLO dataset
            case ".names":
                return FileKind.Annotations; // Darknet's class list
            case ".data":
                return new(FileRole.Layout, "Darknet data file");
            case ".txt":
                if (folders.Any(f => f.Equals("ImageSets", StringComparison.OrdinalIgnoreCase)))
                {
                    return new(FileRole.Layout, "VOC split list");
                }

                // classes.txt is a class list; other text files are label lines or an image list, which SniffText decides.
                return stem == "labelmap" ? new(FileRole.Layout, "label map") : FileKind.Annotations;
            case "":
                return FileKind.Image; // no extension: the bytes are sniffed as an image
            default:
                return FileKind.Unrecognised;
        }
    }

    /// <summary>The info finding that records a file as what it is, when it is not judged (a layout file or an unrecognised one); null for images and annotations.</summary>
    public static Findings.Finding? NoteFor(string path, FileKind kind) => kind.Role switch
    {
        FileRole.Layout => new(Findings.FindingCodes.FileLayout, Findings.Severity.Info, null, null, $"A {kind.Kind}: part of the dataset's layout, holding no boxes; recognised and not judged.", path),
        FileRole.Unrecognised => new(Findings.FindingCodes.FileUnrecognised, Findings.Severity.Info, null, null, "Not an image, an annotation file or a file of a known dataset layout; skipped.", path),
        _ => null,
    };

    /// <summary>
    /// What a <c>.txt</c> file is, from its lines: YOLO label lines (each starts with a class index followed by
    /// numbers; an empty file is an image with no objects), a list of images (one path or id per line, optionally
    /// followed by a 1/0/-1 flag as VOC's per-class lists have), or neither.
    /// </summary>
    public static FileKind SniffText(string path, string text)
    {
        if (Path.GetFileName(path).Equals("classes.txt", StringComparison.OrdinalIgnoreCase))
        {
            return FileKind.Annotations;
        }

        var lines = text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).Take(200)
            .Select(l => l.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).ToList();

        // Every YOLO line kind has at least 5 values (a box). Numbers only, but shorter: label lines with errors, for the
        // checks to report, unless every line is an id and a 1/0/-1 flag, as VOC's per-class lists are ("000005 -1").
        if (lines.All(IsLabelLine) || (lines.All(IsNumeric) && !lines.All(l => l.Length == 2 && IsListLine(l))))
        {
            return FileKind.Annotations;
        }

        if (lines.All(IsListLine))
        {
            return new(FileRole.Layout, lines.Any(l => l[0].Contains('/') || l[0].Contains('.')) ? ImageListKind : "split list");
        }

        // Mostly label lines with a few bad ones: a label file with errors, for the checks to report.
        return lines.Count(IsLabelLine) * 2 > lines.Count ? FileKind.Annotations : FileKind.Unrecognised;
    }

    /// <summary>
    /// The layouts among <paramref name="paths"/> (relative, '/'-separated), each at the folder it is rooted in, so one
    /// upload may hold several: a VOC devkit (<c>Annotations/</c> beside <c>JPEGImages/</c> or <c>ImageSets/</c>; splits
    /// from <c>ImageSets/Main/{split}.txt</c>), Darknet YOLO (<c>obj.names</c> or <c>obj.data</c>; splits from
    /// <c>train.txt</c>, <c>valid.txt</c>, <c>test.txt</c>), Ultralytics YOLO (<c>data.yaml</c>; splits from
    /// <c>images/{split}/</c> or <c>{split}/images/</c>), YOLO (<c>classes.txt</c>) and Roboflow COCO (<c>{split}/_annotations.coco.json</c>).
    /// Annotation files outside these (a COCO file, a CVAT or Label Studio export) are told by their content, not here.
    /// </summary>
    public static List<DatasetLayout> Layouts(IReadOnlyCollection<string> paths)
    {
        static string FolderOf(string path) => path.Contains('/') ? path[..path.LastIndexOf('/')] : string.Empty;
        static string Join(string folder, string name) => folder.Length == 0 ? name : $"{folder}/{name}";
        var folders = new SortedSet<string>(paths.Select(FolderOf), StringComparer.Ordinal);
        foreach (var folder in folders.ToList())
        {
            for (var f = folder; f.Length > 0; f = FolderOf(f))
            {
                folders.Add(FolderOf(f));
            }
        }

        List<string> Under(string folder) => [.. paths.Where(p => p.StartsWith(folder.Length == 0 ? string.Empty : folder + "/", StringComparison.Ordinal))];
        var layouts = new List<DatasetLayout>();
        foreach (var folder in folders)
        {
            var under = Under(folder);
            var direct = under.Where(p => FolderOf(p) == folder).Select(p => p[(folder.Length == 0 ? 0 : folder.Length + 1)..]).ToHashSet(StringComparer.Ordinal);
            bool Has(string subfolder) => under.Any(p => p.StartsWith(Join(folder, subfolder) + "/", StringComparison.Ordinal));
            if (Has("Annotations") && (Has("JPEGImages") || Has("ImageSets")))
            {
                var main = Join(folder, "ImageSets/Main") + "/";
                layouts.Add(new(folder, "Pascal VOC devkit", Ordered(under.Where(p => p.StartsWith(main, StringComparison.Ordinal) && !p[main.Length..].Contains('/'))
                    .Select(p => Path.GetFileNameWithoutExtension(p)).Where(n => !n.Contains('_')))));
            }

            if (direct.Contains("obj.names") || direct.Contains("obj.data"))
            {
                layouts.Add(new(folder, "Darknet YOLO", Ordered(new[] { "train", "valid", "test" }.Where(s => direct.Contains(s + ".txt")))));
            }
            else if (direct.Contains("data.yaml") || direct.Contains("data.yml"))
            {
                // images/{split}/ as Ultralytics lays it out, or {split}/images/ as Roboflow's YOLO exports do.
                var relative = under.Select(p => p[(folder.Length == 0 ? 0 : folder.Length + 1)..].Split('/')).Where(s => s.Length >= 3).ToList();
                layouts.Add(new(folder, "Ultralytics YOLO", Ordered(
                    relative.Where(s => s[0] == "images").Select(s => s[1])
                        .Concat(relative.Where(s => s[1] == "images" && DatasetSplits.Normalise(s[0]) is not null).Select(s => s[0])))));
            }
            else if (direct.Contains("classes.txt"))
            {
                layouts.Add(new(folder, "YOLO", []));
            }

            var splitFolders = under.Where(p => p.EndsWith("/_annotations.coco.json", StringComparison.Ordinal) && FolderOf(FolderOf(p)) == folder).Select(p => Path.GetFileName(FolderOf(p))).ToList();
            if (splitFolders.Count > 0)
            {
                layouts.Add(new(folder, "Roboflow COCO", Ordered(splitFolders)));
            }
        }

        return layouts;
    }

    private static List<string> Ordered(IEnumerable<string> splits)
    {
        string[] usual = ["train", "trainval", "val", "valid", "test"];
        return [.. splits.Distinct(StringComparer.Ordinal).OrderBy(s => Array.IndexOf(usual, s) is var i and >= 0 ? i : usual.Length).ThenBy(s => s, StringComparer.Ordinal)];
    }

    /// <summary>A class index followed by numbers.</summary>
    private static bool IsNumeric(string[] tokens) =>
        tokens.Length >= 2 && int.TryParse(tokens[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out _)
        && tokens.Skip(1).All(t => double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out _));

    private static bool IsLabelLine(string[] tokens) => tokens.Length >= 5 && IsNumeric(tokens);

    /// <summary>An image path or id, alone or with a VOC 1/0/-1 flag.</summary>
    private static bool IsListLine(string[] tokens) => tokens.Length switch
    {
        1 => !double.TryParse(tokens[0], NumberStyles.Float, CultureInfo.InvariantCulture, out _) || tokens[0].Length >= 4,
        2 => tokens[1] is "1" or "0" or "-1",
        _ => false,
    };
}
