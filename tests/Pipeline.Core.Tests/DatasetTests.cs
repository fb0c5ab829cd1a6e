using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Pipeline.Core.Datasets;
using Pipeline.Core.Labels;
using Pipeline.Core.Lineage;

namespace Pipeline.Core.Tests;

public sealed class SplitTests
{
    private static string Sha(int i) => Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(i)));

    [Fact]
    public void A_split_depends_on_the_hash_alone_and_follows_the_ratios()
    {
        var ratios = new SplitRatios(0.7, 0.2, 0.1);
        var counts = Enumerable.Range(0, 20_000).Select(i => ratios.Assign(Sha(i))).GroupBy(s => s).ToDictionary(g => g.Key, g => g.Count());

        Assert.Equal(ratios.Assign(Sha(42)), new SplitRatios(0.7, 0.2, 0.1).Assign(Sha(42)));
        Assert.InRange(counts[SplitNames.Train] / 20_000.0, 0.68, 0.72);
        Assert.InRange(counts[SplitNames.Val] / 20_000.0, 0.18, 0.22);
        Assert.InRange(counts[SplitNames.Test] / 20_000.0, 0.08, 0.12);
    }

    [Fact]
    public void Moving_a_boundary_moves_only_the_images_near_it()
    {
        var before = new SplitRatios(0.8, 0.1, 0.1);
        var after = new SplitRatios(0.75, 0.15, 0.1);
        var moved = Enumerable.Range(0, 10_000).Select(Sha).Where(s => before.Assign(s) != after.Assign(s)).ToList();

        Assert.All(moved, s => Assert.Equal((SplitNames.Train, SplitNames.Val), (before.Assign(s), after.Assign(s))));
        Assert.InRange(moved.Count / 10_000.0, 0.03, 0.07);
    }

    [Theory]
    [InlineData(0.5, 0.1, 0.1, "sum to 1")]
    [InlineData(1.2, -0.1, -0.1, "between 0 and 1")]
    public void Ratios_that_do_not_make_a_whole_are_refused(double train, double val, double test, string problem) =>
        Assert.Contains(problem, new SplitRatios(train, val, test).Problem(), StringComparison.Ordinal);
}

public sealed class ManifestTests
{
    internal static ManifestEntry Entry(string sha, params ManifestBox[] labels) =>
        new(sha, sha, ManifestEntry.ImagePath(sha, "jpg"), 1000, "jpg", 640, 480, SplitNames.Train, labels, $"b/{sha[..4]}.jpg", $"{sha[..4]}.jpg");

    internal static string Sha(char c) => new(c, 64);

    internal static async IAsyncEnumerable<ManifestEntry> Async(params ManifestEntry[] entries)
    {
        foreach (var entry in entries)
        {
            await Task.Yield();
            yield return entry;
        }
    }

    [Fact]
    public async Task The_version_id_is_the_hash_of_the_manifest_bytes_and_a_round_trip_keeps_every_entry()
    {
        var entries = new[] { Entry(Sha('a'), new ManifestBox("cat", 1, 2, 3, 4)), Entry(Sha('b')) };
        using var output = new MemoryStream();

        var totals = await DatasetManifest.WriteAsync(Async(entries), output, CancellationToken.None);
        var read = new List<ManifestEntry>();
        await foreach (var entry in DatasetManifest.ReadAsync(new MemoryStream(output.ToArray()), CancellationToken.None))
        {
            read.Add(entry);
        }

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(output.ToArray())), totals.Id);
        Assert.Equal(2, totals.Images);
        Assert.Equal(1, totals.Boxes);
        Assert.Equal(2, read.Count);
        Assert.True(read[0].SameLabels(entries[0]));
        Assert.Equal(entries[1] with { Labels = [] }, read[1] with { Labels = [] });
        Assert.Equal(2, Encoding.UTF8.GetString(output.ToArray()).Count(c => c == '\n'));
    }

    [Fact]
    public async Task Entries_out_of_order_are_a_broken_invariant()
    {
        using var output = new MemoryStream();

        await Assert.ThrowsAsync<InvalidOperationException>(() => DatasetManifest.WriteAsync(Async(Entry(Sha('b')), Entry(Sha('a'))), output, CancellationToken.None));
    }

    [Fact]
    public async Task A_diff_lists_added_removed_and_relabelled_images_and_the_class_count_changes()
    {
        var cat = new ManifestBox("cat", 1, 1, 5, 5);
        var dog = new ManifestBox("dog", 2, 2, 5, 5);
        var before = Async(Entry(Sha('a'), cat), Entry(Sha('b'), cat), Entry(Sha('c'), dog));
        var after = Async(Entry(Sha('b'), cat), Entry(Sha('c'), cat), Entry(Sha('d'), dog, dog));

        var diff = await DatasetDiff.CompareAsync(1, before, 2, after, CancellationToken.None);

        Assert.Equal((1, 1, 1), (diff.AddedCount, diff.RemovedCount, diff.RelabelledCount));
        Assert.Equal(Sha('d'), diff.Added.Single().OriginalSha256);
        Assert.Equal(Sha('a'), diff.Removed.Single().OriginalSha256);
        Assert.Equal(Sha('c'), diff.Relabelled.Single().OriginalSha256);
        Assert.Equal([new LabelCountChange("dog", 1, 2)], diff.Labels);
    }

    [Fact]
    public async Task Boxes_in_another_order_are_not_a_relabel()
    {
        var a = new ManifestBox("cat", 1, 1, 5, 5);
        var b = new ManifestBox("dog", 2, 2, 5, 5);

        var diff = await DatasetDiff.CompareAsync(1, Async(Entry(Sha('a'), a, b)), 2, Async(Entry(Sha('a'), b, a)), CancellationToken.None);

        Assert.Equal(0, diff.RelabelledCount);
    }
}

public sealed class ExportTests
{
    private static byte[] Manifest()
    {
        using var output = new MemoryStream();
        DatasetManifest.WriteAsync(
            ManifestTests.Async(
                ManifestTests.Entry(ManifestTests.Sha('a'), new ManifestBox("dog", 64, 48, 128, 96)),
                ManifestTests.Entry(ManifestTests.Sha('b'), new ManifestBox("cat", 0, 0, 640, 480), new ManifestBox("dog", 10, 10, 20, 20))),
            output, CancellationToken.None).GetAwaiter().GetResult();
        return output.ToArray();
    }

    [Fact]
    public async Task The_coco_export_reads_back_with_the_same_boxes()
    {
        var manifest = Manifest();
        using var output = new MemoryStream();

        await VersionExports.WriteCocoAsync(() => new MemoryStream(manifest), output, CancellationToken.None);
        var document = CocoReader.Read(new MemoryStream(output.ToArray()), "annotations.coco.json");

        Assert.DoesNotContain(document.Findings, f => f.Severity == Findings.Severity.Error);
        Assert.Equal(["cat", "dog"], document.Categories.Select(c => c.Name));
        Assert.Equal(2, document.Images.Count);
        Assert.Equal(3, document.Boxes.Count);
        var dog = document.Boxes.First(b => b.ImageId == 1);
        Assert.Equal((64.0, 48.0, 128.0, 96.0), (dog.X, dog.Y, dog.Width, dog.Height));
        Assert.Equal($"images/{ManifestTests.Sha('a')}.jpg", document.Images[0].FileName);
    }

    [Fact]
    public async Task The_yolo_export_is_the_ultralytics_layout_and_the_same_manifest_gives_the_same_bytes()
    {
        var manifest = Manifest();
        using var first = new MemoryStream();
        using var second = new MemoryStream();

        await VersionExports.WriteYoloAsync(() => new MemoryStream(manifest), first, CancellationToken.None);
        await VersionExports.WriteYoloAsync(() => new MemoryStream(manifest), second, CancellationToken.None);
        var files = new Dictionary<string, string>();
        using (var reader = new TarReader(new MemoryStream(first.ToArray())))
        {
            while (reader.GetNextEntry() is { } entry)
            {
                files[entry.Name] = new StreamReader(entry.DataStream!).ReadToEnd();
            }
        }

        Assert.Equal(first.ToArray(), second.ToArray());
        Assert.Equal($"1 0.2 0.2 0.2 0.2\n", files[$"labels/{ManifestTests.Sha('a')}.txt"]);
        Assert.Equal($"images/{ManifestTests.Sha('a')}.jpg\nimages/{ManifestTests.Sha('b')}.jpg\n", files["train.txt"]);
        Assert.Contains("  0: \"cat\"\n  1: \"dog\"\n", files["data.yaml"], StringComparison.Ordinal);
        var classes = YoloFormat.ReadDataYaml(files["data.yaml"]);
        Assert.Equal(["cat", "dog"], classes);
    }
}

public sealed class RunEventTests
{
    [Fact]
    public void A_run_event_has_the_openlineage_shape_with_version_and_assertion_facets()
    {
        var gate = Gates.GateEvaluator.Evaluate("cats", Gates.QualityGate.Default, "default", string.Empty, new Gates.GateObservations(), DateTimeOffset.UnixEpoch);
        var started = new DateTimeOffset(2026, 11, 29, 10, 0, 0, TimeSpan.Zero);
        var runId = RunEvents.RunId("promote:cats", started);

        var json = RunEvents.Create(RunEventTypes.Complete, started.AddMinutes(1), RunEvents.Namespace("acct"), LineageJobs.Promote, runId, "promote:cats",
            [new LineageDataset("staging/cats/b1", null, gate.Expectations)], [new LineageDataset("production/cats", "abc123")]);

        Assert.Equal(runId, RunEvents.RunId("promote:cats", started));
        Assert.NotEqual(runId, RunEvents.RunId("promote:cats", started.AddSeconds(1)));
        Assert.Equal('8', runId.ToString()[14]);
        Assert.Equal("COMPLETE", (string?)json["eventType"]);
        Assert.Equal(runId.ToString(), (string?)json["run"]!["runId"]);
        Assert.Equal("promote", (string?)json["job"]!["name"]);
        Assert.Equal("azblob://acct", (string?)json["job"]!["namespace"]);
        Assert.Equal("abc123", (string?)json["outputs"]![0]!["facets"]!["version"]!["datasetVersion"]);
        var assertions = json["inputs"]![0]!["inputFacets"]!["dataQualityAssertions"]!["assertions"]!.AsArray();
        Assert.Equal(2, assertions.Count);
        Assert.All(assertions, a => Assert.True((bool)a!["success"]!));
        Assert.StartsWith("https://openlineage.io/spec/2-0-2/OpenLineage.json", (string?)json["schemaURL"], StringComparison.Ordinal);
        Assert.IsType<JsonObject>(json["run"]!["facets"]!["durable"]);
    }
}
