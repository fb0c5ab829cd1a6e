using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Core.Findings;
using Pipeline.Core.Ingest;
using Pipeline.Core.Labels;
using Pipeline.Core.Reports;
using Pipeline.Testing;

namespace Pipeline.Storage.Tests;

/// <summary>Annotation files uploaded to <c>incoming/{batch}/</c> are ingested like images (against Azurite).</summary>
[Collection(AzuriteCollection.Name)]
public sealed class LabelIngestTests(AzuriteFixture azurite)
{
    /// <summary>This test's one time window (a new class instance per test).</summary>
    private readonly CancellationToken Timeout = TestTimeout.Start(TimeSpan.FromMinutes(2));

    private const string Coco = """
        {"images": [{"id": 1, "file_name": "cat.jpg", "width": 320, "height": 240}],
         "categories": [{"id": 1, "name": "cat"}],
         "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 2, 30, 40]},
                         {"id": 2, "image_id": 1, "category_id": 1, "bbox": ["1", 2, 30, 40]}]}
        """;

    /// <summary>A native layout uploaded as a batch: its side files are recorded as what they are, never quarantined as images or labels.</summary>
    [Theory]
    [InlineData("voc")]
    [InlineData("darknet")]
    [InlineData("ultralytics")]
    [InlineData("ultralytics-lists")]
    public async Task A_dataset_uploaded_in_its_tools_layout_has_no_rejected_file(string layout)
    {
        await using var storage = azurite.CreateStorage();
        var dataset = layout switch
        {
            "voc" => NativeLayouts.VocDevkit(), "darknet" => NativeLayouts.DarknetYolo(), "ultralytics-lists" => NativeLayouts.UltralyticsLists(), _ => NativeLayouts.UltralyticsYolo(),
        };
        var rows = new List<CatalogEntry>();
        var card = Encoding.UTF8.GetBytes("""{"description": "Pets", "license": "CC-BY-4.0", "splits": {"train": {"num_examples": 2}}}""");
        var others = new Dictionary<string, byte[]> { ["notes.docx"] = [0x50, 0x4b, 0x03, 0x04, 9, 9], ["dataset_info.json"] = card };
        foreach (var (path, bytes) in dataset.Files.Concat(others))
        {
            await storage.UploadAsync("b/" + path, bytes, dataset: "pets");
            rows.Add((await storage.Ingest.IngestAsync("b/" + path, Timeout)).Entry!);
        }

        Assert.All(rows, r => Assert.Equal(IngestStatus.Accepted, r.Status));
        Assert.All(rows, r => Assert.DoesNotContain(r.Findings, f => f.Severity == Severity.Error));
        Assert.Empty(await storage.ListAsync(storage.Quarantine));
        Assert.Equal(dataset.Boxes, rows.Where(r => r.Kind == CatalogKinds.Labels).Sum(r => r.Annotations ?? 0));
        Assert.Equal(dataset.AnnotationFiles, rows.Count(r => r.Kind == CatalogKinds.Labels));
        var unrecognised = rows.Where(r => r.Kind == CatalogKinds.Other).OrderBy(r => r.Name, StringComparer.Ordinal).ToList();
        Assert.Equal(["b/dataset_info.json", "b/notes.docx"], unrecognised.Select(r => r.Name));
        Assert.All(unrecognised, r => Assert.Equal(FindingCodes.FileUnrecognised, Assert.Single(r.Findings).Code));
        Assert.All(rows.Where(r => r.Kind == CatalogKinds.Layout), r =>
        {
            Assert.Equal(FindingCodes.FileLayout, Assert.Single(r.Findings).Code);
            // Split lists are kept (promotion reads them to keep the dataset's split), label maps and masks' colours too
            // (label QA checks the masks); other layout files are only recorded.
            var expected = Core.Labels.DatasetSplits.SplitOf(r.Name) is not null || r.Format == Core.Labels.DatasetFiles.ImageListKind ? $"splits/{r.Sha256}.txt"
                : Core.Labels.SegmentationMasks.IsLabelMap(r.Name) ? $"layout/{r.Sha256}.txt"
                : r.Format == Core.Labels.SegmentationMasks.MaskFileKind ? $"masks/{r.Sha256}.json" : null;
            Assert.Equal(expected, r.StagedPath);
        });
        var staged = await storage.ListAsync(storage.Staging);
        Assert.Equal(
            rows.Where(r => r.Kind == CatalogKinds.Layout && r.StagedPath is not null).Select(r => r.StagedPath!).Distinct().Order(StringComparer.Ordinal),
            staged.Where(s => s.Split('/')[0] is "splits" or "layout" or "masks").Order(StringComparer.Ordinal));
        // VOC: Main train, val, trainval; Segmentation train, val; Layout and Action train. Darknet: train.txt. Ultralytics'
        // list files, whatever their names (data.yaml says which split each is).
        Assert.Equal(layout switch { "ultralytics" => 0, "voc" => 7, "ultralytics-lists" => 2, _ => 1 }, rows.Count(r => r.StagedPath?.StartsWith("splits/", StringComparison.Ordinal) == true));
        Assert.Equal(dataset.Files.Count - dataset.AnnotationFiles - rows.Count(r => r.Kind == CatalogKinds.Layout), rows.Count(r => r.Kind == CatalogKinds.Image));

        // The batch's report names the layout and its splits, as validate's summary does.
        var report = await storage.Services.GetRequiredService<ReportService>().BatchAsync("b", Timeout);
        var named = layout switch
        {
            "voc" => "Pascal VOC devkit (VOCdevkit/VOC2012), splits train, trainval, val",
            "darknet" => "Darknet YOLO, splits train",
            "ultralytics-lists" => "Ultralytics YOLO, splits train2017, val2017",
            _ => "Ultralytics YOLO, splits train, val",
        };
        Assert.Contains($"<b>{System.Net.WebUtility.HtmlEncode(named)}</b>layouts", report, StringComparison.Ordinal);
        Assert.Contains($"<b>{rows.Count(r => r.Kind == CatalogKinds.Layout)}</b>layout files (recognised, not judged)", report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Label_qa_checks_a_batchs_masks_against_its_images_annotations_and_label_map_and_ingest_quarantines_an_unreadable_one()
    {
        await using var storage = azurite.CreateStorage();
        // NativeLayouts.BadMasks's three bad masks, as validate's test has them, and a JPEG where a mask should be.
        const string voc = NativeLayouts.BadMasksVoc;
        var files = NativeLayouts.BadMasks();
        files[voc + "SegmentationClass/2008_000002.png"] = TestFiles.Jpeg();
        var rows = new Dictionary<string, CatalogEntry>(StringComparer.Ordinal);
        foreach (var (path, bytes) in files)
        {
            await storage.UploadAsync("m/" + path, bytes, dataset: "pets");
            rows[path] = (await storage.Ingest.IngestAsync("m/" + path, Timeout)).Entry!;
        }

        var jpeg = rows[voc + "SegmentationClass/2008_000002.png"];
        Assert.Equal((IngestStatus.Rejected, FindingCodes.MaskUnreadable), (jpeg.Status, jpeg.Findings[^1].Code));
        Assert.Equal(files[voc + "SegmentationClass/2008_000002.png"], (await storage.Quarantine.GetBlobClient(jpeg.QuarantinePath).DownloadContentAsync()).Value.Content.ToArray());
        Assert.Single(rows.Values, r => r.Status == IngestStatus.Rejected);

        var qa = storage.Services.GetRequiredService<LabelQaService>();
        var plan = await qa.PlanAsync("m", Timeout);
        Assert.Equal(plan.Units.Count - 1, plan.FirstMaskUnit); // one unit holds the batch's 6 readable masks and its label map
        Assert.Equal(7, plan.Units[^1].Length);
        for (var unit = 0; unit < plan.Units.Count; unit++)
        {
            await qa.CheckUnitAsync("m", unit, Timeout);
        }

        await qa.FinishAsync("m", plan.Units.Count, Timeout);
        var result = (await LabelQaService.ReadCurrentAsync(storage.Services.GetRequiredService<ILabelQaStore>(), "m", qa.Rules, Timeout))!.Value.Result;
        var masks = result.Codes.Where(c => c.Code.StartsWith("mask.", StringComparison.Ordinal)).ToDictionary(c => c.Code, c => c);
        Assert.Equal(2, masks[FindingCodes.MaskUnknownId].Count);
        Assert.Equal(
            [voc + "SegmentationClass/2008_000001.png", voc + "SegmentationObject/2008_000003.png"],
            masks[FindingCodes.MaskUnknownId].Examples.Select(e => e.Finding.Subject).Order(StringComparer.Ordinal));
        Assert.Equal(voc + "SegmentationObject/2008_000003.png", Assert.Single(masks[FindingCodes.MaskSizeMismatch].Examples).Finding.Subject);
        Assert.Equal(2, masks[FindingCodes.MaskSegmentsMismatch].Count);
        Assert.Equal(3, masks.Count);
        Assert.Equal(5, result.Codes.Where(c => c.Severity == Severity.Error).Sum(c => c.Count));
    }

    [Fact]
    public async Task Readable_annotation_files_are_staged_with_a_labels_row_in_any_order_with_their_images()
    {
        await using var storage = azurite.CreateStorage();
        // Labels first, the image after: each is judged on its own; label QA pairs them later.
        await storage.UploadAsync("b/annotations.json", Encoding.UTF8.GetBytes(Coco), dataset: "pets");
        await storage.UploadAsync("b/labels/cat.txt", Encoding.UTF8.GetBytes("0 0.5 0.5 0.2 0.2\n0 0.5 0.5\n"));
        await storage.UploadAsync("b/classes.txt", Encoding.UTF8.GetBytes("cat\ndog\n"));
        await storage.UploadAsync("b/voc/cat.xml", Encoding.UTF8.GetBytes("<annotation><filename>cat.jpg</filename><object><name>cat</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>9</xmax><ymax>9</ymax></bndbox></object></annotation>"));

        var coco = (await storage.Ingest.IngestAsync("b/annotations.json", Timeout)).Entry!;
        var yolo = (await storage.Ingest.IngestAsync("b/labels/cat.txt", Timeout)).Entry!;
        var classes = (await storage.Ingest.IngestAsync("b/classes.txt", Timeout)).Entry!;
        var voc = (await storage.Ingest.IngestAsync("b/voc/cat.xml", Timeout)).Entry!;
        await storage.UploadAsync("b/cat.jpg", TestFiles.Jpeg());
        var image = (await storage.Ingest.IngestAsync("b/cat.jpg", Timeout)).Entry!;
        var again = await storage.Ingest.IngestAsync("b/annotations.json", Timeout);

        Assert.Equal((CatalogKinds.Labels, "coco", IngestStatus.Accepted, 1, "pets"), (coco.Kind, coco.Format, coco.Status, coco.Annotations, coco.Dataset));
        Assert.Contains(coco.Findings, f => f.Code == FindingCodes.LabelValueInvalid && f.Message.Contains("bbox[0]", StringComparison.Ordinal));
        Assert.Equal($"labels/{coco.Sha256}.json", coco.StagedPath);
        Assert.Equal(("yolo", 1), (yolo.Format, yolo.Annotations));
        Assert.Contains(yolo.Findings, f => f.Message.Contains("line 2: 3 values", StringComparison.Ordinal));
        Assert.DoesNotContain(yolo.Findings, f => f.Code == FindingCodes.LabelMissingCategories); // the class list is another file
        Assert.Equal((IngestStatus.Accepted, 0), (classes.Status, classes.Annotations));
        Assert.Equal(("voc", 1), (voc.Format, voc.Annotations));
        Assert.Equal(CatalogKinds.Image, image.Kind);
        Assert.True(again.Redelivery);

        var staged = await storage.ListAsync(storage.Staging);
        Assert.Equal(5, staged.Count); // four annotation files and the image
        Assert.Equal(Coco, (await storage.Staging.GetBlobClient(coco.StagedPath).DownloadContentAsync()).Value.Content.ToString());
        var rows = await storage.CatalogRowsAsync();
        Assert.Equal(4, rows.Count(r => r.GetString("Kind") == CatalogKinds.Labels));
        Assert.Empty(await storage.ListAsync(storage.Quarantine));
    }

    public static TheoryData<string, string, string> BadFiles() => new()
    {
        { "b/invalid.json", "{\"images\": [,]}", "not valid JSON" },
        { "b/truncated.json", Coco[..60], "truncated" },
        { "b/shape.json", "[{\"id\": 1}]", "not an object" },
        { "b/entity.xml", "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><annotation><filename>&x;</filename></annotation>", "DTD" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public async Task An_unreadable_annotation_file_is_quarantined_with_its_reason_and_nothing_else_moves(string name, string content, string reason)
    {
        await using var storage = azurite.CreateStorage();
        await storage.UploadAsync("b/good.json", Encoding.UTF8.GetBytes(Coco));
        await storage.Ingest.IngestAsync("b/good.json", Timeout);
        var stagedBefore = await storage.ListAsync(storage.Staging);
        await storage.UploadAsync(name, Encoding.UTF8.GetBytes(content));

        var entry = (await storage.Ingest.IngestAsync(name, Timeout)).Entry!;

        Assert.Equal((IngestStatus.Rejected, CatalogKinds.Labels), (entry.Status, entry.Kind));
        var finding = Assert.Single(entry.Findings, f => f.Code == FindingCodes.LabelFileInvalid);
        Assert.Contains(reason, finding.Message, StringComparison.Ordinal);
        Assert.Equal([name, name + ".reasons.json"], await storage.ListAsync(storage.Quarantine));
        Assert.Equal(content, (await storage.Quarantine.GetBlobClient(name).DownloadContentAsync()).Value.Content.ToString());
        Assert.Equal(stagedBefore, await storage.ListAsync(storage.Staging));
        Assert.True(await storage.Incoming.GetBlobClient(name).ExistsAsync()); // the upload is never removed
    }

    [Fact]
    public async Task A_file_over_the_label_cap_is_copied_to_quarantine_without_being_read()
    {
        await using var storage = azurite.CreateStorage(settings => settings["Pipeline:Labels:MaxFileBytes"] = "1000");
        var big = Encoding.UTF8.GetBytes(Coco + new string(' ', 2000));
        await storage.UploadAsync("b/huge.json", big);

        var entry = (await storage.Ingest.IngestAsync("b/huge.json", Timeout)).Entry!;

        var finding = Assert.Single(entry.Findings);
        Assert.Equal((FindingCodes.LabelFileTooLarge, (double?)big.Length, (double?)1000), (finding.Code, finding.Value, finding.Threshold));
        Assert.Equal(string.Empty, entry.Sha256); // never downloaded
        Assert.Equal(["b/huge.json", "b/huge.json.reasons.json"], await storage.ListAsync(storage.Quarantine));
        Assert.Empty(await storage.ListAsync(storage.Staging));
    }
}
