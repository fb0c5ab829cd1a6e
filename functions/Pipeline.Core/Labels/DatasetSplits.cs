using Pipeline.Core.Findings;

namespace Pipeline.Core.Labels;

/// <summary>A split list's path (relative, '/'-separated) and its text.</summary>
/// <param name="Path">Where it is in the dataset.</param>
/// <param name="Text">Its lines.</param>
/// <param name="Split">The split a dataset config gives it (<c>data.yaml</c>'s <c>train: train2017.txt</c>); otherwise its name decides (<see cref="DatasetSplits.SplitOf"/>).</param>
public sealed record SplitList(string Path, string Text, string? Split = null);

/// <summary>The dataset's own split of its images, and what is wrong with the lists that gave it.</summary>
/// <param name="ByImage">Image path → train, val or test, for the images the dataset places.</param>
/// <param name="Findings">Per list file: a line naming no image of the dataset, an image listed in two splits.</param>
public sealed record SplitAssignment(IReadOnlyDictionary<string, string> ByImage, IReadOnlyList<Finding> Findings)
{
    /// <summary>No split given.</summary>
    public static SplitAssignment None { get; } = new(new Dictionary<string, string>(), []);
}

/// <summary>
/// A dataset's own train/val/test split, as its layout states it: Pascal VOC's <c>ImageSets/Main/{split}.txt</c> (image
/// ids; <c>Segmentation/</c>, <c>Layout/</c> and <c>Action/</c> lists for images Main does not name), Darknet's and
/// Ultralytics' list files (<c>train.txt</c>, <c>valid.txt</c>, <c>autosplit_val.txt</c>: image paths as the training
/// machine saw them, matched by their longest suffix that names an image here), and split folders inside a YOLO or
/// Roboflow layout (<c>images/train/</c>, <c>train/images/</c>, <c>valid/</c>). A list wins over a folder. Split names
/// are normalised (<c>valid</c> and <c>validation</c> are val); <c>trainval</c> is read only where there is neither a
/// train nor a val list.
/// </summary>
public static class DatasetSplits
{
    /// <summary>The split a split name stands for (train, val or test), or null.</summary>
    public static string? Normalise(string name) => name.ToLowerInvariant() switch
    {
        "train" or "training" => "train",
        "val" or "valid" or "validation" => "val",
        "test" or "testing" => "test",
        _ => null,
    };

    /// <summary>
    /// The split a list file gives its images, from its path alone (null when it is not a split list): VOC's
    /// <c>ImageSets/*/{split}.txt</c> (per-class lists <c>{class}_{split}.txt</c> are not: they list every image
    /// with a flag), YOLO's <c>{split}.txt</c> and <c>autosplit_{split}.txt</c>. <c>trainval</c> is given as is.
    /// </summary>
    public static string? SplitOf(string path)
    {
        if (!path.EndsWith(".txt", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var stem = System.IO.Path.GetFileNameWithoutExtension(path).ToLowerInvariant();
        if (stem.StartsWith("autosplit_", StringComparison.Ordinal))
        {
            stem = stem["autosplit_".Length..];
        }

        return stem == "trainval" ? stem : Normalise(stem);
    }

    /// <summary>
    /// The split of each image in <paramref name="imagePaths"/> that the dataset places, from its <paramref name="lists"/>
    /// (read where <see cref="SplitOf"/> names a split and the list sits in a layout that uses lists) and its split
    /// folders; <paramref name="allPaths"/> (every file of the upload) tells the layouts apart. A list naming an image
    /// the upload lacks gets an error (only when the layout holds images at all: a labels-only upload is not wrong);
    /// an image listed in two splits, a warning (the first split in train, val, test order wins).
    /// </summary>
    public static SplitAssignment Assign(IReadOnlyCollection<string> imagePaths, IReadOnlyCollection<string> allPaths, IEnumerable<SplitList> lists)
    {
        var layouts = DatasetFiles.Layouts(allPaths);
        var byImage = new Dictionary<string, string>(StringComparer.Ordinal);
        var findings = new List<Finding>();
        string? SplitOf(SplitList list) => list.Split ?? DatasetSplits.SplitOf(list.Path);
        var listed = lists.Where(l => SplitOf(l) is not null).OrderBy(l => Rank(SplitOf(l)!)).ThenBy(l => l.Path, StringComparer.Ordinal).ToList();
        var listedBy = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var layout in layouts)
        {
            var images = imagePaths.Where(p => Inside(p, layout.Folder)).ToList();
            var mine = listed.Where(l => (l.Split is not null && Inside(l.Path, layout.Folder) && layout.Name != "Pascal VOC devkit") || BelongsTo(l.Path, layout)).ToList();
            var (plain, trainval) = (mine.Where(l => SplitOf(l) != "trainval").ToList(), mine.Where(l => SplitOf(l) == "trainval").ToList());
            if (!plain.Any(l => SplitOf(l) is "train" or "val"))
            {
                plain.AddRange(trainval); // only a trainval list: its images are for training
            }

            var resolve = layout.Name == "Pascal VOC devkit" ? VocIds(layout.Folder, images) : SuffixIndex(layout.Folder, images);
            // VOC: Main's lists first; the other task folders place only what Main does not.
            foreach (var list in plain.OrderBy(l => IsVocMain(l.Path) ? 0 : 1))
            {
                var split = SplitOf(list) == "trainval" ? "train" : SplitOf(list)!;
                var main = layout.Name != "Pascal VOC devkit" || IsVocMain(list.Path);
                var missing = new List<string>();
                foreach (var entry in Entries(list.Text))
                {
                    if (resolve(entry) is not { } image)
                    {
                        missing.Add(entry);
                        continue;
                    }

                    if (byImage.TryGetValue(image, out var already))
                    {
                        if (already != split && main && listedBy.TryGetValue(image, out var first))
                        {
                            findings.Add(new Finding(FindingCodes.SplitConflict, Severity.Warning, null, null,
                                $"{image} is listed in {already} ({first}) and in {split}; it stays in {already}.", list.Path));
                        }

                        continue;
                    }

                    byImage[image] = split;
                    listedBy[image] = list.Path;
                }

                if (missing.Count > 0 && images.Count > 0)
                {
                    findings.Add(new Finding(FindingCodes.SplitImageMissing, Severity.Error, missing.Count, null,
                        $"{missing.Count} line(s) name no image of the dataset: {string.Join(", ", missing.Take(5))}{(missing.Count > 5 ? ", …" : string.Empty)}.", list.Path));
                }
            }

            if (layout.Name != "Pascal VOC devkit")
            {
                foreach (var image in images.Where(i => !byImage.ContainsKey(i)))
                {
                    if (FolderSplit(image[(layout.Folder.Length == 0 ? 0 : layout.Folder.Length + 1)..]) is { } split)
                    {
                        byImage[image] = split;
                    }
                }
            }
        }

        return new SplitAssignment(byImage, findings);
    }

    /// <summary>
    /// The list files an Ultralytics <c>data.yaml</c> names for its splits (<c>train: train2017.txt</c>, <c>val:
    /// [val.txt]</c>; folders are not lists), as paths among <paramref name="paths"/>: the value beside the YAML file
    /// (as the training machine resolved it against <c>path</c>, which names a folder there, not here), or else the
    /// only file of that name in the dataset.
    /// </summary>
    public static Dictionary<string, string> NamedByConfig(string yamlPath, string yamlText, IReadOnlyCollection<string> paths)
    {
        var named = new Dictionary<string, string>(StringComparer.Ordinal);
        var folder = yamlPath.Contains('/') ? yamlPath[..(yamlPath.LastIndexOf('/') + 1)] : string.Empty;
        foreach (var raw in yamlText.Replace("\r", string.Empty, StringComparison.Ordinal).Split('\n'))
        {
            var line = (raw.IndexOf('#', StringComparison.Ordinal) is var hash and >= 0 ? raw[..hash] : raw).TrimEnd();
            if (line.Length == 0 || char.IsWhiteSpace(line[0]) || line.IndexOf(':', StringComparison.Ordinal) is not (> 0 and var colon)
                || Normalise(line[..colon].Trim()) is not { } split)
            {
                continue;
            }

            foreach (var value in line[(colon + 1)..].Trim().Trim('[', ']').Split(',').Select(v => v.Trim().Trim('\'', '"').Replace('\\', '/')))
            {
                if (!value.EndsWith(".txt", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                var relative = value.StartsWith("./", StringComparison.Ordinal) ? value[2..] : value;
                var beside = folder + relative;
                var found = paths.Contains(beside) ? beside
                    : paths.Where(p => p == relative || p.EndsWith("/" + System.IO.Path.GetFileName(relative), StringComparison.Ordinal) || p == System.IO.Path.GetFileName(relative)).ToList() is [var only] ? only
                    : null;
                if (found is not null)
                {
                    named.TryAdd(found, split);
                }
            }
        }

        return named;
    }

    /// <summary>Whether a path is a dataset config that may name split lists (an Ultralytics YAML file).</summary>
    public static bool IsConfig(string path) => System.IO.Path.GetExtension(path).ToLowerInvariant() is ".yaml" or ".yml";

    /// <summary>The images per split, in train, val, test order.</summary>
    public static IEnumerable<(string Split, int Images)> Counts(SplitAssignment assignment) =>
        assignment.ByImage.Values.GroupBy(s => s).OrderBy(g => Rank(g.Key)).Select(g => (g.Key, g.Count()));

    private static int Rank(string split) => split switch { "train" => 0, "trainval" => 1, "val" => 2, _ => 3 };

    private static bool IsVocMain(string path) => ("/" + path).Contains("/ImageSets/Main/", StringComparison.Ordinal);

    private static bool Inside(string path, string folder) => folder.Length == 0 || path.StartsWith(folder + "/", StringComparison.Ordinal);

    /// <summary>Whether a list file is the layout's: VOC's under its <c>ImageSets/</c>; YOLO's directly in its folder.</summary>
    private static bool BelongsTo(string listPath, DatasetLayout layout)
    {
        var relative = layout.Folder.Length == 0 ? listPath : Inside(listPath, layout.Folder) ? listPath[(layout.Folder.Length + 1)..] : null;
        return relative is not null && (layout.Name == "Pascal VOC devkit"
            ? relative.StartsWith("ImageSets/", StringComparison.Ordinal) && relative.Count(c => c == '/') == 2
            : !relative.Contains('/') && layout.Name is "Darknet YOLO" or "Ultralytics YOLO" or "YOLO");
    }

    /// <summary>A list's entries: the first token of each non-empty, non-comment line, slashes forward.</summary>
    private static IEnumerable<string> Entries(string text) =>
        text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0].Replace('\\', '/'));

    /// <summary>VOC: an id names <c>JPEGImages/{id}.*</c> of the devkit.</summary>
    private static Func<string, string?> VocIds(string folder, List<string> images)
    {
        var prefix = folder.Length == 0 ? "JPEGImages/" : folder + "/JPEGImages/";
        var byId = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var image in images.Where(i => i.StartsWith(prefix, StringComparison.Ordinal) && !i[prefix.Length..].Contains('/')))
        {
            byId.TryAdd(System.IO.Path.GetFileNameWithoutExtension(image), image);
        }

        return id => byId.GetValueOrDefault(id);
    }

    /// <summary>
    /// YOLO lists: a path as the training machine saw it (<c>data/obj_train_data/1.jpg</c>, <c>./images/train/1.jpg</c>,
    /// an absolute path) names the image here whose path within the layout is its longest suffix; a suffix two images
    /// share names neither.
    /// </summary>
    private static Func<string, string?> SuffixIndex(string folder, List<string> images)
    {
        var bySuffix = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var image in images)
        {
            var segments = image[(folder.Length == 0 ? 0 : folder.Length + 1)..].Split('/');
            for (var i = 0; i < segments.Length; i++)
            {
                var suffix = string.Join('/', segments[i..]);
                bySuffix[suffix] = bySuffix.ContainsKey(suffix) ? null : image;
            }
        }

        return entry =>
        {
            var segments = entry.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(s => s != ".").ToArray();
            for (var i = 0; i < segments.Length; i++)
            {
                if (bySuffix.TryGetValue(string.Join('/', segments[i..]), out var image))
                {
                    return image;
                }
            }

            return null;
        };
    }

    /// <summary>The split a folder on the image's path names (<c>images/train/</c>, <c>train/images/</c>, <c>valid/</c>).</summary>
    private static string? FolderSplit(string relative)
    {
        var segments = relative.Split('/');
        return segments[..^1].Select(Normalise).FirstOrDefault(s => s is not null);
    }
}
