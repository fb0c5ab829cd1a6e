using System.Globalization;
using System.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace Pipeline.Testing;

/// <summary>
/// Small datasets written the way the tools that make them write them: file names, side files, split lists,
/// class lists, READMEs and masks included. Each returns its files (relative path → bytes) and what a reader should
/// find in them. The layouts follow the tools' own output: CVAT's "Pascal VOC 1.1" and "YOLO 1.1" exports (the
/// latter Darknet's layout), the VOC devkit as the challenge distributes it, and Ultralytics' <c>data.yaml</c> layout.
/// </summary>
public static class NativeLayouts
{
    /// <summary>A dataset as files, and what is in it.</summary>
    /// <param name="Files">Relative path → bytes.</param>
    /// <param name="Boxes">Boxes in its annotation files.</param>
    /// <param name="AnnotationFiles">Files that hold annotations (label files, XML, JSON, class lists).</param>
    /// <param name="Splits">The splits its lists or folders name.</param>
    /// <param name="ImageSplits">Image path → the split (train, val, test) its lists or folders put it in, as read by hand.</param>
    public sealed record Dataset(IReadOnlyDictionary<string, byte[]> Files, int Boxes, int AnnotationFiles, IReadOnlyList<string> Splits, IReadOnlyDictionary<string, string>? ImageSplits = null)
    {
        /// <summary>Writes the files under <paramref name="folder"/>.</summary>
        public void WriteTo(string folder)
        {
            foreach (var (path, bytes) in Files)
            {
                var full = Path.Combine(folder, path);
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                File.WriteAllBytes(full, bytes);
            }
        }
    }

    private static byte[] Text(string text) => Encoding.UTF8.GetBytes(text.Replace("\r\n", "\n", StringComparison.Ordinal));

    private const string Readme = """
        This dataset was exported for training a detector of cats and dogs.
        Each image has one box per animal. Questions: data@example.org
        """;

    private const string License = """
        Creative Commons Attribution 4.0 International (CC BY 4.0)
        You are free to share and adapt the material for any purpose, even commercially.
        """;

    // The VOC palette (the devkit's colour map): background black, the 255 "void" boundary, class 8 cat, class 12 dog; object masks number objects 1, 2, … in the same palette.
    private static readonly Rgb24 Void = new(224, 224, 192);
    private static readonly Rgb24 Cat = new(64, 0, 0);
    private static readonly Rgb24 Dog = new(64, 0, 128);
    private static readonly Rgb24[] ObjectColours = [new(128, 0, 0), new(0, 128, 0)];

    /// <summary>A 320×240 palette PNG as the devkit's masks are: each object's 80×60 box filled with its colour, outlined in the void colour.</summary>
    private static byte[] VocMask(IEnumerable<(int X, int Y, Rgb24 Colour)> objects)
    {
        using var mask = new Image<Rgb24>(320, 240, new Rgb24(0, 0, 0));
        foreach (var (x0, y0, colour) in objects)
        {
            for (var y = y0; y < y0 + 60; y++)
            {
                for (var x = x0; x < x0 + 80; x++)
                {
                    mask[x, y] = x == x0 || y == y0 || x == x0 + 79 || y == y0 + 59 ? Void : colour;
                }
            }
        }

        using var png = new MemoryStream();
        mask.SaveAsPng(png, new PngEncoder { ColorType = PngColorType.Palette, BitDepth = PngBitDepth.Bit8 });
        return png.ToArray();
    }

    /// <summary>
    /// A Pascal VOC devkit as CVAT's "Pascal VOC 1.1" export writes it inside <c>VOCdevkit/VOC2012</c>: one XML per image
    /// (with <c>difficult</c>, <c>truncated</c>, <c>occluded</c>), <c>ImageSets/Main</c> split lists (plain and per class with
    /// 1/-1 flags), <c>ImageSets/Segmentation</c>, <c>Layout</c> and <c>Action</c> lists, <c>SegmentationClass</c> and
    /// <c>SegmentationObject</c> masks, and <c>labelmap.txt</c> at the top.
    /// </summary>
    public static Dataset VocDevkit()
    {
        const string root = "VOCdevkit/VOC2012";
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        string[] ids = ["2008_000001", "2008_000002", "2008_000003"];
        (string Label, int X, int Y)[][] objects = [[("cat", 10, 20)], [("dog", 40, 30), ("cat", 150, 60)], [("dog", 60, 40)]];
        var boxes = 0;
        for (var i = 0; i < ids.Length; i++)
        {
            files[$"{root}/JPEGImages/{ids[i]}.jpg"] = TestFiles.Jpeg(320, 240, seed: 40 + i);
            var xml = new StringBuilder();
            xml.Append(CultureInfo.InvariantCulture, $"<annotation>\n\t<folder>VOC2012</folder>\n\t<filename>{ids[i]}.jpg</filename>\n\t<source>\n\t\t<database>Unknown</database>\n\t\t<annotation>Unknown</annotation>\n\t\t<image>Unknown</image>\n\t</source>\n");
            xml.Append("\t<size>\n\t\t<width>320</width>\n\t\t<height>240</height>\n\t\t<depth>3</depth>\n\t</size>\n\t<segmented>1</segmented>\n");
            foreach (var (label, x, y) in objects[i])
            {
                boxes++;
                xml.Append(CultureInfo.InvariantCulture, $"\t<object>\n\t\t<name>{label}</name>\n\t\t<pose>Unspecified</pose>\n\t\t<truncated>0</truncated>\n\t\t<occluded>0</occluded>\n\t\t<difficult>0</difficult>\n");
                xml.Append(CultureInfo.InvariantCulture, $"\t\t<bndbox>\n\t\t\t<xmin>{x}.0</xmin>\n\t\t\t<ymin>{y}.0</ymin>\n\t\t\t<xmax>{x + 80}.0</xmax>\n\t\t\t<ymax>{y + 60}.0</ymax>\n\t\t</bndbox>\n\t</object>\n");
            }

            xml.Append("</annotation>\n");
            files[$"{root}/Annotations/{ids[i]}.xml"] = Text(xml.ToString());
            files[$"{root}/SegmentationClass/{ids[i]}.png"] = VocMask(objects[i].Select(o => (o.X, o.Y, o.Label == "cat" ? Cat : Dog)));
            files[$"{root}/SegmentationObject/{ids[i]}.png"] = VocMask(objects[i].Select((o, k) => (o.X, o.Y, ObjectColours[k])));
        }

        files[$"{root}/ImageSets/Main/train.txt"] = Text($"{ids[0]}\n{ids[1]}\n");
        files[$"{root}/ImageSets/Main/val.txt"] = Text($"{ids[2]}\n");
        files[$"{root}/ImageSets/Main/trainval.txt"] = Text(string.Join('\n', ids) + "\n");
        files[$"{root}/ImageSets/Main/cat_train.txt"] = Text($"{ids[0]}  1\n{ids[1]}  1\n");
        files[$"{root}/ImageSets/Main/dog_train.txt"] = Text($"{ids[0]} -1\n{ids[1]}  1\n");
        files[$"{root}/ImageSets/Segmentation/train.txt"] = Text($"{ids[0]}\n{ids[1]}\n");
        files[$"{root}/ImageSets/Segmentation/val.txt"] = Text($"{ids[2]}\n");
        files[$"{root}/ImageSets/Layout/train.txt"] = Text(string.Empty);
        files[$"{root}/ImageSets/Action/train.txt"] = Text(string.Empty);
        files["labelmap.txt"] = Text("# label:color_rgb:parts:actions\nbackground:0,0,0::\ncat:64,0,0:head,tail:\ndog:64,0,128:head,tail:sitting,running\n");
        var splits = new Dictionary<string, string>
        {
            [$"{root}/JPEGImages/{ids[0]}.jpg"] = "train", [$"{root}/JPEGImages/{ids[1]}.jpg"] = "train", [$"{root}/JPEGImages/{ids[2]}.jpg"] = "val",
        };
        return new Dataset(files, boxes, ids.Length, ["train", "trainval", "val"], splits);
    }

    /// <summary>The folder of the VOC devkit inside <see cref="BadMasks"/>.</summary>
    public const string BadMasksVoc = "voc/VOCdevkit/VOC2012/";

    /// <summary>
    /// A VOC devkit (under <c>voc/</c>) and COCO panoptic (under <c>coco/</c>) with three bad masks: VOC's bird (palette
    /// index 3, (128, 128, 0)) in a class mask whose <c>labelmap.txt</c> names background, cat and dog; an object mask of
    /// 2008_000003 (one object) at half size holding a second object (palette index 2); a panoptic PNG holding segment 7,
    /// which <c>segments_info</c> does not list, and lacking the wall segment it lists.
    /// </summary>
    public static Dictionary<string, byte[]> BadMasks()
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (path, bytes) in VocDevkit().Files)
        {
            files["voc/" + path] = bytes;
        }

        foreach (var (path, bytes) in CocoPanoptic().Files)
        {
            files["coco/" + path] = bytes;
        }

        files[BadMasksVoc + "SegmentationClass/2008_000001.png"] = MaskPng(320, 240, (10, 20, 80, 60, 0x400000), (200, 100, 40, 40, 0x808000));
        files[BadMasksVoc + "SegmentationObject/2008_000003.png"] = MaskPng(160, 120, (30, 20, 40, 30, 0x800000), (100, 60, 20, 20, 0x008000));
        files["coco/annotations/panoptic_val2017/000000000139.png"] = MaskPng(320, 240, (10, 20, 80, 60, PanopticColour(6202563)), (200, 20, 50, 50, PanopticColour(7)));
        return files;
    }

    /// <summary>An RGB PNG mask, black (0) outside the regions, each region filled with its colour (packed <c>0xRRGGBB</c>).</summary>
    public static byte[] MaskPng(int width, int height, params (int X, int Y, int W, int H, int Rgb)[] regions)
    {
        using var mask = new Image<Rgb24>(width, height, new Rgb24(0, 0, 0));
        foreach (var (x0, y0, w, h, rgb) in regions)
        {
            var colour = new Rgb24((byte)(rgb >> 16), (byte)(rgb >> 8), (byte)rgb);
            for (var y = y0; y < Math.Min(height, y0 + h); y++)
            {
                for (var x = x0; x < Math.Min(width, x0 + w); x++)
                {
                    mask[x, y] = colour;
                }
            }
        }

        using var png = new MemoryStream();
        mask.SaveAsPng(png, new PngEncoder { ColorType = PngColorType.Rgb, BitDepth = PngBitDepth.Bit8 });
        return png.ToArray();
    }

    /// <summary>The colour COCO panoptic gives segment <paramref name="id"/> (R + 256·G + 256²·B = id), packed <c>0xRRGGBB</c>.</summary>
    public static int PanopticColour(long id) => (int)(((id % 256) << 16) | ((id / 256 % 256) << 8) | (id / 65536 % 256));

    /// <summary>
    /// COCO panoptic as <c>panoptic_annotations_trainval2017.zip</c> unpacks: <c>annotations/panoptic_val2017.json</c> (one
    /// annotation per image with its PNG's <c>file_name</c> and <c>segments_info</c>; categories with <c>isthing</c>) and
    /// <c>annotations/panoptic_val2017/{image}.png</c>, an RGB PNG whose pixels are segment ids (R + 256·G + 256²·B, 0 where
    /// no segment is), beside the images in <c>val2017/</c>. Segment ids are large, as COCO's are.
    /// </summary>
    public static Dataset CocoPanoptic()
    {
        (long Id, int Category, int X, int Y, int W, int H)[] segments = [(6202563, 1, 10, 20, 80, 60), (4605006, 199, 0, 180, 320, 60)];
        var png = MaskPng(320, 240, [.. segments.Select(s => (s.X, s.Y, s.W, s.H, PanopticColour(s.Id)))]);
        var info = string.Join(",", segments.Select(s => string.Create(CultureInfo.InvariantCulture,
            $"{{\"id\":{s.Id},\"category_id\":{s.Category},\"iscrowd\":0,\"bbox\":[{s.X},{s.Y},{s.W},{s.H}],\"area\":{s.W * s.H}}}")));
        var json = "{\"info\":{\"description\":\"COCO 2018 Panoptic Dataset\",\"version\":\"1.0\",\"year\":2018}," +
            "\"licenses\":[{\"url\":\"http://creativecommons.org/licenses/by/2.0/\",\"id\":1,\"name\":\"Attribution License\"}]," +
            "\"images\":[{\"license\":1,\"file_name\":\"000000000139.jpg\",\"height\":240,\"width\":320,\"id\":139}]," +
            $"\"annotations\":[{{\"segments_info\":[{info}],\"file_name\":\"000000000139.png\",\"image_id\":139}}]," +
            "\"categories\":[{\"supercategory\":\"person\",\"isthing\":1,\"id\":1,\"name\":\"person\"},{\"supercategory\":\"wall\",\"isthing\":0,\"id\":199,\"name\":\"wall-other-merged\"}]}";
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["val2017/000000000139.jpg"] = TestFiles.Jpeg(320, 240, seed: 139),
            ["annotations/panoptic_val2017.json"] = Text(json),
            ["annotations/panoptic_val2017/000000000139.png"] = png,
        };
        return new Dataset(files, segments.Length, 1, []);
    }

    /// <summary>
    /// Darknet's layout as CVAT's "YOLO 1.1" export writes it: <c>obj.names</c>, <c>obj.data</c> (classes, the train list, the
    /// names file, a backup folder), <c>train.txt</c> listing <c>data/obj_train_data/…</c> paths, and the images with one
    /// <c>.txt</c> of label lines each in <c>obj_train_data/</c> (an image with no objects has an empty file). A README and
    /// a licence sit at the top, as datasets shared on the web carry them.
    /// </summary>
    public static Dataset DarknetYolo()
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["obj.names"] = Text("cat\ndog\n"),
            ["obj.data"] = Text("classes = 2\ntrain = data/train.txt\nnames = data/obj.names\nbackup = backup/\n"),
            ["train.txt"] = Text("data/obj_train_data/frame_000000.jpg\ndata/obj_train_data/frame_000001.jpg\ndata/obj_train_data/frame_000002.jpg\n"),
            ["README.txt"] = Text(Readme),
            ["LICENSE.txt"] = Text(License),
            ["obj_train_data/frame_000000.txt"] = Text("0 0.250000 0.300000 0.200000 0.250000\n1 0.700000 0.600000 0.300000 0.350000\n"),
            ["obj_train_data/frame_000001.txt"] = Text("1 0.500000 0.500000 0.400000 0.400000\n"),
            ["obj_train_data/frame_000002.txt"] = Text(string.Empty),
        };
        for (var i = 0; i < 3; i++)
        {
            files[$"obj_train_data/frame_{i:D6}.jpg"] = TestFiles.Jpeg(320, 240, seed: 60 + i);
        }

        return new Dataset(files, 3, 4, ["train"], Enumerable.Range(0, 3).ToDictionary(i => $"obj_train_data/frame_{i:D6}.jpg", _ => "train"));
    }

    /// <summary>
    /// Ultralytics' layout: <c>data.yaml</c> (<c>path</c>, <c>train</c>/<c>val</c> folders, <c>names</c> as an index map),
    /// <c>images/{train,val}/</c> beside <c>labels/{train,val}/</c>, and a README.
    /// </summary>
    public static Dataset UltralyticsYolo()
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["data.yaml"] = Text("path: ../datasets/pets\ntrain: images/train\nval: images/val\n\nnames:\n  0: cat\n  1: dog\n"),
            ["README.md"] = Text("# Pets\n\n" + Readme),
            ["labels/train/a.txt"] = Text("0 0.5 0.5 0.2 0.2\n"),
            ["labels/train/b.txt"] = Text("1 0.4 0.4 0.3 0.3\n0 0.8 0.8 0.1 0.1\n"),
            ["labels/val/c.txt"] = Text("1 0.5 0.5 0.5 0.5\n"),
        };
        files["images/train/a.jpg"] = TestFiles.Jpeg(320, 240, seed: 70);
        files["images/train/b.jpg"] = TestFiles.Jpeg(320, 240, seed: 71);
        files["images/val/c.jpg"] = TestFiles.Jpeg(320, 240, seed: 72);
        return new Dataset(files, 4, 4, ["train", "val"], new Dictionary<string, string> { ["images/train/a.jpg"] = "train", ["images/train/b.jpg"] = "train", ["images/val/c.jpg"] = "val" });
    }

    /// <summary>
    /// Ultralytics with list files, as <c>coco.yaml</c> lays COCO out: <c>data.yaml</c> with <c>path</c> (a folder on the
    /// machine that trained), <c>train: train2017.txt</c> and <c>val: val2017.txt</c> (lists of <c>./images/…</c> paths,
    /// named for no split) and <c>names</c> as a map; images under <c>images/train2017/</c>, labels under
    /// <c>labels/train2017/</c>. Only the YAML file says which list is which split.
    /// </summary>
    public static Dataset UltralyticsLists()
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["data.yaml"] = Text("# COCO 2017 subset\npath: ../datasets/coco  # dataset root dir\ntrain: train2017.txt  # train images (relative to 'path') 2 images\nval: val2017.txt  # val images (relative to 'path') 1 images\ntest: test-dev2017.txt\n\nnames:\n  0: person\n  1: bicycle\n"),
            ["train2017.txt"] = Text("./images/train2017/000000000009.jpg\n./images/train2017/000000000025.jpg\n"),
            ["val2017.txt"] = Text("./images/val2017/000000000139.jpg\n"),
            ["labels/train2017/000000000009.txt"] = Text("0 0.5 0.5 0.2 0.2\n"),
            ["labels/train2017/000000000025.txt"] = Text("1 0.4 0.4 0.3 0.3\n"),
            ["labels/val2017/000000000139.txt"] = Text("0 0.5 0.5 0.5 0.5\n1 0.2 0.2 0.1 0.1\n"),
        };
        files["images/train2017/000000000009.jpg"] = TestFiles.Jpeg(320, 240, seed: 80);
        files["images/train2017/000000000025.jpg"] = TestFiles.Jpeg(320, 240, seed: 81);
        files["images/val2017/000000000139.jpg"] = TestFiles.Jpeg(320, 240, seed: 82);
        return new Dataset(files, 4, 4, ["train2017", "val2017"], new Dictionary<string, string>
        {
            ["images/train2017/000000000009.jpg"] = "train", ["images/train2017/000000000025.jpg"] = "train", ["images/val2017/000000000139.jpg"] = "val",
        });
    }

    private const string RoboflowReadme = """
        Pets - v1 2026-11-30 10:00am
        ==============================

        This dataset was exported via roboflow.com on November 30, 2026 at 10:00 AM GMT

        It includes 3 images.
        Pets are annotated in COCO format.
        """;

    /// <summary>
    /// Roboflow's "COCO" export: <c>{train,valid,test}/_annotations.coco.json</c> beside the split's images (renamed
    /// <c>{stem}_jpg.rf.{hash}.jpg</c>), ids from 0, the dataset's name as category 0 with the classes under it as
    /// supercategory, empty <c>segmentation</c> lists, and the two READMEs Roboflow writes at the top.
    /// </summary>
    public static Dataset RoboflowCoco()
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["README.dataset.txt"] = Text("# Pets > v1\nhttps://universe.roboflow.com/acme/pets/dataset/1\n\nProvided by a Roboflow user\nLicense: CC BY 4.0\n"),
            ["README.roboflow.txt"] = Text(RoboflowReadme),
        };
        var splits = new Dictionary<string, string>(StringComparer.Ordinal);
        var boxes = 0;
        foreach (var (folder, names, seed) in new[] { ("train", new[] { "a", "b" }, 110), ("valid", new[] { "c" }, 120) })
        {
            var images = new StringBuilder();
            var annotations = new StringBuilder();
            for (var i = 0; i < names.Length; i++)
            {
                var file = $"{names[i]}_jpg.rf.{(seed + i) * 7919:x8}.jpg";
                files[$"{folder}/{file}"] = TestFiles.Jpeg(320, 240, seed: seed + i);
                splits[$"{folder}/{file}"] = folder == "valid" ? "val" : folder;
                images.Append(CultureInfo.InvariantCulture, $"{(i > 0 ? "," : string.Empty)}{{\"id\":{i},\"license\":1,\"file_name\":\"{file}\",\"height\":240,\"width\":320,\"date_captured\":\"2026-11-30T10:00:00+00:00\"}}");
                annotations.Append(CultureInfo.InvariantCulture, $"{(i > 0 ? "," : string.Empty)}{{\"id\":{i},\"image_id\":{i},\"category_id\":{1 + (i % 2)},\"bbox\":[{20 + i},30,80.5,60],\"area\":4830,\"segmentation\":[],\"iscrowd\":0}}");
                boxes++;
            }

            files[$"{folder}/_annotations.coco.json"] = Text(
                "{\"info\":{\"year\":\"2026\",\"version\":\"1\",\"description\":\"Exported from roboflow.com\",\"contributor\":\"\",\"url\":\"https://public.roboflow.com/object-detection/undefined\",\"date_created\":\"2026-11-30T10:00:00+00:00\"}," +
                "\"licenses\":[{\"id\":1,\"url\":\"https://creativecommons.org/licenses/by/4.0/\",\"name\":\"CC BY 4.0\"}]," +
                "\"categories\":[{\"id\":0,\"name\":\"pets\",\"supercategory\":\"none\"},{\"id\":1,\"name\":\"cat\",\"supercategory\":\"pets\"},{\"id\":2,\"name\":\"dog\",\"supercategory\":\"pets\"}]," +
                $"\"images\":[{images}],\"annotations\":[{annotations}]}}");
        }

        return new Dataset(files, boxes, 2, ["train", "valid"], splits);
    }

    /// <summary>
    /// Roboflow's "YOLOv8" export: <c>data.yaml</c> naming <c>../train/images</c>-style folders, <c>nc</c>, <c>names</c> as a
    /// flow list and a <c>roboflow:</c> block, and <c>{train,valid,test}/images</c> beside <c>{split}/labels</c>.
    /// </summary>
    public static Dataset RoboflowYolo()
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["data.yaml"] = Text("train: ../train/images\nval: ../valid/images\ntest: ../test/images\n\nnc: 2\nnames: ['cat', 'dog']\n\nroboflow:\n  workspace: acme\n  project: pets\n  version: 1\n  license: CC BY 4.0\n  url: https://universe.roboflow.com/acme/pets/dataset/1\n"),
            ["README.roboflow.txt"] = Text(RoboflowReadme),
            ["train/labels/a_jpg.rf.1f2e3d4c.txt"] = Text("0 0.5 0.5 0.2 0.2\n"),
            ["train/labels/b_jpg.rf.5a6b7c8d.txt"] = Text("1 0.4 0.4 0.3 0.3\n"),
            ["valid/labels/c_jpg.rf.9e0f1a2b.txt"] = Text("1 0.5 0.5 0.5 0.5\n0 0.2 0.2 0.1 0.1\n"),
            ["test/labels/d_jpg.rf.3c4d5e6f.txt"] = Text("0 0.6 0.6 0.2 0.2\n"),
        };
        var splits = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (label, seed) in files.Keys.Where(k => k.EndsWith(".txt", StringComparison.Ordinal) && k.Contains("/labels/", StringComparison.Ordinal)).ToList().Select((k, i) => (k, i)))
        {
            var image = label.Replace("/labels/", "/images/", StringComparison.Ordinal)[..^4] + ".jpg";
            files[image] = TestFiles.Jpeg(320, 240, seed: 130 + seed);
            splits[image] = image.StartsWith("valid/", StringComparison.Ordinal) ? "val" : image[..image.IndexOf('/', StringComparison.Ordinal)];
        }

        return new Dataset(files, 5, 5, ["train", "valid", "test"], splits);
    }

    /// <summary>
    /// CVAT's "CVAT for images 1.1" export: <c>annotations.xml</c> (version, meta with the task's labels and their
    /// attributes, one <c>&lt;image&gt;</c> per frame with boxes, a polygon, points and a tag, <c>occluded</c>,
    /// <c>z_order</c> and attribute values) beside an <c>images/</c> folder.
    /// </summary>
    public static Dataset CvatForImages()
    {
        const string xml = """
            <?xml version="1.0" encoding="utf-8"?>
            <annotations>
              <version>1.1</version>
              <meta>
                <task>
                  <id>7</id>
                  <name>pets</name>
                  <size>2</size>
                  <mode>annotation</mode>
                  <labels>
                    <label>
                      <name>cat</name>
                      <color>#fa3253</color>
                      <type>any</type>
                      <attributes>
                        <attribute>
                          <name>pose</name>
                          <mutable>False</mutable>
                          <input_type>select</input_type>
                          <default_value>sitting</default_value>
                          <values>sitting
            standing</values>
                        </attribute>
                      </attributes>
                    </label>
                    <label>
                      <name>dog</name>
                      <color>#3d3df5</color>
                      <type>any</type>
                      <attributes>
                      </attributes>
                    </label>
                  </labels>
                </task>
                <dumped>2026-11-30 10:15:02.123456+00:00</dumped>
              </meta>
              <image id="0" name="images/frame_000000.jpg" width="320" height="240">
                <box label="cat" source="manual" occluded="0" xtl="10.50" ytl="20.00" xbr="90.25" ybr="80.00" z_order="0">
                  <attribute name="pose">sitting</attribute>
                </box>
                <polygon label="dog" source="manual" occluded="1" points="100.00,50.00;180.00,60.00;150.00,140.00" z_order="1">
                </polygon>
                <tag label="dog" source="manual">
                </tag>
              </image>
              <image id="1" name="images/frame_000001.jpg" width="320" height="240">
                <points label="cat" source="manual" occluded="0" points="40.00,40.00;60.00,50.00" z_order="0">
                </points>
              </image>
            </annotations>
            """;
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["annotations.xml"] = Text(xml),
            ["images/frame_000000.jpg"] = TestFiles.Jpeg(320, 240, seed: 80),
            ["images/frame_000001.jpg"] = TestFiles.Jpeg(320, 240, seed: 81),
        };
        return new Dataset(files, 3, 1, []);
    }

    /// <summary>
    /// Label Studio's JSON export of an image-labelling project: an array of tasks, each with <c>data.image</c> (an
    /// uploaded file: <c>/data/upload/{project}/{8 hex}-{name}</c>), its annotations' <c>rectanglelabels</c> results in
    /// percents with <c>original_width</c>/<c>original_height</c>, and one <c>choices</c> result.
    /// </summary>
    public static Dataset LabelStudio()
    {
        const string json = """
            [
              {
                "id": 1,
                "annotations": [
                  {
                    "id": 11, "completed_by": 1, "was_cancelled": false, "ground_truth": false,
                    "result": [
                      {"original_width": 320, "original_height": 240, "image_rotation": 0,
                       "value": {"x": 10.0, "y": 12.5, "width": 25.0, "height": 33.3333, "rotation": 0, "rectanglelabels": ["cat"]},
                       "id": "a1b2c3", "from_name": "label", "to_name": "image", "type": "rectanglelabels", "origin": "manual"},
                      {"original_width": 320, "original_height": 240, "image_rotation": 0,
                       "value": {"choices": ["indoor"]},
                       "id": "d4e5f6", "from_name": "scene", "to_name": "image", "type": "choices", "origin": "manual"}
                    ],
                    "created_at": "2026-11-30T10:00:00.000000Z", "lead_time": 12.5
                  }
                ],
                "data": {"image": "/data/upload/3/5f2b9c1e-cat.jpg"},
                "meta": {}, "created_at": "2026-11-30T09:59:00.000000Z", "project": 3
              },
              {
                "id": 2,
                "annotations": [
                  {
                    "id": 12, "completed_by": 1, "was_cancelled": false,
                    "result": [
                      {"original_width": 320, "original_height": 240, "image_rotation": 0,
                       "value": {"x": 50.0, "y": 40.0, "width": 30.0, "height": 50.0, "rotation": 0, "rectanglelabels": ["dog"]},
                       "id": "g7h8i9", "from_name": "label", "to_name": "image", "type": "rectanglelabels", "origin": "manual"}
                    ]
                  }
                ],
                "data": {"image": "/data/upload/3/0a1b2c3d-dog.jpg"},
                "project": 3
              }
            ]
            """;
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["export.json"] = Text(json),
            ["cat.jpg"] = TestFiles.Jpeg(320, 240, seed: 90),
            ["dog.jpg"] = TestFiles.Jpeg(320, 240, seed: 91),
        };
        return new Dataset(files, 2, 1, []);
    }
}
