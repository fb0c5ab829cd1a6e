using System.Text;
using Pipeline.Core.Findings;
using Pipeline.Core.Labels;
using Pipeline.Testing;

namespace Pipeline.Core.Tests;

public sealed class LabelReaderTests
{
    private const string Coco = """
        {
          "info": {"description": "test", "nested": [1, [2, {"x": "y"}]]},
          "annotations": [
            {"id": 1, "image_id": 10, "category_id": 1, "bbox": [10, 20, 30, 40], "iscrowd": 0,
             "segmentation": [[10, 20, 40, 20, 40, 60, 10, 60]]},
            {"id": 2, "image_id": 10, "category_id": 2, "bbox": [50.5, 60.25, 5, 6], "annotator": "ann-1",
             "attributes": {"occluded": true, "colour": "red"}},
            {"id": 3, "image_id": 11, "category_id": 1, "bbox": [1, 2, 3, 4], "iscrowd": 1,
             "segmentation": {"counts": [0, 5, 10], "size": [100, 200]}}
          ],
          "images": [
            {"id": 10, "file_name": "a.jpg", "width": 200, "height": 100},
            {"id": 11, "file_name": "b.jpg", "width": 64, "height": 48}
          ],
          "categories": [
            {"id": 1, "name": "cat", "supercategory": "animal"},
            {"id": 2, "name": "dog"}
          ]
        }
        """;

    private static LabelDocument ReadCoco(string json) => CocoReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(json)), "test.json");

    private static Finding Single(LabelDocument document, string code) => Assert.Single(document.Findings, f => f.Code == code);

    [Theory]
    [InlineData("labels/x.txt", "images/x")]
    [InlineData("b/labels/train/x.txt", "b/images/train/x")]
    [InlineData("labels/labels/x.txt", "labels/images/x")]
    [InlineData("b/mylabels/x.txt", "b/mylabels/x")]
    [InlineData("b/labels-old/x.txt", "b/labels-old/x")]
    [InlineData("b/labels.txt", "b/labels")]
    [InlineData("labels.txt", "labels")]
    public void Yolo_pairing_reads_only_a_whole_labels_folder_as_images(string path, string stem) =>
        Assert.Equal(stem, LabelFiles.StemOf(path));

    [Fact]
    public void Coco_is_read_with_sections_in_any_order_segmentation_and_attributes_carried()
    {
        var document = ReadCoco(Coco);

        Assert.Empty(document.Findings);
        Assert.Equal([new LabelCategory(1, "cat", "animal"), new LabelCategory(2, "dog")], document.Categories);
        Assert.Equal([new LabelImage(10, "a.jpg", 200, 100), new LabelImage(11, "b.jpg", 64, 48)], document.Images);
        Assert.Equal(3, document.Boxes.Count);
        var second = document.Boxes[1];
        Assert.Equal((50.5, 60.25, 5.0, 6.0), (second.X, second.Y, second.Width, second.Height));
        Assert.Equal("ann-1", second.Annotator);
        Assert.Equal("red", second.Attributes!["colour"]);
        Assert.Equal("true", second.Attributes["occluded"]);
        Assert.Equal("[[10, 20, 40, 20, 40, 60, 10, 60]]", document.Boxes[0].Segmentation);
        Assert.Contains("counts", document.Boxes[2].Segmentation);
    }

    [Fact]
    public void Coco_round_trips_through_the_writer()
    {
        var first = ReadCoco(Coco);
        using var written = new MemoryStream();
        CocoWriter.Write(first, written);

        var second = CocoReader.Read(new MemoryStream(written.ToArray()), "written.json");

        Assert.Empty(second.Findings);
        Assert.True(first.SameAs(second));
    }

    [Fact]
    public void Coco_read_one_byte_at_a_time_gives_the_same_model_as_read_at_once()
    {
        var large = LabelFixtures.CocoJson(images: 300, boxesPerImage: 7, categories: 5);
        var whole = ReadCoco(large);

        var trickled = CocoReader.Read(new TrickleStream(Encoding.UTF8.GetBytes(large), 1), "trickle.json");
        var chunked = CocoReader.Read(new TrickleStream(Encoding.UTF8.GetBytes(large), 4093), "chunks.json");

        Assert.Equal(2100, whole.Boxes.Count);
        Assert.True(whole.SameAs(trickled));
        Assert.True(whole.SameAs(chunked));
    }

    [Fact]
    public void Invalid_json_is_a_file_finding_naming_the_line()
    {
        var document = ReadCoco("{\n  \"images\": [\n    {\"id\": 1,, \"file_name\": \"a.jpg\"}\n  ]\n}");

        var finding = Single(document, FindingCodes.LabelFileInvalid);
        Assert.Equal(Severity.Error, finding.Severity);
        Assert.Contains("not valid JSON (line 3)", finding.Message);
        Assert.Empty(document.Boxes);
    }

    private static string CocoWithSegmentation(int depth) =>
        "{\"images\": [{\"id\": 1, \"file_name\": \"a.jpg\", \"width\": 64, \"height\": 48}], \"categories\": [{\"id\": 1, \"name\": \"cat\"}],\n"
        + "\"annotations\": [{\"id\": 1, \"image_id\": 1, \"category_id\": 1, \"bbox\": [1, 2, 3, 4], \"segmentation\": " + new string('[', depth) + "1, 2" + new string(']', depth) + "},\n"
        + "{\"id\": 2, \"image_id\": 1, \"category_id\": 1, \"bbox\": [5, 6, 7, 8], \"segmentation\": [[1, 2, 3, 4, 5, 6]]}]}";

    [Fact]
    public void A_complete_file_whose_segmentation_is_nested_70_deep_is_told_so_not_called_truncated()
    {
        var document = ReadCoco(CocoWithSegmentation(70));

        var finding = Single(document, FindingCodes.LabelValueInvalid);
        Assert.Contains("annotation 1: 'segmentation' is nested 70 levels deep", finding.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(document.Findings, f => f.Code == FindingCodes.LabelFileInvalid);
        Assert.Equal([2L], document.Boxes.Select(b => b.Id)); // the other annotation is read
    }

    [Fact]
    public void Nesting_past_the_readers_depth_is_named_as_such()
    {
        var finding = Single(ReadCoco(CocoWithSegmentation(300)), FindingCodes.LabelFileInvalid);

        Assert.Contains("deeper than 256 levels", finding.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("truncated", finding.Message, StringComparison.Ordinal);
    }

    private const string CocoImages = """
        "images": [{"id": 139, "file_name": "000000000139.jpg", "width": 640, "height": 426}, {"id": 285, "file_name": "000000000285.jpg", "width": 586, "height": 640}]
        """;

    [Fact]
    public void A_coco_captions_file_is_read_as_captions_with_no_error()
    {
        // captions_val2017.json's shape: info, licenses, images, annotations of {image_id, id, caption}; no categories.
        var document = ReadCoco($$"""
            {"info": {"description": "COCO 2017 Dataset"}, "licenses": [], {{CocoImages}},
             "annotations": [{"image_id": 139, "id": 1, "caption": "A woman stands in the dining area at the table."},
                             {"image_id": 285, "id": 2, "caption": "A big burly grizzly bear is show with grass in the background."},
                             {"image_id": 285, "id": 3, "caption": "The large brown bear has a black nose."}]}
            """);

        Assert.Empty(document.Findings);
        Assert.Equal((3, 0), (document.Captions, document.Boxes.Count));
        Assert.DoesNotContain(LabelChecks.Run(document, null, new LabelQaOptions()), f => f.Finding.Severity == Severity.Error);
    }

    [Fact]
    public void A_coco_image_info_file_and_image_level_labels_have_no_box_to_fault()
    {
        // image_info_test2017.json: images and categories, no annotations; image-level labels: a category with no box.
        var info = ReadCoco($$"""{"info": {}, {{CocoImages}}, "categories": [{"supercategory": "person", "id": 1, "name": "person"}]}""");
        var labels = ReadCoco($$"""
            {{{CocoImages}}, "categories": [{"id": 1, "name": "person"}, {"id": 2, "name": "bear"}],
             "annotations": [{"id": 1, "image_id": 139, "category_id": 1}, {"id": 2, "image_id": 285, "category_id": 2}]}
            """);

        Assert.Empty(info.Findings);
        Assert.DoesNotContain(LabelChecks.Run(info, null, new LabelQaOptions()), f => f.Finding.Severity != Severity.Info);
        Assert.Empty(labels.Findings);
        Assert.Equal((2, 0), (labels.ImageLevelLabels, labels.Boxes.Count));
    }

    [Fact]
    public void A_coco_panoptic_file_reads_each_segment_as_a_box()
    {
        // panoptic_val2017.json: one annotation per image with its PNG's file name and segments_info.
        var document = ReadCoco($$"""
            {{{CocoImages}}, "categories": [{"id": 1, "name": "person", "isthing": 1, "color": [220, 20, 60]}, {"id": 184, "name": "grass-merged", "isthing": 0}],
             "annotations": [{"image_id": 139, "file_name": "000000000139.png", "segments_info": [
                 {"id": 3226956, "category_id": 1, "iscrowd": 0, "bbox": [413, 158, 53, 138], "area": 2840},
                 {"id": 6979964, "category_id": 184, "iscrowd": 0, "bbox": [0, 262, 640, 164], "area": 43520}]}]}
            """);

        Assert.Empty(document.Findings);
        Assert.Equal([(3226956L, 1L, 413.0), (6979964L, 184L, 0.0)], document.Boxes.Select(b => (b.Id, b.CategoryId, b.X)));
    }

    [Fact]
    public void Coco_keypoints_are_counted_and_a_bad_triplet_is_named()
    {
        var document = ReadCoco($$"""
            {{{CocoImages}}, "categories": [{"id": 1, "name": "person", "keypoints": ["nose", "left_eye", "right_eye"], "skeleton": [[1, 2], [1, 3]]}],
             "annotations": [{"id": 1, "image_id": 139, "category_id": 1, "bbox": [10, 20, 100, 200], "num_keypoints": 2, "keypoints": [50, 60, 2, 55, 58, 1, 0, 0, 0]},
                             {"id": 2, "image_id": 285, "category_id": 1, "bbox": [10, 20, 100, 200], "keypoints": [50, 60, 7, 0, 0, 0, 0, 0, 0]}]}
            """);

        Assert.Equal(2, document.Keypoints);
        Assert.Contains("annotation 2: keypoint 1", Single(document, FindingCodes.LabelValueInvalid).Message, StringComparison.Ordinal);
        Assert.Equal(2, document.Boxes.Count);
    }

    [Fact]
    public void Coco_keypoints_are_checked_against_their_categorys_names_and_skeleton()
    {
        // The COCO person category as person_keypoints_val2017.json has it: 17 names, 19 edges numbered from 1.
        const string names = "\"nose\",\"left_eye\",\"right_eye\",\"left_ear\",\"right_ear\",\"left_shoulder\",\"right_shoulder\",\"left_elbow\",\"right_elbow\",\"left_wrist\",\"right_wrist\",\"left_hip\",\"right_hip\",\"left_knee\",\"right_knee\",\"left_ankle\",\"right_ankle\"";
        const string skeleton = "[16,14],[14,12],[17,15],[15,13],[12,13],[6,12],[7,13],[6,7],[6,8],[7,9],[8,10],[9,11],[2,3],[1,2],[1,3],[2,4],[3,5],[4,6],[5,7]";
        var full = string.Join(", ", Enumerable.Range(0, 17).Select(k => k % 4 == 0 ? "0, 0, 0" : $"{100 + k}, {50 + k}, 2"));
        var valid = ReadCoco($$"""
            {{{CocoImages}}, "categories": [{"supercategory": "person", "id": 1, "name": "person", "keypoints": [{{names}}], "skeleton": [{{skeleton}}]}],
             "annotations": [{"id": 1, "image_id": 139, "category_id": 1, "bbox": [10, 20, 300, 200], "num_keypoints": 12, "keypoints": [{{full}}], "iscrowd": 0, "area": 100}]}
            """);

        Assert.Empty(valid.Findings);
        Assert.Equal(12, valid.Keypoints);

        // An edge past the 17th keypoint, and an annotation with 16 triplets where the category names 17.
        var short16 = string.Join(", ", Enumerable.Range(0, 16).Select(k => $"{100 + k}, {50 + k}, 2"));
        var bad = ReadCoco($$"""
            {"annotations": [{"id": 7, "image_id": 139, "category_id": 1, "bbox": [10, 20, 300, 200], "keypoints": [{{short16}}]}],
             {{CocoImages}}, "categories": [{"id": 1, "name": "person", "keypoints": [{{names}}], "skeleton": [[16, 14], [17, 18]]}]}
            """);

        var messages = bad.Findings.Where(f => f.Code == FindingCodes.LabelValueInvalid).Select(f => f.Message).ToList();
        Assert.Equal(2, messages.Count);
        Assert.Contains(messages, m => m.Contains("skeleton edge 2 is [17, 18]", StringComparison.Ordinal) && m.Contains("numbered 1 to 17", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("annotation 7: 16 keypoints, but category 1 names 17", StringComparison.Ordinal));
        Assert.Single(bad.Boxes); // the box is still read; only the keypoints are wrong
    }

    [Fact]
    public void A_cvat_export_reads_boxes_polygons_points_and_tags_with_their_attributes()
    {
        var bytes = NativeLayouts.CvatForImages().Files["annotations.xml"];

        var document = VocReader.Read([("annotations.xml", new MemoryStream(bytes))]);

        Assert.Equal(LabelFormat.Cvat, document.Format);
        Assert.Empty(document.Findings);
        Assert.Equal(["cat", "dog"], document.Categories.Select(c => c.Name));
        Assert.Equal(["images/frame_000000.jpg", "images/frame_000001.jpg"], document.Images.Select(i => i.FileName));
        Assert.Equal((320, 240), (document.Images[0].Width!.Value, document.Images[0].Height!.Value));
        var (box, polygon, points) = (document.Boxes[0], document.Boxes[1], document.Boxes[2]);
        Assert.Equal((10.5, 20.0, 79.75, 60.0), (box.X, box.Y, box.Width, box.Height));
        Assert.Equal("sitting", box.Attributes!["pose"]);
        Assert.Equal((100.0, 50.0, 80.0, 90.0), (polygon.X, polygon.Y, polygon.Width, polygon.Height)); // the box bounding the polygon
        Assert.Equal(("1", "1"), (polygon.Attributes!["occluded"], polygon.Attributes["z_order"]));
        Assert.Equal((1L, 40.0, 20.0), (points.ImageId, points.X, points.Width));
        Assert.Equal(1, document.ImageLevelLabels); // the tag
    }

    [Fact]
    public void A_label_studio_export_reads_percents_as_fractions_and_drops_the_upload_prefix()
    {
        var bytes = NativeLayouts.LabelStudio().Files["export.json"];

        var document = CocoReader.Read(new MemoryStream(bytes), "export.json");

        Assert.Equal((LabelFormat.LabelStudio, true), (document.Format, document.Normalized));
        Assert.Empty(document.Findings);
        Assert.Equal(["cat.jpg", "dog.jpg"], document.Images.Select(i => i.FileName));
        Assert.Equal(["cat", "indoor", "dog"], document.Categories.Select(c => c.Name));
        Assert.Equal((0.1, 0.125, 0.25), (document.Boxes[0].X, document.Boxes[0].Y, document.Boxes[0].Width));
        Assert.Equal(1, document.ImageLevelLabels);
    }

    [Fact]
    public void Voc_person_layout_parts_actions_and_cvat_attributes_are_read_checked_and_written_back()
    {
        // As VOC2012's action and layout annotations are written: elements in alphabetical order, actions as 0/1
        // elements, a point, parts with their own boxes; and a CVAT-style custom attribute.
        const string xml = """
            <annotation>
            	<filename>2010_000001.jpg</filename>
            	<folder>VOC2012</folder>
            	<object>
            		<actions><jumping>0</jumping><other>0</other><phoning>1</phoning><walking>0</walking></actions>
            		<attributes><attribute><name>glasses</name><value>true</value></attribute></attributes>
            		<bndbox><xmax>218</xmax><xmin>101</xmin><ymax>500</ymax><ymin>55</ymin></bndbox>
            		<difficult>0</difficult>
            		<name>person</name>
            		<part><bndbox><xmax>190</xmax><xmin>133</xmin><ymax>131</ymax><ymin>61</ymin></bndbox><name>head</name></part>
            		<part><bndbox><xmax>120</xmax><xmin>102</xmin><ymax>300</ymax><ymin>280</ymin></bndbox><name>hand</name></part>
            		<point><x>165</x><y>129</y></point>
            		<pose>Unspecified</pose>
            	</object>
            	<segmented>0</segmented>
            	<size><depth>3</depth><height>500</height><width>375</width></size>
            </annotation>
            """;
        var document = VocReader.Read([("2010_000001.xml", Stream(xml))]);

        Assert.Empty(document.Findings);
        Assert.Equal(2, document.Parts);
        var person = Assert.Single(document.Boxes);
        Assert.Equal((101.0, 55.0, 117.0, 445.0), (person.X, person.Y, person.Width, person.Height));
        Assert.Equal("head 133 61 190 131;hand 102 280 120 300", person.Attributes!["parts"]);
        Assert.Equal(("1", "0", "true"), (person.Attributes["action:phoning"], person.Attributes["action:walking"], person.Attributes["glasses"]));

        var written = VocWriter.Write(document);
        var again = VocReader.Read([("2010_000001.xml", Stream(written["2010_000001.xml"]))]);
        Assert.True(again.SameAs(document));
        Assert.Equal(2, again.Parts);

        // A part with no box, a part outside its person, an action that is neither 0 nor 1.
        var bad = VocReader.Read([("bad.xml", Stream(xml
            .Replace("<xmax>120</xmax><xmin>102</xmin>", "<xmax>120</xmax><xmin>2</xmin>", StringComparison.Ordinal)
            .Replace("<phoning>1</phoning>", "<phoning>yes</phoning>", StringComparison.Ordinal)
            .Replace("<part><bndbox><xmax>190", "<part><name>foot</name></part><part><bndbox><xmax>190", StringComparison.Ordinal)))]);
        Assert.Collection(
            bad.Findings,
            f => Assert.Equal((FindingCodes.LabelValueInvalid, "bad.xml object 1 part 1 ('foot'): <xmin> is missing or not a number."), (f.Code, f.Message)),
            f => Assert.Equal((FindingCodes.LabelAttributeInvalid, "bad.xml object 1 part 3 ('hand') reaches outside its object's box."), (f.Code, f.Message)),
            f => Assert.Equal((FindingCodes.LabelAttributeInvalid, "bad.xml object 1: action <phoning> is 'yes'; VOC allows 0 or 1."), (f.Code, f.Message)));
        Assert.Single(bad.Boxes); // the person is still read
    }

    [Fact]
    public void Voc_round_trips_through_the_writer_from_the_devkit_and_from_yolo()
    {
        // read → write → read gives the same boxes: a devkit's XML, and a YOLO file (fractions) with its images' sizes.
        var devkit = NativeLayouts.VocDevkit().Files.Where(f => f.Key.EndsWith(".xml", StringComparison.Ordinal)).OrderBy(f => f.Key, StringComparer.Ordinal)
            .Select(f => (Path.GetFileName(f.Key), (Stream)new MemoryStream(f.Value))).ToList();
        var first = VocReader.Read(devkit);
        var again = VocReader.Read(VocWriter.Write(first).OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => (f.Key, (Stream)new MemoryStream(Encoding.UTF8.GetBytes(f.Value)))).ToList());

        Assert.Empty(again.Findings);
        Assert.True(first.SameAs(again));

        var yolo = YoloFormat.Read(["cat", "dog"], [("a.jpg", "0 0.5 0.5 0.25 0.5\n1 0.25 0.25 0.1 0.2\n")], "classes.txt");
        var sized = new LabelDocument { Format = LabelFormat.Yolo, Normalized = true };
        sized.Categories.AddRange(yolo.Categories);
        sized.Images.Add(yolo.Images[0] with { Width = 320, Height = 240 });
        sized.Boxes.AddRange(yolo.Boxes);
        var voc = VocReader.Read([.. VocWriter.Write(sized).Select(f => (f.Key, (Stream)new MemoryStream(Encoding.UTF8.GetBytes(f.Value))))]);

        Assert.Equal([(120.0, 60.0, 80.0, 120.0), (64.0, 36.0, 32.0, 48.0)], voc.Boxes.Select(b => (Math.Round(b.X, 6), Math.Round(b.Y, 6), Math.Round(b.Width, 6), Math.Round(b.Height, 6))));
        Assert.Equal(["cat", "dog"], voc.Categories.Select(c => c.Name));
    }

    [Fact]
    public void Truncated_json_is_a_file_finding()
    {
        var cut = Coco[..(Coco.Length / 2)];

        var finding = Single(ReadCoco(cut), FindingCodes.LabelFileInvalid);

        Assert.Contains("truncated", finding.Message);
    }

    [Theory]
    [InlineData("[1, 2, 3]", "not an object")]
    [InlineData("{\"annotations\": {\"id\": 1}, \"images\": [], \"categories\": []}", "'annotations' must be an array")]
    [InlineData("{\"images\": []} trailing", "data after its top-level object")]
    public void Valid_json_of_the_wrong_shape_is_a_file_finding(string json, string expected)
    {
        var finding = Single(ReadCoco(json), FindingCodes.LabelFileInvalid);

        Assert.Contains(expected, finding.Message);
    }

    [Fact]
    public void Coordinates_as_strings_and_negative_ids_are_value_findings_and_other_boxes_are_kept()
    {
        var document = ReadCoco("""
            {"images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 10}],
             "categories": [{"id": 1, "name": "cat"}],
             "annotations": [
               {"id": 1, "image_id": 1, "category_id": 1, "bbox": ["1", 2, 3, 4]},
               {"id": 2, "image_id": -1, "category_id": 1, "bbox": [1, 2, 3, 4]},
               {"id": 3, "image_id": 1, "category_id": 1, "bbox": [1, 2, 3]},
               {"id": 4, "image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4]}
             ]}
            """);

        var findings = document.Findings.Where(f => f.Code == FindingCodes.LabelValueInvalid).Select(f => f.Message).ToList();
        Assert.Equal(3, findings.Count);
        Assert.Contains(findings, m => m.Contains("bbox[0] is the text \"1\""));
        Assert.Contains(findings, m => m.Contains("'image_id' is negative (-1)"));
        Assert.Contains(findings, m => m.Contains("four numbers"));
        Assert.Equal(4, Assert.Single(document.Boxes).Id);
    }

    [Fact]
    public void Python_NaN_and_Infinity_literals_are_read_as_non_finite_coordinates_not_as_invalid_json()
    {
        var document = ReadCoco("""
            {"images": [{"id": 1, "file_name": "NaN.jpg", "width": 10, "height": 10}],
             "categories": [{"id": 1, "name": "Infinity"}],
             "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [NaN, 2, Infinity, -Infinity]}]}
            """);

        Assert.Empty(document.Findings);
        var box = Assert.Single(document.Boxes);
        Assert.True(double.IsNaN(box.X));
        Assert.Equal(double.PositiveInfinity, box.Width);
        Assert.Equal(double.NegativeInfinity, box.Height);
        Assert.Equal("NaN.jpg", document.Images[0].FileName); // text that looks like a literal is left alone
        Assert.Equal("Infinity", document.Categories[0].Name);
    }

    [Fact]
    public void Python_literals_escapes_and_strings_read_the_same_however_the_stream_splits_them()
    {
        // Every split point of a file whose strings hold quotes, backslashes and literal-looking text, with literals
        // and a minus beside them: the literal filter passes plain chunks through and rewrites the rest, never otherwise.
        const string json = """
            {"images": [{"id": 1, "file_name": "say \"NaN\" \\ -Infinity.jpg", "width": 10, "height": 10}],
             "categories": [{"id": 1, "name": "I\\"}, {"id": 2, "name": "-N"}],
             "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [NaN, -2, Infinity, -Infinity]},
                             {"id": 2, "image_id": 1, "category_id": 2, "bbox": [1, 2, 3, 4], "segmentation": [[1, 2, 3, 4, 5, -6]]}]}
            """;
        var bytes = Encoding.UTF8.GetBytes(json);
        var whole = CocoReader.Read(new MemoryStream(bytes), "whole.json");
        Assert.Empty(whole.Findings);
        Assert.Equal("say \"NaN\" \\ -Infinity.jpg", whole.Images[0].FileName);
        Assert.Equal(["I\\", "-N"], whole.Categories.Select(c => c.Name));
        Assert.Equal((double.NaN, -2.0, double.PositiveInfinity, double.NegativeInfinity), (whole.Boxes[0].X, whole.Boxes[0].Y, whole.Boxes[0].Width, whole.Boxes[0].Height));
        Assert.Equal("[[1, 2, 3, 4, 5, -6]]", whole.Boxes[1].Segmentation);

        for (var chunk = 1; chunk <= bytes.Length; chunk++)
        {
            var split = CocoReader.Read(new TrickleStream(bytes, chunk), "split.json");
            Assert.True(split.SameAs(whole), $"split every {chunk} bytes");
            Assert.Empty(split.Findings);
        }
    }

    [Fact]
    public void Unbounded_repetition_of_findings_is_summarised()
    {
        var annotations = string.Join(',', Enumerable.Range(1, 500).Select(i => $"{{\"id\": {i}, \"image_id\": 1, \"category_id\": 1, \"bbox\": \"x\"}}"));
        var document = ReadCoco($"{{\"images\": [], \"categories\": [{{\"id\": 1, \"name\": \"a\"}}], \"annotations\": [{annotations}]}}");

        var findings = document.Findings.Where(f => f.Code == FindingCodes.LabelValueInvalid).ToList();
        Assert.Equal(21, findings.Count);
        Assert.Contains("480 more", findings[^1].Message);
    }

    [Theory]
    [InlineData("names: [cat, 'dog', \"bird\"]\nnc: 3\n")]
    [InlineData("path: x\nnames:\n  - cat\n  - dog # a comment\n  - bird\ntrain: images\n")]
    [InlineData("names:\n  0: cat\n  2: bird\n  1: dog\nnc: 3\n")]
    public void Yolo_class_lists_are_read_from_data_yaml_in_every_common_shape(string yaml)
    {
        Assert.Equal(["cat", "dog", "bird"], YoloFormat.ReadDataYaml(yaml));
    }

    [Fact]
    public void Yolo_lines_with_four_or_six_numbers_and_values_outside_zero_to_one_are_findings()
    {
        var document = YoloFormat.Read(["cat", "dog"], [("a.jpg", "0 0.5 0.5 0.2 0.2\n1 0.5 0.5 0.2\n0 0.5 0.5 0.2 0.2 0.9\n1 1.5 0.5 0.2 0.2\nx 0.5 0.5 0.1 0.1\n\n")], "classes.txt");

        var messages = document.Findings.Select(f => (f.Code, f.Message)).ToList();
        Assert.Contains(messages, m => m.Message.StartsWith("a.jpg line 2: 4 values; a YOLO line is a box (class cx cy w h), a polygon", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Message.StartsWith("a.jpg line 3: 6 values;", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Message.StartsWith("a.jpg line 4: values must be fractions", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Message.StartsWith("a.jpg line 5: class 'x'", StringComparison.Ordinal));
        Assert.Equal([1L, 4L], document.Boxes.Select(b => b.Id)); // line numbers; the out-of-range box is kept for the bounds check
        Assert.All(document.Findings, f => Assert.Equal("a.jpg", f.Subject));
    }

    [Fact]
    public void Yolo_polygons_oriented_boxes_and_keypoints_are_each_read_for_their_own_shape()
    {
        // As Ultralytics writes them: a segmentation polygon (class, then x y per point), an oriented box (class and its
        // 4 corners), a pose line (class cx cy w h, then x y visibility per keypoint: 17 for COCO-pose, 2 here too).
        var pose17 = "0 0.5 0.5 0.4 0.6 " + string.Join(' ', Enumerable.Range(0, 17).Select(k => k % 4 == 0 ? "0 0 0" : $"0.{40 + k} 0.{30 + k} 2"));
        var lines = string.Join('\n',
            "0 0.1 0.2 0.4 0.2 0.4 0.6 0.1 0.6",          // oriented box, 4 corners
            "1 0.50 0.50 0.70 0.55 0.60 0.80 0.45 0.70", // polygon, 4 points
            "1 0.2 0.2 0.3 0.2 0.25 0.3",                 // polygon, 3 points
            pose17,
            "0 0.5 0.5 0.2 0.2 0.45 0.45 2 0.55 0.55 1",  // pose, 2 keypoints
            "0 0.5 0.5 0.2 0.2 0.45 0.45 7 0.55 0.55 1 0 0 0 0 0 0");

        var document = YoloFormat.Read(["person", "car"], [("a.jpg", lines)], "data.yaml");

        var finding = Assert.Single(document.Findings);
        Assert.StartsWith("a.jpg line 6: values must be fractions", finding.Message, StringComparison.Ordinal); // a 7 where a visibility goes: not keypoints, and not a polygon either
        Assert.Equal(6, document.Boxes.Count); // line 6's box is kept for the bounds check, as any out-of-range box is
        var obb = document.Boxes[0];
        Assert.Equal((0.1, 0.2, 0.3, 0.4), (obb.X, obb.Y, Math.Round(obb.Width, 9), Math.Round(obb.Height, 9)));
        Assert.Equal((0.2, 0.2), (document.Boxes[2].X, document.Boxes[2].Y));
        Assert.Equal((0.3, 0.2), (Math.Round(document.Boxes[3].X, 9), Math.Round(document.Boxes[3].Y, 9))); // the pose's box, not its keypoints
        Assert.Equal(12 + 2, document.Keypoints); // 17 less the 5 unlabelled (k % 4 == 0), and the 2 of line 5
    }

    [Fact]
    public void Yolo_round_trips_through_the_writer_and_converts_from_coco_pixels()
    {
        var files = new[] { ("a.jpg", "0 0.5 0.5 0.2 0.4\n1 0.1 0.9 0.05 0.05\n"), ("b.jpg", string.Empty) };
        var first = YoloFormat.Read(["cat", "dog"], files, "classes.txt");
        var (classes, written) = YoloFormat.Write(first);
        var second = YoloFormat.Read(YoloFormat.ReadClassesTxt(classes), written.Select(w => (Path.ChangeExtension(w.Key, ".jpg"), w.Value)).ToList(), "classes.txt");

        Assert.True(first.SameAs(second));

        // COCO pixels to YOLO fractions: the first box of the COCO sample, 10,20 30×40 on 200×100.
        var coco = new LabelDocument { Format = LabelFormat.Coco };
        coco.Categories.Add(new LabelCategory(0, "cat"));
        coco.Images.Add(new LabelImage(0, "a.jpg", 200, 100));
        coco.Boxes.Add(new LabelBox(1, 0, 0, 10, 20, 30, 40));
        Assert.Equal("0 0.125 0.4 0.15 0.4\n", YoloFormat.Write(coco).Files["a.txt"]);
    }

    [Fact]
    public void Voc_is_read_with_its_attributes()
    {
        var document = VocReader.Read([("a.xml", Stream("""
            <annotation><folder>x</folder><filename>a.jpg</filename>
              <size><width>200</width><height>100</height><depth>3</depth></size>
              <object><name>cat</name><pose>Left</pose><truncated>0</truncated><difficult>2</difficult>
                <bndbox><xmin>10</xmin><ymin>20</ymin><xmax>40</xmax><ymax>60</ymax></bndbox></object>
              <object><name>dog</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>5</xmax><ymax>5</ymax></bndbox></object>
            </annotation>
            """))]);

        Assert.Equal([new LabelImage(0, "a.jpg", 200, 100)], document.Images);
        Assert.Equal(["cat", "dog"], document.Categories.Select(c => c.Name));
        var cat = document.Boxes[0];
        Assert.Equal((10.0, 20.0, 30.0, 40.0), (cat.X, cat.Y, cat.Width, cat.Height));
        Assert.Equal("Left", cat.Attributes!["pose"]);
        var finding = Single(document, FindingCodes.LabelAttributeInvalid);
        Assert.Contains("<difficult> is '2'", finding.Message);
    }

    [Fact]
    public void Voc_with_an_external_entity_is_refused_and_the_entity_is_never_resolved()
    {
        var secret = Path.GetTempFileName();
        File.WriteAllText(secret, "TOP-SECRET-CONTENT");
        try
        {
            var xml = $"""
                <?xml version="1.0"?>
                <!DOCTYPE annotation [<!ENTITY leak SYSTEM "file://{secret}">]>
                <annotation><filename>&leak;</filename></annotation>
                """;
            var bomb = """
                <?xml version="1.0"?>
                <!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
                <annotation><filename>&lol2;</filename></annotation>
                """;

            var document = VocReader.Read([("leak.xml", Stream(xml)), ("bomb.xml", Stream(bomb)), ("ok.xml", Stream("<annotation><filename>ok.jpg</filename></annotation>"))]);

            var findings = document.Findings.Where(f => f.Code == FindingCodes.LabelFileInvalid).ToList();
            Assert.Equal(["leak.xml", "bomb.xml"], findings.Select(f => f.Subject));
            Assert.All(findings, f => Assert.Contains("DTD", f.Message));
            Assert.DoesNotContain(document.Findings, f => f.Message.Contains("TOP-SECRET", StringComparison.Ordinal));
            Assert.Equal(["ok.jpg"], document.Images.Select(i => i.FileName)); // the good file is still read
        }
        finally
        {
            File.Delete(secret);
        }
    }

    [Fact]
    public void An_ultralytics_pose_dataset_reads_its_lines_by_the_kpt_shape_of_its_data_yaml()
    {
        // tiger-pose.yaml's shape: 12 keypoints of x y (no visibility); an unlabelled keypoint is written 0 0. Each
        // line is 5 + 12 x 2 = 29 values, an odd count that without kpt_shape would be taken for a polygon.
        var points = string.Join(' ', Enumerable.Range(0, 12).Select(k => k < 10 ? $"0.{30 + k} 0.{40 + k}" : "0 0"));
        LabelFile File(string path, string text) => new(path, Encoding.UTF8.GetByteCount(text), () => Stream(text));
        var files = new[]
        {
            File("data.yaml", "path: ../datasets/tiger-pose\ntrain: images/train\nval: images/val\n\nkpt_shape: [12, 2]  # number of keypoints, number of dims\nflip_idx: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]\n\nnames:\n  0: tiger\n"),
            File("labels/train/0001.txt", $"0 0.5 0.5 0.4 0.3 {points}\n"),
        };

        var pose = Assert.Single(LabelFiles.Read(files, ["images/train/0001.jpg"], new LabelQaOptions())).Document;

        Assert.Empty(pose.Findings);
        Assert.Equal(10, pose.Keypoints); // 12 keypoints, 2 of them 0 0
        var box = Assert.Single(pose.Boxes);
        Assert.Equal((0.3, 0.35, 0.4, 0.3), (Math.Round(box.X, 9), Math.Round(box.Y, 9), box.Width, box.Height)); // the box, not the bounds of all the values

        // With kpt_shape [17, 3], a line of 12 keypoints of 2 values is the wrong shape, and says what the right one is.
        files[0] = File("data.yaml", "kpt_shape: [17, 3]\nnames: [person]\n");
        var wrong = Assert.Single(LabelFiles.Read(files, ["images/train/0001.jpg"], new LabelQaOptions())).Document;
        var finding = Assert.Single(wrong.Findings);
        Assert.Equal(FindingCodes.LabelValueInvalid, finding.Code);
        Assert.Contains("29 values; this pose dataset's lines are class cx cy w h and 17 keypoints of 3 values each (kpt_shape [17, 3]): 56 values", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_claiming_a_gigabyte_is_refused_without_being_opened()
    {
        var opened = false;
        var files = new[] { new LabelFile("huge.json", 1L << 30, () => { opened = true; return new MemoryStream(); }) };

        var source = Assert.Single(LabelFiles.Read(files, [], new LabelQaOptions()));

        Assert.False(opened);
        var finding = Assert.Single(source.Document.Findings);
        Assert.Equal(FindingCodes.LabelFileTooLarge, finding.Code);
        Assert.Equal(1L << 30, finding.Value);
    }

    private static MemoryStream Stream(string text) => new(Encoding.UTF8.GetBytes(text));

    /// <summary>Returns at most <paramref name="chunk"/> bytes per read, as a slow network stream does.</summary>
    private sealed class TrickleStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, chunk)]);
    }
}
