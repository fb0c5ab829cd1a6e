using Pipeline.Core.Findings;

namespace Pipeline.Core.Labels;

/// <summary>The annotation formats read (all three) and written (COCO and YOLO).</summary>
public enum LabelFormat
{
    /// <summary>COCO detection JSON.</summary>
    Coco,

    /// <summary>YOLO: one text file per image, class index and normalised centre box per line, plus the class list.</summary>
    Yolo,

    /// <summary>Pascal VOC: one XML file per image.</summary>
    Voc,

    /// <summary>CVAT for images 1.1: one XML file for many images (read by the VOC path, which tells them apart by the root element).</summary>
    Cvat,

    /// <summary>Label Studio's JSON export: a top-level array of tasks (read by the COCO path, which tells them apart by the first token).</summary>
    LabelStudio,
}

/// <summary>A label (class) of the taxonomy.</summary>
/// <param name="Id">Its id in the source (COCO category id, YOLO class index, VOC order of first use).</param>
/// <param name="Name">Its name.</param>
/// <param name="Supercategory">COCO's supercategory, when given.</param>
public sealed record LabelCategory(long Id, string Name, string? Supercategory = null);

/// <summary>An image the annotations refer to.</summary>
/// <param name="Id">Its id in the source (COCO image id; the file's order for YOLO and VOC).</param>
/// <param name="FileName">The image's file name as the annotations give it.</param>
/// <param name="Width">The width the annotations record, if any.</param>
/// <param name="Height">The height the annotations record, if any.</param>
public sealed record LabelImage(long Id, string FileName, int? Width, int? Height);

/// <summary>
/// One box: top-left corner and size, in pixels, or as fractions of the image when the document is
/// <see cref="LabelDocument.Normalized"/> (YOLO). Values are kept as read (NaN, negative sizes and all) so
/// the checks can report them.
/// </summary>
/// <param name="Id">The annotation's id (COCO) or its 1-based line or object number in its file.</param>
/// <param name="ImageId">The image it belongs to.</param>
/// <param name="CategoryId">Its label.</param>
/// <param name="X">Left edge.</param>
/// <param name="Y">Top edge.</param>
/// <param name="Width">Width.</param>
/// <param name="Height">Height.</param>
/// <param name="Annotator">Who drew it, when the source says.</param>
/// <param name="Segmentation">COCO segmentation (polygons or RLE), carried through as its JSON text.</param>
/// <param name="Attributes">Attributes as text (COCO <c>iscrowd</c> and <c>attributes</c>; VOC pose, truncated, difficult, occluded).</param>
public sealed record LabelBox(
    long Id, long ImageId, long CategoryId, double X, double Y, double Width, double Height,
    string? Annotator = null, string? Segmentation = null, IReadOnlyDictionary<string, string>? Attributes = null)
{
    /// <summary>
    /// Whether <paramref name="other"/> is the same annotation: equal ids, label, annotator, segmentation and
    /// attributes, and coordinates equal to within a millionth of a pixel (formats that store the centre, as
    /// YOLO does, cannot give back the corner bit for bit).
    /// </summary>
    public bool SameAs(LabelBox other) =>
        Id == other.Id && ImageId == other.ImageId && CategoryId == other.CategoryId &&
        Close(X, other.X) && Close(Y, other.Y) && Close(Width, other.Width) && Close(Height, other.Height) &&
        Annotator == other.Annotator && Segmentation == other.Segmentation &&
        (Attributes ?? Empty).Count == (other.Attributes ?? Empty).Count &&
        (Attributes ?? Empty).All(a => (other.Attributes ?? Empty).TryGetValue(a.Key, out var v) && v == a.Value);

    private static bool Close(double a, double b) => a.Equals(b) || Math.Abs(a - b) <= 1e-6 * Math.Max(1, Math.Abs(a));

    private static readonly Dictionary<string, string> Empty = [];
}

/// <summary>A COCO panoptic annotation's PNG: each pixel's segment id is R + 256·G + 256²·B, 0 where no segment is.</summary>
/// <param name="FileName">The PNG's file name as the annotation gives it.</param>
/// <param name="ImageId">The image it segments.</param>
/// <param name="SegmentIds">The ids <c>segments_info</c> lists.</param>
public sealed record PanopticPng(string FileName, long ImageId, IReadOnlyList<long> SegmentIds);

/// <summary>
/// Annotations of one or more files in one model, whatever their format. Problems met while reading are
/// <see cref="Findings"/>; a file that cannot be read at all leaves the model empty with an error finding.
/// </summary>
public sealed class LabelDocument
{
    /// <summary>The format read.</summary>
    public required LabelFormat Format { get; set; }

    /// <summary>Whether boxes are fractions of the image size (YOLO) rather than pixels.</summary>
    public bool Normalized { get; init; }

    /// <summary>The taxonomy.</summary>
    public List<LabelCategory> Categories { get; } = [];

    /// <summary>The images referred to.</summary>
    public List<LabelImage> Images { get; } = [];

    /// <summary>The boxes.</summary>
    public List<LabelBox> Boxes { get; } = [];

    /// <summary>For formats with one annotation file per image (YOLO, VOC): the file each image's annotations came from.</summary>
    public Dictionary<string, string> SourceOfImage { get; } = new(StringComparer.Ordinal);

    /// <summary>COCO captions read (a captions file has no boxes and needs no categories).</summary>
    public int Captions { get; set; }

    /// <summary>Image-level labels read (COCO annotations with a category and no box).</summary>
    public int ImageLevelLabels { get; set; }

    /// <summary>Labelled keypoints read (COCO person_keypoints: triplets with visibility above 0).</summary>
    public int Keypoints { get; set; }

    /// <summary>Object parts read (Pascal VOC's person layout: head, hands, feet, each with its own box).</summary>
    public int Parts { get; set; }

    /// <summary>COCO: the keypoints each category names (its <c>keypoints</c> list's length), for the categories that name any.</summary>
    internal Dictionary<long, int> KeypointsPerCategory { get; } = [];

    /// <summary>COCO: each annotation with keypoints, its category and how many triplets it gives (checked against its category once the file is read).</summary>
    internal List<(long Annotation, long Category, int Points)> KeypointAnnotations { get; } = [];

    /// <summary>COCO panoptic: each annotation's PNG of segment ids (its <c>file_name</c>), the image it belongs to and the segment ids it lists.</summary>
    public List<PanopticPng> PanopticPngs { get; } = [];

    /// <summary>
    /// Whether the file read is not an annotation file at all: a JSON object with none of COCO's <c>images</c>,
    /// <c>annotations</c> or <c>categories</c> (a dataset card, a tool's settings). It is skipped, never judged.
    /// </summary>
    public bool NotAnnotations { get; set; }

    /// <summary>Problems found while reading (bad files, bad values, dangling references).</summary>
    public List<Finding> Findings { get; } = [];

    private Dictionary<string, long>? categoryIds;

    /// <summary>
    /// The id of the label named <paramref name="name"/>, added to <see cref="Categories"/> on first use: for formats
    /// that name labels rather than number them (VOC, CVAT, Label Studio), ids are in order of first use.
    /// </summary>
    public long CategoryNamed(string name)
    {
        categoryIds ??= Categories.GroupBy(c => c.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Id, StringComparer.Ordinal);
        if (!categoryIds.TryGetValue(name, out var id))
        {
            id = categoryIds[name] = Categories.Count;
            Categories.Add(new LabelCategory(id, name));
        }

        return id;
    }

    /// <summary>The labels in id order, the first of each id (a file may repeat one).</summary>
    public List<LabelCategory> CategoriesById() => [.. Categories.GroupBy(c => c.Id).Select(g => g.First()).OrderBy(c => c.Id)];

    /// <summary>Each label's name by id (the first of a repeated id).</summary>
    public Dictionary<long, string> CategoryNames() => Categories.GroupBy(c => c.Id).ToDictionary(g => g.Key, g => g.First().Name);

    /// <summary>Whether the model has the same taxonomy, images and boxes as <paramref name="other"/>.</summary>
    public bool SameAs(LabelDocument other) =>
        Normalized == other.Normalized &&
        Categories.SequenceEqual(other.Categories) && Images.SequenceEqual(other.Images) &&
        Boxes.Count == other.Boxes.Count && Boxes.Zip(other.Boxes).All(p => p.First.SameAs(p.Second));
}
