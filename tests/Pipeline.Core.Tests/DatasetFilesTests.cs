using Pipeline.Core.Labels;

namespace Pipeline.Core.Tests;

/// <summary>Files told apart by name, and text files by their lines, as dataset tools lay them out.</summary>
public sealed class DatasetFilesTests
{
    [Theory]
    [InlineData("README.dataset.txt", FileRole.Layout, "documentation")] // Roboflow
    [InlineData("README.roboflow.txt", FileRole.Layout, "documentation")]
    [InlineData("LICENSE", FileRole.Layout, "documentation")]
    [InlineData("b/license-cc-by.md", FileRole.Layout, "documentation")]
    [InlineData("VOC2012/ImageSets/Main/cat_val.txt", FileRole.Layout, "VOC split list")]
    [InlineData("VOC2012/SegmentationObject/2008_000001.png", FileRole.Layout, "segmentation mask")]
    [InlineData("annotations/panoptic_val2017/000000000139.png", FileRole.Layout, "segmentation mask")]
    [InlineData("obj.data", FileRole.Layout, "Darknet data file")]
    [InlineData("labelmap.txt", FileRole.Layout, "label map")]
    [InlineData("obj.names", FileRole.Annotations, "")]
    [InlineData("data.yaml", FileRole.Annotations, "")]
    [InlineData("train/_annotations.coco.json", FileRole.Annotations, "")]
    [InlineData("images/readme.png", FileRole.Image, "")] // a picture whatever its stem
    [InlineData("photos/IMG_0001", FileRole.Image, "")] // no extension: the bytes decide
    [InlineData("photos/IMG_0001.HEIC", FileRole.Image, "")] // a picture the guard will refuse in its own words
    [InlineData("notes.docx", FileRole.Unrecognised, "")]
    public void A_file_is_known_by_its_name_where_its_name_settles_it(string path, FileRole role, string kind) =>
        Assert.Equal(new FileKind(role, kind), DatasetFiles.ByName(path));

    [Theory]
    [InlineData("0 0.5 0.5 0.2 0.2\n1 0.1 0.1 0.05 0.05\n", FileRole.Annotations, "")]
    [InlineData("", FileRole.Annotations, "")] // an image with no objects
    [InlineData("0 0.1 0.2 0.4 0.2 0.4 0.6 0.1 0.6\n", FileRole.Annotations, "")] // an oriented box
    [InlineData("data/obj_train_data/a.jpg\ndata/obj_train_data/b.jpg\n", FileRole.Layout, "image list")]
    [InlineData("2008_000001\n2008_000002\n", FileRole.Layout, "split list")]
    [InlineData("000005 -1\n000007  1\n", FileRole.Layout, "split list")]
    [InlineData("0 0.5 0.5 0.2 0.2\n0 0.5 0.5\n", FileRole.Annotations, "")] // a label file with a bad line: read, and the line reported
    [InlineData("1 0.5 0.5 0.2\n", FileRole.Annotations, "")]
    [InlineData("Collected in 2024 by the field team.\nAsk before sharing.\n", FileRole.Unrecognised, "")]
    public void A_text_file_is_known_by_its_lines(string text, FileRole role, string kind) =>
        Assert.Equal(new FileKind(role, kind), DatasetFiles.SniffText("x/train.txt", text));

    [Fact]
    public void Layouts_are_found_at_the_folders_they_are_rooted_in_with_their_splits()
    {
        string[] paths =
        [
            "VOCdevkit/VOC2012/Annotations/a.xml", "VOCdevkit/VOC2012/JPEGImages/a.jpg", "VOCdevkit/VOC2012/ImageSets/Main/train.txt",
            "VOCdevkit/VOC2012/ImageSets/Main/val.txt", "VOCdevkit/VOC2012/ImageSets/Main/cat_train.txt",
            "yolo/obj.names", "yolo/obj.data", "yolo/train.txt", "yolo/valid.txt", "yolo/obj_train_data/a.txt",
            "rf/train/_annotations.coco.json", "rf/valid/_annotations.coco.json", "rf/test/_annotations.coco.json",
            "u/data.yaml", "u/images/train/a.jpg", "u/images/val/b.jpg", "u/labels/train/a.txt",
        ];

        var layouts = DatasetFiles.Layouts(paths);

        Assert.Equal(
            [("VOCdevkit/VOC2012", "Pascal VOC devkit", "train, val"), ("rf", "Roboflow COCO", "train, valid, test"), ("u", "Ultralytics YOLO", "train, val"), ("yolo", "Darknet YOLO", "train, valid")],
            layouts.Select(l => (l.Folder, l.Name, string.Join(", ", l.Splits))).OrderBy(l => l.Folder, StringComparer.Ordinal));
    }

    [Fact]
    public void A_data_yaml_names_its_split_lists_beside_it_or_by_a_unique_name_never_folders_or_missing_files()
    {
        const string yaml = """
            path: /home/me/datasets/parts  # the training machine's folder
            train: ./lists/train_a.txt
            val: [val_1.txt, 'val_2.txt']  # a list of lists
            test: images/test  # a folder, not a list
            names: {0: part}
            """;
        string[] paths = ["d/data.yaml", "d/lists/train_a.txt", "d/val_1.txt", "other/val_2.txt", "d/images/test/1.jpg", "x/val_1.txt"];

        var named = DatasetSplits.NamedByConfig("d/data.yaml", yaml, paths);

        // val_1.txt beside the YAML file wins over another of that name; val_2.txt is the only one anywhere.
        Assert.Equal(
            [("d/lists/train_a.txt", "train"), ("d/val_1.txt", "val"), ("other/val_2.txt", "val")],
            named.Select(n => (n.Key, n.Value)).OrderBy(n => n.Key, StringComparer.Ordinal));
        Assert.Empty(DatasetSplits.NamedByConfig("d/data.yaml", "train: missing.txt\nval: x.txt\n", ["d/data.yaml", "a/x.txt", "b/x.txt"])); // absent, or two of that name
    }
}
