using System.Text;
using System.Text.Json;
using Pipeline.Core;
using Pipeline.Core.Findings;
using Pipeline.Testing;

namespace Pipeline.Cli.Tests;

/// <summary>
/// <c>pipeline validate</c> on datasets laid out as their tools write them: every file has a record, none has an
/// error, the boxes counted are the boxes in the files, and the layout and its splits are named in the summary.
/// </summary>
public sealed class NativeLayoutTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("layouts-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    public static TheoryData<string> Layouts { get; } = ["voc", "darknet", "ultralytics", "cvat", "labelstudio", "roboflow-coco", "roboflow-yolo", "coco-panoptic", "ultralytics-lists"];

    private static NativeLayouts.Dataset Make(string layout) => layout switch
    {
        "voc" => NativeLayouts.VocDevkit(),
        "darknet" => NativeLayouts.DarknetYolo(),
        "cvat" => NativeLayouts.CvatForImages(),
        "labelstudio" => NativeLayouts.LabelStudio(),
        "roboflow-coco" => NativeLayouts.RoboflowCoco(),
        "roboflow-yolo" => NativeLayouts.RoboflowYolo(),
        "coco-panoptic" => NativeLayouts.CocoPanoptic(),
        "ultralytics-lists" => NativeLayouts.UltralyticsLists(),
        _ => NativeLayouts.UltralyticsYolo(),
    };

    private static string Summary(string layout) => layout switch
    {
        "voc" => "Pascal VOC devkit (VOCdevkit/VOC2012): 3 annotation files, 4 boxes, splits train, trainval, val",
        "darknet" => "Darknet YOLO: 4 annotation files, 3 boxes, splits train",
        "cvat" => "CVAT for images 1.1: 1 annotation files, 3 boxes",
        "labelstudio" => "Label Studio export: 1 annotation files, 2 boxes",
        "roboflow-coco" => "Roboflow COCO: 2 annotation files, 3 boxes, splits train, valid",
        "roboflow-yolo" => "Ultralytics YOLO: 5 annotation files, 5 boxes, splits train, valid, test",
        "coco-panoptic" => "COCO: 1 annotation files, 2 boxes",
        "ultralytics-lists" => "Ultralytics YOLO: 4 annotation files, 4 boxes, splits train2017, val2017",
        _ => "Ultralytics YOLO: 4 annotation files, 4 boxes, splits train, val",
    };

    private async Task<(int Exit, string Output, List<FileReport> Records)> ValidateAsync(NativeLayouts.Dataset dataset)
    {
        var root = Path.Combine(folder, "data");
        dataset.WriteTo(root);
        var json = Path.Combine(folder, "records.jsonl");
        var (exit, output, _) = await Cli.RunAsync("validate", root, "--json", json);
        return (exit, output, [.. File.ReadAllLines(json).Select(l => JsonSerializer.Deserialize<FileReport>(l, PipelineJson.Options)!)]);
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public async Task A_valid_dataset_in_its_tools_layout_gets_no_error_and_every_file_a_record(string layout)
    {
        var dataset = Make(layout);

        var (exit, output, records) = await ValidateAsync(dataset);

        Assert.Equal(dataset.Files.Keys.Order(StringComparer.Ordinal), records.Select(r => r.Path).Order(StringComparer.Ordinal));
        Assert.All(records, r => Assert.DoesNotContain(r.Findings, f => f.Severity == Severity.Error));
        Assert.Equal(PipelineCli.Accepted, exit);
        Assert.Equal(dataset.Boxes, records.Where(r => r.Kind == "annotations").Sum(r => r.Annotations ?? 0));
        Assert.Equal(dataset.AnnotationFiles, records.Count(r => r.Kind == "annotations"));
        Assert.True(output.Contains(Summary(layout), StringComparison.Ordinal), output);
        Assert.DoesNotContain("YOLO labels", output, StringComparison.Ordinal);

        // Each image in the split its lists or folders give it (written by hand with the data), and nothing else placed.
        var expected = dataset.ImageSplits ?? new Dictionary<string, string>();
        Assert.Equal(expected.OrderBy(e => e.Key, StringComparer.Ordinal), records.Where(r => r.Split is not null).Select(r => KeyValuePair.Create(r.Path, r.Split!)).OrderBy(e => e.Key, StringComparer.Ordinal));
        if (expected.Count > 0)
        {
            var counts = expected.Values.GroupBy(s => s).OrderBy(g => g.Key switch { "train" => 0, "val" => 1, _ => 2 }).Select(g => $"{g.Key} {g.Count()}");
            Assert.Contains($"Splits the dataset gives: {string.Join(", ", counts)} images", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_split_list_naming_a_missing_image_is_rejected_alone_and_an_image_in_two_splits_is_warned_and_kept_in_the_first()
    {
        var voc = NativeLayouts.VocDevkit();
        var darknet = NativeLayouts.DarknetYolo();
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (path, bytes) in voc.Files)
        {
            files["voc/" + path] = path.EndsWith("ImageSets/Main/val.txt", StringComparison.Ordinal) ? Encoding.UTF8.GetBytes("2008_000003\n2008_000001\n") : bytes;
        }

        foreach (var (path, bytes) in darknet.Files)
        {
            files["darknet/" + path] = path == "train.txt" ? Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(bytes) + "data/obj_train_data/frame_000009.jpg\n") : bytes;
        }

        var (exit, _, records) = await ValidateAsync(new NativeLayouts.Dataset(files, 0, 0, []));

        Assert.Equal(PipelineCli.Rejected, exit);
        var rejected = Assert.Single(records, r => r.Status == "rejected");
        Assert.Equal("darknet/train.txt", rejected.Path);
        var missing = Assert.Single(rejected.Findings, f => f.Code == FindingCodes.SplitImageMissing);
        Assert.Contains("data/obj_train_data/frame_000009.jpg", missing.Message, StringComparison.Ordinal);
        var val = Assert.Single(records, r => r.Path == "voc/VOCdevkit/VOC2012/ImageSets/Main/val.txt");
        Assert.Equal("accepted", val.Status);
        Assert.Contains("2008_000001.jpg is listed in train", Assert.Single(val.Findings, f => f.Code == FindingCodes.SplitConflict).Message, StringComparison.Ordinal);
        Assert.Equal("train", Assert.Single(records, r => r.Path == "voc/VOCdevkit/VOC2012/JPEGImages/2008_000001.jpg").Split);
        Assert.Equal("train", Assert.Single(records, r => r.Path == "darknet/obj_train_data/frame_000002.jpg").Split);
    }

    [Fact]
    public async Task A_mask_with_an_unknown_class_or_the_wrong_size_and_a_panoptic_png_off_its_segments_are_rejected_alone()
    {
        const string voc = NativeLayouts.BadMasksVoc;
        var files = NativeLayouts.BadMasks();

        var (exit, _, records) = await ValidateAsync(new NativeLayouts.Dataset(files, 0, 0, []));

        Assert.Equal(PipelineCli.Rejected, exit);
        Assert.Equal(
            ["coco/annotations/panoptic_val2017/000000000139.png", voc + "SegmentationClass/2008_000001.png", voc + "SegmentationObject/2008_000003.png"],
            records.Where(r => r.Status == "rejected").Select(r => r.Path).Order(StringComparer.Ordinal));
        var unknownClass = Assert.Single(records.Single(r => r.Path == voc + "SegmentationClass/2008_000001.png").Findings, f => f.Code == FindingCodes.MaskUnknownId);
        Assert.Contains("1,600 pixel(s) have a colour no class has ((128, 128, 0))", unknownClass.Message, StringComparison.Ordinal);
        Assert.Contains("the 3 labels of labelmap.txt", unknownClass.Message, StringComparison.Ordinal);
        var objectMask = records.Single(r => r.Path == voc + "SegmentationObject/2008_000003.png");
        Assert.Contains("The mask is 160×120; its image is 320×240", Assert.Single(objectMask.Findings, f => f.Code == FindingCodes.MaskSizeMismatch).Message, StringComparison.Ordinal);
        Assert.Contains("palette index 2); it holds 1 object(s)", Assert.Single(objectMask.Findings, f => f.Code == FindingCodes.MaskUnknownId).Message, StringComparison.Ordinal);
        var panoptic = records.Single(r => r.Path == "coco/annotations/panoptic_val2017/000000000139.png").Findings.Where(f => f.Code == FindingCodes.MaskSegmentsMismatch).Select(f => f.Message).ToList();
        Assert.Equal(2, panoptic.Count);
        Assert.Contains("Segment id(s) 7 are in the PNG but not in segments_info of image 139.", panoptic);
        Assert.Contains("Segment id(s) 4605006 of segments_info of image 139 have no pixel in the PNG.", panoptic);

        // The sound masks beside them are read and accepted: their size is recorded, and nothing was lost.
        var sound = records.Single(r => r.Path == voc + "SegmentationClass/2008_000002.png");
        Assert.Equal(("accepted", 320, 240), (sound.Status, sound.Width, sound.Height));
        Assert.Equal(files.Count, records.Count);
    }

    [Fact]
    public async Task Split_lists_configs_masks_and_readmes_are_recognised_as_what_they_are_never_judged()
    {
        var (_, _, records) = await ValidateAsync(NativeLayouts.VocDevkit());
        var darknet = Path.Combine(folder, "darknet");
        NativeLayouts.DarknetYolo().WriteTo(darknet);
        var json = Path.Combine(folder, "darknet.jsonl");
        await Cli.RunAsync("validate", darknet, "--json", json);
        records.AddRange(File.ReadAllLines(json).Select(l => JsonSerializer.Deserialize<FileReport>(l, PipelineJson.Options)!));

        string KindOf(string path) => Assert.Single(records, r => r.Path == path).Format;
        Assert.Equal("VOC split list", KindOf("VOCdevkit/VOC2012/ImageSets/Main/train.txt"));
        Assert.Equal("VOC split list", KindOf("VOCdevkit/VOC2012/ImageSets/Main/cat_train.txt"));
        Assert.Equal("VOC split list", KindOf("VOCdevkit/VOC2012/ImageSets/Action/train.txt"));
        Assert.Equal("segmentation mask", KindOf("VOCdevkit/VOC2012/SegmentationClass/2008_000001.png"));
        Assert.Equal("label map", KindOf("labelmap.txt"));
        Assert.Equal("Darknet data file", KindOf("obj.data"));
        Assert.Equal("image list", KindOf("train.txt"));
        Assert.Equal("documentation", KindOf("README.txt"));
        Assert.Equal("documentation", KindOf("LICENSE.txt"));
        Assert.All(records.Where(r => r.Kind == "layout"), r =>
        {
            Assert.Equal("accepted", r.Status);
            Assert.Equal(FindingCodes.FileLayout, Assert.Single(r.Findings).Code);
        });
        Assert.Equal(("accepted", "annotations"), (Assert.Single(records, r => r.Path == "obj.names").Status, Assert.Single(records, r => r.Path == "obj.names").Kind));
    }

    [Fact]
    public async Task A_file_nothing_recognises_gets_one_info_finding_and_is_skipped_not_rejected()
    {
        var dataset = NativeLayouts.UltralyticsYolo();
        var files = new Dictionary<string, byte[]>(dataset.Files)
        {
            ["notes.docx"] = [0x50, 0x4b, 0x03, 0x04, 1, 2, 3],
            ["labels/train/todo.txt"] = Encoding.UTF8.GetBytes("relabel the blurry ones, ask Sam about the dogs\nand check the val split twice\n"),
            // A dataset card as the Hugging Face hub writes it: JSON, but no COCO section, so no annotation file at all.
            ["dataset_info.json"] = Encoding.UTF8.GetBytes("""{"description": "Pets, 3 classes", "citation": "", "license": "CC-BY-4.0", "features": {"image": {"_type": "Image"}}, "splits": {"train": {"num_examples": 2}}}"""),
        };

        var (exit, output, records) = await ValidateAsync(dataset with { Files = files });

        Assert.Equal(PipelineCli.Accepted, exit);
        foreach (var path in new[] { "notes.docx", "labels/train/todo.txt", "dataset_info.json" })
        {
            var record = Assert.Single(records, r => r.Path == path);
            Assert.Equal(("skipped", "other"), (record.Status, record.Kind));
            Assert.Equal(FindingCodes.FileUnrecognised, Assert.Single(record.Findings).Code);
        }

        Assert.Contains("3 not recognised (skipped)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_label_file_with_a_class_past_the_class_list_still_rejects_only_that_file()
    {
        var dataset = NativeLayouts.DarknetYolo();
        var files = new Dictionary<string, byte[]>(dataset.Files) { ["obj_train_data/frame_000001.txt"] = Encoding.UTF8.GetBytes("7 0.5 0.5 0.4 0.4\n") };

        var (exit, _, records) = await ValidateAsync(dataset with { Files = files });

        Assert.Equal(PipelineCli.Rejected, exit);
        var bad = Assert.Single(records, r => r.Status == "rejected");
        Assert.Equal("obj_train_data/frame_000001.txt", bad.Path);
        Assert.Contains(bad.Findings, f => f.Code == FindingCodes.LabelUndefined);
    }

    [Fact]
    public async Task A_label_studio_percent_over_100_and_a_cvat_file_with_a_dtd_reject_only_their_file()
    {
        var studio = NativeLayouts.LabelStudio();
        var cvat = NativeLayouts.CvatForImages();
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (path, bytes) in studio.Files)
        {
            files["studio/" + path] = path == "export.json" ? Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(bytes).Replace("\"x\": 50.0", "\"x\": 150.0", StringComparison.Ordinal)) : bytes;
        }

        foreach (var (path, bytes) in cvat.Files)
        {
            files["cvat/" + path] = path == "annotations.xml"
                ? Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(bytes).Replace("<annotations>", "<!DOCTYPE annotations [<!ENTITY x \"boom\">]>\n<annotations>", StringComparison.Ordinal))
                : bytes;
        }

        var (exit, _, records) = await ValidateAsync(new NativeLayouts.Dataset(files, 0, 0, []));

        Assert.Equal(PipelineCli.Rejected, exit);
        Assert.Equal(["cvat/annotations.xml", "studio/export.json"], records.Where(r => r.Status == "rejected").Select(r => r.Path).Order(StringComparer.Ordinal));
        Assert.Contains(Assert.Single(records, r => r.Path == "studio/export.json").Findings, f => f.Code == FindingCodes.LabelValueInvalid && f.Message.Contains("percents", StringComparison.Ordinal));
        Assert.Contains(Assert.Single(records, r => r.Path == "cvat/annotations.xml").Findings, f => f.Code == FindingCodes.LabelFileInvalid && f.Message.Contains("DTD", StringComparison.Ordinal));
        Assert.All(records.Where(r => r.Kind == "image"), r => Assert.Equal("accepted", r.Status));
    }

    [Fact]
    public async Task Label_statistics_are_judged_over_the_folder_not_per_annotation_file()
    {
        // A COCO train/val pair as the task files are usually split: 'dog' is used only in val, and 'cat' has one box
        // in each file (two in the folder: over the few-samples threshold of 1 only when counted together).
        static string Coco(params (string File, string Label)[] boxes) => PromotionTestData.Coco(boxes);
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["annotations/instances_train.json"] = Encoding.UTF8.GetBytes(Coco(("a.jpg", "cat"))),
            ["annotations/instances_val.json"] = Encoding.UTF8.GetBytes(Coco(("c.jpg", "cat"), ("d.jpg", "dog"), ("e.jpg", "dog"))),
        };
        foreach (var (name, seed) in new[] { ("a", 1), ("b", 2), ("c", 3), ("d", 4), ("e", 5) })
        {
            files[$"images/{name}.jpg"] = TestFiles.Jpeg(320, 240, seed: 100 + seed);
        }

        var (_, _, records) = await ValidateAsync(new NativeLayouts.Dataset(files, 4, 2, []));

        var findings = records.Where(r => r.Kind == "annotations").SelectMany(r => r.Findings).ToList();
        Assert.DoesNotContain(findings, f => f.Code == FindingCodes.LabelUnused);
        Assert.DoesNotContain(findings, f => f.Code == FindingCodes.LabelFewSamples);

        // And a label no file uses is still reported, once, on the file that defines it.
        files["annotations/instances_val.json"] = Encoding.UTF8.GetBytes(Coco(("c.jpg", "cat")));
        Directory.Delete(Path.Combine(folder, "data"), recursive: true);
        (_, _, records) = await ValidateAsync(new NativeLayouts.Dataset(files, 4, 2, []));
        var unused = Assert.Single(records.SelectMany(r => r.Findings), f => f.Code == FindingCodes.LabelUnused);
        Assert.Contains("'dog'", unused.Message, StringComparison.Ordinal);
        Assert.Contains(Assert.Single(records, r => r.Path == "annotations/instances_train.json").Findings, f => f.Code == FindingCodes.LabelUnused);
    }
}
