using Pipeline.Core.Findings;
using Pipeline.Core.Images;
using Pipeline.Core.Labels;
using Pipeline.Testing;

namespace Pipeline.Core.Tests;

public sealed class SegmentationMaskTests
{
    [Theory]
    // VOC's colour map as the devkit's VOClabelcolormap.m builds it and its class list names it (written out by hand).
    [InlineData(0, 0, 0, 0)] // background
    [InlineData(1, 128, 0, 0)] // aeroplane
    [InlineData(2, 0, 128, 0)] // bicycle
    [InlineData(3, 128, 128, 0)] // bird
    [InlineData(8, 64, 0, 0)] // cat
    [InlineData(12, 64, 0, 128)] // dog
    [InlineData(15, 192, 128, 128)] // person
    [InlineData(20, 0, 64, 128)] // tvmonitor
    [InlineData(255, 224, 224, 192)] // void
    public void The_voc_palette_gives_each_index_the_devkits_colour(int index, int r, int g, int b) =>
        Assert.Equal((r << 16) | (g << 8) | b, SegmentationMasks.VocColour(index));

    [Fact]
    public void A_cvat_labelmap_reads_classes_colours_parts_and_actions_and_names_each_bad_line()
    {
        var map = LabelMap.Parse(
            "# label:color_rgb:parts:actions\nbackground:0,0,0::\nperson:192,128,128:head,hand,foot:jumping,running\r\ncar:250,50,83::\n\n", "labelmap.txt");

        Assert.Empty(map.Findings);
        Assert.Equal(["background", "person", "car"], map.Entries.Select(e => e.Name));
        Assert.Equal(0xFA3253, map.Entries[2].Colour);
        Assert.Equal(["head", "hand", "foot"], map.Entries[1].Parts);
        Assert.Equal(["jumping", "running"], map.Entries[1].Actions);

        var bad = LabelMap.Parse("cat:64,0,0::\ncat:0,0,1::\ndog:64,0,0::\nbird:300,0,0::\nhorse 1,2,3\n", "voc/labelmap.txt");

        Assert.Equal(["cat"], bad.Entries.Select(e => e.Name));
        Assert.All(bad.Findings, f => Assert.Equal((FindingCodes.LabelValueInvalid, "voc/labelmap.txt"), (f.Code, f.Subject)));
        Assert.Collection(
            bad.Findings,
            f => Assert.Contains("line 2: the label 'cat' is defined twice", f.Message, StringComparison.Ordinal),
            f => Assert.Contains("line 3: 'dog' has the colour of 'cat'", f.Message, StringComparison.Ordinal),
            f => Assert.Contains("line 4 ('bird:300,0,0::')", f.Message, StringComparison.Ordinal),
            f => Assert.Contains("line 5 ('horse 1,2,3')", f.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void A_class_mask_without_a_label_map_is_held_to_vocs_21_classes_and_void()
    {
        var key = new MaskKey();
        var sound = new MaskPixels(320, 240, new Dictionary<int, long> { [0] = 70_000, [0x400000] = 4_000, [0x0040_80] = 500, [SegmentationMasks.VocVoid] = 300 }, false);
        Assert.Empty(SegmentationMasks.Check("SegmentationClass/a.png", sound, key, null, (320, 240)));

        // Palette index 21 ((128, 64, 128)) is past VOC's classes; (1, 2, 3) is no palette colour at all.
        var bad = sound with { Colours = new Dictionary<int, long>(sound.Colours) { [0x804080] = 10, [0x010203] = 5 } };
        var finding = Assert.Single(SegmentationMasks.Check("SegmentationClass/a.png", bad, key, null, (320, 240)));
        Assert.Equal((FindingCodes.MaskUnknownId, Severity.Error, "SegmentationClass/a.png"), (finding.Code, finding.Severity, finding.Subject));
        Assert.Contains("15 pixel(s) have a colour no class has ((128, 64, 128), palette index 21; (1, 2, 3))", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_object_mask_is_held_to_its_annotations_object_count_and_a_panoptic_png_to_its_segments_both_ways()
    {
        var voc = VocReader.Read([("2008_000002.xml", new MemoryStream(NativeLayouts.VocDevkit().Files["VOCdevkit/VOC2012/Annotations/2008_000002.xml"]))]);
        var key = new MaskKey();
        key.Add(voc);
        Assert.Equal(2, key.ObjectsOf("2008_000002"));
        var objects = new MaskPixels(320, 240, new Dictionary<int, long> { [0] = 9, [0x800000] = 9, [0x008000] = 9, [SegmentationMasks.VocVoid] = 9 }, false);
        Assert.Empty(SegmentationMasks.Check("SegmentationObject/2008_000002.png", objects, key, null, null));
        var third = objects with { Colours = new Dictionary<int, long>(objects.Colours) { [0x808000] = 4 } };
        Assert.Contains("palette index 3); it holds 2 object(s)", Assert.Single(SegmentationMasks.Check("SegmentationObject/2008_000002.png", third, key, null, null)).Message, StringComparison.Ordinal);

        // Panoptic: without the JSON there is nothing to compare; with it, ids must match both ways, and the JSON's image size holds when the image is absent.
        var png = new MaskPixels(320, 240, new Dictionary<int, long> { [0] = 1, [NativeLayouts.PanopticColour(6202563)] = 1, [NativeLayouts.PanopticColour(4605006)] = 1 }, false);
        Assert.Empty(SegmentationMasks.Check("panoptic_val2017/000000000139.png", png, new MaskKey(), null, null));
        var coco = CocoReader.Read(new MemoryStream(NativeLayouts.CocoPanoptic().Files["annotations/panoptic_val2017.json"]), "panoptic_val2017.json");
        key.Add(coco);
        Assert.Empty(SegmentationMasks.Check("panoptic_val2017/000000000139.png", png, key, null, null));
        var small = png with { Width = 300 };
        Assert.Equal(FindingCodes.MaskSizeMismatch, Assert.Single(SegmentationMasks.Check("panoptic_val2017/000000000139.png", small, key, null, null)).Code);
        var unnamed = SegmentationMasks.Check("panoptic_val2017/000000000140.png", png, key, null, null);
        Assert.Equal((FindingCodes.MaskSegmentsMismatch, Severity.Warning), (Assert.Single(unnamed).Code, unnamed[0].Severity));
    }

    [Fact]
    public async Task The_guard_reads_a_png_mask_as_its_colours_and_refuses_anything_else_with_a_clear_error()
    {
        using var guard = GuardFactory.Create();
        var mask = await guard.ReadMaskAsync(NativeLayouts.VocDevkit().Files["VOCdevkit/VOC2012/SegmentationClass/2008_000002.png"], CancellationToken.None);

        Assert.Null(mask.Problem);
        var pixels = mask.Pixels!;
        Assert.Equal((320, 240, false), (pixels.Width, pixels.Height, pixels.MoreColours));
        // Two 80×60 boxes, each outlined in void (2·80 + 2·58 = 276 pixels), filled with dog and cat; the rest background.
        Assert.Equal(new Dictionary<int, long> { [0] = (320 * 240) - (2 * 80 * 60), [SegmentationMasks.VocVoid] = 2 * 276, [0x400080] = 78 * 58, [0x400000] = 78 * 58 }, pixels.Colours);

        var jpeg = await guard.ReadMaskAsync(TestFiles.Jpeg(), CancellationToken.None);
        Assert.Equal(FindingCodes.MaskUnreadable, jpeg.Problem!.Code);
        Assert.Contains("must be a PNG (lossless); this file is JPEG", jpeg.Problem.Message, StringComparison.Ordinal);
        Assert.Equal(FindingCodes.MaskUnreadable, (await guard.ReadMaskAsync(TestFiles.Truncate(TestFiles.Png()), CancellationToken.None)).Problem!.Code);
        Assert.Equal(FindingCodes.MaskUnreadable, (await guard.ReadMaskAsync(TestFiles.PngClaiming(100_000, 100_000), CancellationToken.None)).Problem!.Code);
    }
}
