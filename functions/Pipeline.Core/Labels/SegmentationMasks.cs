using System.Globalization;
using Pipeline.Core.Findings;
using Pipeline.Core.Images;

namespace Pipeline.Core.Labels;

/// <summary>What a mask's pixel values mean, by the folder it is in.</summary>
public enum MaskKind
{
    /// <summary>VOC <c>SegmentationClass/</c>: each pixel's colour is its class (VOC's palette, or the colours of CVAT's <c>labelmap.txt</c>).</summary>
    Class,

    /// <summary>VOC <c>SegmentationObject/</c>: each pixel's palette index is its object's number in the image's annotation (1 for the first).</summary>
    Object,

    /// <summary>COCO panoptic: each pixel's segment id is R + 256·G + 256²·B (0 for no segment).</summary>
    Panoptic,

    /// <summary>A mask whose key is not known (a <c>masks/</c> folder): only its size is checked.</summary>
    Other,
}

/// <summary>One line of CVAT's <c>labelmap.txt</c> (<c>name:r,g,b:parts:actions</c>).</summary>
/// <param name="Name">The label.</param>
/// <param name="Colour">Its colour in class masks, packed <c>0xRRGGBB</c>.</param>
/// <param name="Parts">Its parts (VOC layout), if any.</param>
/// <param name="Actions">Its actions (VOC action), if any.</param>
public sealed record LabelMapEntry(string Name, int Colour, IReadOnlyList<string> Parts, IReadOnlyList<string> Actions);

/// <summary>CVAT's <c>labelmap.txt</c> as its Pascal VOC and segmentation-mask exports write it.</summary>
/// <param name="Entries">The labels in file order.</param>
/// <param name="Findings">Lines that are not <c>name:r,g,b:parts:actions</c>, colours out of range, a name or colour given twice.</param>
public sealed record LabelMap(IReadOnlyList<LabelMapEntry> Entries, IReadOnlyList<Finding> Findings)
{
    /// <summary>Parses the file's text; <paramref name="path"/> is the subject of its findings.</summary>
    public static LabelMap Parse(string text, string path)
    {
        var entries = new List<LabelMapEntry>();
        var findings = new List<Finding>();
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.TrimEnd('\r').Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue; // "# label:color_rgb:parts:actions" heads the file
            }

            var fields = line.Split(':');
            if (fields.Length != 4 || fields[0].Trim().Length == 0 || ParseColour(fields[1]) is not { } colour)
            {
                findings.Add(Bad($"line {lineNumber} ('{Clip(line)}') is not 'name:r,g,b:parts:actions' with three values 0-255."));
                continue;
            }

            var name = fields[0].Trim();
            if (entries.Find(e => e.Name == name || e.Colour == colour) is { } earlier)
            {
                findings.Add(Bad(earlier.Name == name
                    ? $"line {lineNumber}: the label '{name}' is defined twice."
                    : $"line {lineNumber}: '{name}' has the colour of '{earlier.Name}' ({fields[1].Trim()}); class masks could not tell them apart."));
                continue;
            }

            entries.Add(new LabelMapEntry(name, colour, List(fields[2]), List(fields[3])));
        }

        return new LabelMap(entries, findings);

        Finding Bad(string message) => new(FindingCodes.LabelValueInvalid, Severity.Error, null, null, $"labelmap.txt {message}", path);
    }

    private static int? ParseColour(string text)
    {
        var parts = text.Split(',');
        var values = parts.Select(p => int.TryParse(p.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v <= 255 ? v : -1).ToList();
        return values is [>= 0, >= 0, >= 0] ? (values[0] << 16) | (values[1] << 8) | values[2] : null;
    }

    private static List<string> List(string text) => [.. text.Split(',').Select(p => p.Trim()).Where(p => p.Length > 0)];

    private static string Clip(string line) => line.Length <= 60 ? line : line[..60] + "…";
}

/// <summary>A COCO panoptic PNG as its annotation describes it, with its image's size as the JSON gives it.</summary>
/// <param name="FileName">The PNG's file name.</param>
/// <param name="ImageId">The image it segments.</param>
/// <param name="SegmentIds">The ids its <c>segments_info</c> lists.</param>
/// <param name="Width">The image's width, when the JSON gives it.</param>
/// <param name="Height">The image's height, when the JSON gives it.</param>
public sealed record PanopticKey(string FileName, long ImageId, IReadOnlyList<long> SegmentIds, int? Width, int? Height);

/// <summary>What annotation files say about masks, in a form that travels (label QA's units write it; its finish merges it).</summary>
/// <param name="ObjectsByStem">Each VOC annotation's object count, by its image's file stem.</param>
/// <param name="Panoptic">Each COCO panoptic PNG's segments.</param>
public sealed record MaskKeyParts(IReadOnlyDictionary<string, int> ObjectsByStem, IReadOnlyList<PanopticKey> Panoptic);

/// <summary>
/// What a dataset's annotations say its masks must hold: each VOC annotation's object count (by file stem), each COCO
/// panoptic PNG's segment ids. Filled from the dataset's annotation files (or from parts other readers made), then
/// used by <see cref="SegmentationMasks.Check"/> for each mask.
/// </summary>
public sealed class MaskKey
{
    private readonly Dictionary<string, int> objectsByStem = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PanopticKey> panoptic = new(StringComparer.Ordinal);

    /// <summary>Whether any COCO panoptic annotation was read (without one a panoptic PNG has nothing to be compared with).</summary>
    public bool HasPanoptic => panoptic.Count > 0;

    /// <summary>Whether the key holds nothing.</summary>
    public bool IsEmpty => objectsByStem.Count == 0 && panoptic.Count == 0;

    /// <summary>What the key holds, to be written and merged elsewhere (<see cref="Add(MaskKeyParts)"/>).</summary>
    public MaskKeyParts Parts => new(new Dictionary<string, int>(objectsByStem, StringComparer.Ordinal), [.. panoptic.Values]);

    /// <summary>Takes what <paramref name="document"/> says about masks: VOC objects per image, panoptic PNGs.</summary>
    public void Add(LabelDocument document)
    {
        foreach (var png in document.PanopticPngs)
        {
            var image = document.Images.Find(i => i.Id == png.ImageId);
            panoptic[Path.GetFileName(png.FileName)] = new PanopticKey(Path.GetFileName(png.FileName), png.ImageId, png.SegmentIds, image?.Width, image?.Height);
        }

        if (document.Format == LabelFormat.Voc)
        {
            var objects = document.Boxes.GroupBy(b => b.ImageId).ToDictionary(g => g.Key, g => g.Count());
            foreach (var image in document.Images)
            {
                objectsByStem[Stem(image.FileName)] = objects.GetValueOrDefault(image.Id);
            }
        }
    }

    /// <summary>Takes parts another reader made.</summary>
    public void Add(MaskKeyParts parts)
    {
        foreach (var (stem, count) in parts.ObjectsByStem)
        {
            objectsByStem[stem] = count;
        }

        foreach (var png in parts.Panoptic)
        {
            panoptic[png.FileName] = png;
        }
    }

    /// <summary>How many objects the VOC annotation of the image named <paramref name="stem"/> holds, when one was read.</summary>
    public int? ObjectsOf(string stem) => objectsByStem.TryGetValue(stem, out var n) ? n : null;

    /// <summary>The panoptic annotation naming the PNG <paramref name="fileName"/>.</summary>
    public PanopticKey? PanopticOf(string fileName) => panoptic.GetValueOrDefault(fileName);

    /// <summary>A file name without folders or extension.</summary>
    public static string Stem(string path) => Path.GetFileNameWithoutExtension(path.Replace('\\', '/').Split('/')[^1]);
}

/// <summary>
/// Segmentation masks checked as masks, never scored as photographs: a class mask's colours must be classes
/// (CVAT's <c>labelmap.txt</c> colours, else the 21 classes of VOC's palette), an object mask's palette indices
/// must be objects of the image's annotation, a COCO panoptic PNG's segment ids must be exactly those its
/// <c>segments_info</c> lists (both ways, as COCO's panoptic API checks), and every mask must be its image's size.
/// VOC's void colour (palette index 255, outlines and ambiguous pixels) is allowed in class and object masks.
/// </summary>
public static class SegmentationMasks
{
    /// <summary>VOC's void colour (224, 224, 192): palette index 255.</summary>
    public const int VocVoid = 0xE0E0C0;

    /// <summary>VOC's classes in its palette order: background and the 20 object classes.</summary>
    public const int VocClasses = 21;

    private static readonly int[] Palette = [.. Enumerable.Range(0, 256).Select(VocColour)];
    private static readonly Dictionary<int, int> IndexOfColour = Palette.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i);

    /// <summary>The kind <see cref="DatasetFiles.ByName"/> gives a segmentation mask.</summary>
    public const string MaskFileKind = "segmentation mask";

    /// <summary>Whether a file of this kind is a segmentation mask.</summary>
    public static bool IsMask(FileKind kind) => kind.Role == FileRole.Layout && kind.Kind == MaskFileKind;

    /// <summary>Whether the file is CVAT's <c>labelmap.txt</c>.</summary>
    public static bool IsLabelMap(string path) => Path.GetFileName(path).Equals("labelmap.txt", StringComparison.OrdinalIgnoreCase);

    /// <summary>The kind of mask a path holds, by its folder.</summary>
    public static MaskKind KindOf(string path)
    {
        var folders = path.Replace('\\', '/').Split('/')[..^1];
        return folders.Any(f => f.StartsWith("SegmentationObject", StringComparison.OrdinalIgnoreCase)) ? MaskKind.Object
            : folders.Any(f => f.StartsWith("SegmentationClass", StringComparison.OrdinalIgnoreCase)) ? MaskKind.Class
            : folders.Any(f => f.StartsWith("panoptic", StringComparison.OrdinalIgnoreCase)) ? MaskKind.Panoptic
            : MaskKind.Other;
    }

    /// <summary>
    /// The colour of palette index <paramref name="index"/> in VOC's colour map, packed <c>0xRRGGBB</c>: the index's
    /// bits dealt in turn to red, green and blue, from each channel's top bit down (as the devkit's <c>VOClabelcolormap</c> builds it).
    /// </summary>
    public static int VocColour(int index)
    {
        var (r, g, b) = (0, 0, 0);
        for (var shift = 7; shift >= 0; shift--, index >>= 3)
        {
            r |= (index & 1) << shift;
            g |= ((index >> 1) & 1) << shift;
            b |= ((index >> 2) & 1) << shift;
        }

        return (r << 16) | (g << 8) | b;
    }

    /// <summary>The findings on one mask (empty when it is sound), each with <paramref name="path"/> as its subject.</summary>
    /// <param name="path">The mask's path.</param>
    /// <param name="pixels">Its colours (<see cref="ImageGuard.ReadMaskAsync"/>).</param>
    /// <param name="key">What the dataset's annotations say it must hold.</param>
    /// <param name="labelMap">The label map of its dataset (CVAT's <c>labelmap.txt</c>), when it has one: class masks use its colours instead of VOC's 21 classes.</param>
    /// <param name="image">Its image's size, when the image is in the dataset.</param>
    public static List<Finding> Check(string path, MaskPixels pixels, MaskKey key, LabelMap? labelMap, (int Width, int Height)? image)
    {
        var findings = new List<Finding>();
        var kind = KindOf(path);
        var stem = MaskKey.Stem(path);
        var panoptic = kind == MaskKind.Panoptic ? key.PanopticOf(Path.GetFileName(path)) : null;
        if (image is null && panoptic is { Width: { } w, Height: { } h })
        {
            image = (w, h); // the panoptic JSON's size of the image, when the image itself is not here
        }

        if (image is { } size && (size.Width, size.Height) != (pixels.Width, pixels.Height))
        {
            findings.Add(Error(FindingCodes.MaskSizeMismatch, $"The mask is {pixels.Width}×{pixels.Height}; its image is {size.Width}×{size.Height}.", pixels.Width * (double)pixels.Height, size.Width * (double)size.Height));
        }

        if (pixels.MoreColours && kind != MaskKind.Other)
        {
            findings.Add(Error(FindingCodes.MaskUnknownId, $"The mask has more than {MaskPixels.MaxColours:N0} distinct colours: a photograph or a lossy copy, not a mask."));
            return findings;
        }

        switch (kind)
        {
            case MaskKind.Class:
                ClassColours(pixels, labelMap, findings);
                break;
            case MaskKind.Object:
                Objects(pixels, key.ObjectsOf(stem), findings);
                break;
            case MaskKind.Panoptic when key.HasPanoptic:
                Segments(pixels, panoptic, findings);
                break;
        }

        return [.. findings.Select(f => f with { Subject = path })];
    }

    /// <summary>
    /// Checks each of a dataset's masks (<see cref="Check"/>) against the image of the same name nearest it (a devkit's
    /// <c>JPEGImages/</c> beside its <c>SegmentationClass/</c>) and the label map of the nearest folder above it.
    /// </summary>
    /// <param name="masks">Each mask's path and colours.</param>
    /// <param name="key">What the annotations say.</param>
    /// <param name="labelMaps">Each <c>labelmap.txt</c>'s path and content.</param>
    /// <param name="images">Each accepted image's path and size.</param>
    public static List<Finding> CheckAll(
        IEnumerable<(string Path, MaskPixels Pixels)> masks, MaskKey key, IEnumerable<(string Path, LabelMap Map)> labelMaps, IEnumerable<(string Path, int Width, int Height)> images)
    {
        var maps = labelMaps.Select(m => (Folder: m.Path.LastIndexOf('/') is var slash and >= 0 ? m.Path[..(slash + 1)] : string.Empty, m.Map)).ToList();
        var byStem = images.ToLookup(i => MaskKey.Stem(i.Path), StringComparer.Ordinal);
        var findings = new List<Finding>();
        foreach (var (path, pixels) in masks)
        {
            var image = byStem[MaskKey.Stem(path)].OrderByDescending(i => Shared(i.Path, path)).Select(i => ((int, int)?)(i.Width, i.Height)).FirstOrDefault();
            var map = maps.Where(m => path.StartsWith(m.Folder, StringComparison.Ordinal)).OrderBy(m => m.Folder.Length).Select(m => (LabelMap?)m.Map).LastOrDefault();
            findings.AddRange(Check(path, pixels, key, map, image));
        }

        return findings;
    }

    private static int Shared(string a, string b)
    {
        var n = 0;
        while (n < a.Length && n < b.Length && a[n] == b[n])
        {
            n++;
        }

        return n;
    }

    private static void ClassColours(MaskPixels pixels, LabelMap? map, List<Finding> findings)
    {
        HashSet<int> known = map is null ? [.. Palette.Take(VocClasses)] : [.. map.Entries.Select(e => e.Colour)];
        var unknown = pixels.Colours.Where(c => c.Key != VocVoid && !known.Contains(c.Key)).OrderByDescending(c => c.Value).ToList();
        if (unknown.Count > 0)
        {
            var key = map is null ? $"VOC's {VocClasses} classes (palette indices 0-{VocClasses - 1}, 255 void)" : $"the {map.Entries.Count} labels of labelmap.txt";
            findings.Add(Error(FindingCodes.MaskUnknownId, $"{Pixels(unknown)} a colour no class has ({Colours(unknown, map is null)}); the key is {key}.", unknown.Count, known.Count));
        }
    }

    private static void Objects(MaskPixels pixels, int? objects, List<Finding> findings)
    {
        var notPalette = pixels.Colours.Where(c => !IndexOfColour.ContainsKey(c.Key)).ToList();
        if (notPalette.Count > 0)
        {
            findings.Add(Error(FindingCodes.MaskUnknownId, $"{Pixels(notPalette)} a colour outside VOC's palette ({Colours(notPalette, false)}): an object mask holds palette indices."));
        }

        if (objects is { } count)
        {
            var past = pixels.Colours.Where(c => IndexOfColour.TryGetValue(c.Key, out var i) && i != 255 && i > count).OrderByDescending(c => c.Value).ToList();
            if (past.Count > 0)
            {
                findings.Add(Error(FindingCodes.MaskUnknownId, $"{Pixels(past)} an object number the annotation does not have ({Colours(past, true)}); it holds {count} object(s).", IndexOfColour[past[0].Key], count));
            }
        }
    }

    private static void Segments(MaskPixels pixels, PanopticKey? png, List<Finding> findings)
    {
        if (png is null)
        {
            findings.Add(new Finding(FindingCodes.MaskSegmentsMismatch, Severity.Warning, null, null, "No annotation of the panoptic JSON names this PNG: its segments have no categories.", null));
            return;
        }

        var inPng = pixels.Colours.Keys.Select(c => (long)(((c >> 16) & 0xFF) + (((c >> 8) & 0xFF) << 8) + ((c & 0xFF) << 16))).Where(id => id != 0).ToHashSet();
        var listed = png.SegmentIds.ToHashSet();
        var unlisted = inPng.Where(id => !listed.Contains(id)).Order().ToList();
        var absent = listed.Where(id => !inPng.Contains(id)).Order().ToList();
        if (unlisted.Count > 0)
        {
            findings.Add(Error(FindingCodes.MaskSegmentsMismatch, $"Segment id(s) {Ids(unlisted)} are in the PNG but not in segments_info of image {png.ImageId}.", unlisted.Count, 0));
        }

        if (absent.Count > 0)
        {
            findings.Add(Error(FindingCodes.MaskSegmentsMismatch, $"Segment id(s) {Ids(absent)} of segments_info of image {png.ImageId} have no pixel in the PNG.", absent.Count, 0));
        }
    }

    private static string Pixels(IReadOnlyList<KeyValuePair<int, long>> colours) =>
        $"{colours.Sum(c => c.Value):N0} pixel(s) have";

    private static string Colours(IReadOnlyList<KeyValuePair<int, long>> colours, bool withIndex) => string.Join("; ", colours.Take(3).Select(c =>
        $"({c.Key >> 16}, {(c.Key >> 8) & 0xFF}, {c.Key & 0xFF}){(withIndex && IndexOfColour.TryGetValue(c.Key, out var i) ? $", palette index {i}" : string.Empty)}"))
        + (colours.Count > 3 ? $"; {colours.Count - 3} more" : string.Empty);

    private static string Ids(List<long> ids) => string.Join(", ", ids.Take(5)) + (ids.Count > 5 ? $" and {ids.Count - 5} more" : string.Empty);

    private static Finding Error(string code, string message, double? value = null, double? threshold = null) =>
        new(code, Severity.Error, value, threshold, message, null);
}
