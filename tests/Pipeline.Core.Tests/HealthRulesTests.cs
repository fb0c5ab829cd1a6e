using Pipeline.Core.Findings;
using Pipeline.Core.Health;
using Pipeline.Testing;
using Pipeline.Core.Ingest;

namespace Pipeline.Core.Tests;

/// <summary>The pillars' thresholds on crafted data: each raises its finding when crossed, and only then.</summary>
public sealed class HealthRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 12, 30, 0, TimeSpan.Zero);

    [Fact]
    public void Chi_square_survival_matches_the_tables()
    {
        Assert.Equal(0.05, Drift.ChiSquareSurvival(3.841, 1), 3);
        Assert.Equal(0.01, Drift.ChiSquareSurvival(6.635, 1), 3);
        Assert.Equal(0.05, Drift.ChiSquareSurvival(18.307, 10), 3);
        Assert.Equal(0.001, Drift.ChiSquareSurvival(29.588, 10), 4);
        Assert.Equal(0.5, Drift.ChiSquareSurvival(9.342, 10), 3);
        Assert.Equal(1, Drift.ChiSquareSurvival(0, 3));
    }

    [Fact]
    public void Drift_is_zero_for_equal_proportions_and_grows_with_the_shift()
    {
        var same = Drift.Compare(new Dictionary<string, long> { ["cat"] = 500, ["dog"] = 500 }, new Dictionary<string, long> { ["cat"] = 50, ["dog"] = 50 });
        Assert.Equal(0, same.Psi, 6);
        Assert.Equal(1, same.PValue, 6);

        var small = Drift.Compare(new Dictionary<string, long> { ["cat"] = 500, ["dog"] = 500 }, new Dictionary<string, long> { ["cat"] = 55, ["dog"] = 45 });
        var large = Drift.Compare(new Dictionary<string, long> { ["cat"] = 500, ["dog"] = 500 }, new Dictionary<string, long> { ["cat"] = 95, ["dog"] = 5 });
        Assert.InRange(small.Psi, 0, 0.1);
        Assert.True(small.PValue > 0.05);
        Assert.True(large.Psi > 1, $"PSI {large.Psi}");
        Assert.True(large.PValue < 1e-6);

        // A class only one side has counts: smoothed, finite, and a shift.
        var newClass = Drift.Compare(new Dictionary<string, long> { ["cat"] = 500 }, new Dictionary<string, long> { ["cat"] = 50, ["bird"] = 50 });
        Assert.True(double.IsFinite(newClass.Psi) && newClass.Psi > 0.25);
    }

    [Fact]
    public async Task Freshness_raises_a_finding_only_past_the_datasets_cadence()
    {
        var profile = await Batch("b1", Image("b1/a.jpg", Now.AddHours(-30)), Labels("b1/a.json", Now.AddHours(-30)));
        var findings = Evaluate([profile]).Findings;
        Assert.Contains(findings, f => f is { Code: FindingCodes.HealthStale, Severity: Severity.Warning, Threshold: 24 } && f.Value > 29.9);
        Assert.Contains(findings, f => f.Code == FindingCodes.HealthLabelsStale);

        var relaxed = new HealthOptions { Datasets = { ["cats"] = new DatasetExpectations { CadenceHours = 48 } } };
        Assert.DoesNotContain(Evaluate([profile], options: relaxed).Findings, f => f.Code.StartsWith("health.freshness", StringComparison.Ordinal));

        var fresh = await Batch("b2", Image("b2/a.jpg", Now.AddHours(-2)));
        Assert.DoesNotContain(Evaluate([profile, fresh]).Findings, f => f.Code == FindingCodes.HealthStale);

        // Labels are judged only where labels are expected.
        var unlabelled = new HealthOptions { ExpectLabels = false };
        Assert.DoesNotContain(Evaluate([profile], options: unlabelled).Findings, f => f.Code == FindingCodes.HealthLabelsStale);
    }

    [Fact]
    public async Task Volume_raises_a_drop_and_a_spike_against_the_median_of_earlier_windows()
    {
        BatchProfile week = await Batch("week", [.. Daily(days: 7, perDay: 100, skipLastDay: true)]);

        var quiet = Evaluate([week, await Batch("today", [.. Enumerable.Range(0, 10).Select(i => Image($"today/{i}.jpg", Now.AddHours(-1)))])]);
        Assert.Equal(10, quiet.Volume.Images);
        Assert.Equal(100, quiet.Volume.BaselineImages);
        Assert.Contains(quiet.Findings, f => f is { Code: FindingCodes.HealthVolumeDrop, Subject: "images", Value: 10, Threshold: 50 });

        var busy = Evaluate([week, await Batch("today", [.. Enumerable.Range(0, 400).Select(i => Image($"today/{i}.jpg", Now.AddHours(-3)))])]);
        Assert.Contains(busy.Findings, f => f is { Code: FindingCodes.HealthVolumeSpike, Subject: "images" });

        var usual = Evaluate([week, await Batch("today", [.. Enumerable.Range(0, 90).Select(i => Image($"today/{i}.jpg", Now.AddHours(-5)))])]);
        Assert.DoesNotContain(usual.Findings, f => f.Code.StartsWith("health.volume", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Volume_needs_history_before_it_judges()
    {
        // Two days old: no three earlier windows yet, so no baseline and no finding however small today is.
        var young = await Batch("young", [.. Daily(days: 2, perDay: 100, skipLastDay: true)]);
        var snapshot = Evaluate([young]);
        Assert.Null(snapshot.Volume.BaselineImages);
        Assert.DoesNotContain(snapshot.Findings, f => f.Code.StartsWith("health.volume", StringComparison.Ordinal));

        // A thin baseline (under MinBaselineImages per window) is not judged either.
        var thin = await Batch("thin", [.. Daily(days: 7, perDay: 5, skipLastDay: true)]);
        Assert.DoesNotContain(Evaluate([thin]).Findings, f => f.Code.StartsWith("health.volume", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Class_drift_against_production_raises_a_finding_naming_the_batch()
    {
        var version = Version(new() { ["cat"] = 500, ["dog"] = 500 });
        var batch = await Batch("new", [.. Enumerable.Range(0, 100).Select(i => Image($"new/{i}.jpg", Now.AddHours(-1)))]);

        var drifted = Evaluate([batch], version, classes: new() { ["new"] = new Dictionary<string, long> { ["cat"] = 190, ["dog"] = 10 } });
        var finding = Assert.Single(drifted.Findings, f => f.Code == FindingCodes.HealthClassDrift);
        Assert.Equal("new", finding.Subject);
        Assert.True(finding.Value >= 0.25);
        Assert.Equal(1, drifted.Distribution.AgainstVersion);

        var alike = Evaluate([batch], version, classes: new() { ["new"] = new Dictionary<string, long> { ["cat"] = 98, ["dog"] = 102 } });
        Assert.DoesNotContain(alike.Findings, f => f.Code == FindingCodes.HealthClassDrift);
        Assert.True(alike.Distribution.MaxClassPsi < 0.01);

        // Too few images to judge.
        var few = await Batch("few", [.. Enumerable.Range(0, 10).Select(i => Image($"few/{i}.jpg", Now.AddHours(-1)))]);
        Assert.DoesNotContain(Evaluate([few], version, classes: new() { ["few"] = new Dictionary<string, long> { ["cat"] = 20 } }).Findings, f => f.Code == FindingCodes.HealthClassDrift);
    }

    [Fact]
    public async Task Quality_drift_against_production_raises_a_finding()
    {
        var reference = await Batch("old", [.. Enumerable.Range(0, 300).Select(i => Image($"old/{i}.jpg", Now.AddDays(-9), brightness: 0.45 + (i % 10 * 0.01)))]);
        var version = Version(new() { ["cat"] = 10 }, reference.Pending);
        var dark = await Batch("dark", [.. Enumerable.Range(0, 100).Select(i => Image($"dark/{i}.jpg", Now.AddHours(-1), brightness: 0.05 + (i % 10 * 0.01)))]);
        var same = await Batch("same", [.. Enumerable.Range(0, 100).Select(i => Image($"same/{i}.jpg", Now.AddHours(-1), brightness: 0.45 + (i % 10 * 0.01)))]);

        var snapshot = Evaluate([dark, same], version);
        var finding = Assert.Single(snapshot.Findings, f => f.Code == FindingCodes.HealthQualityDrift);
        Assert.Equal("dark", finding.Subject);
        Assert.Contains("brightness", finding.Message, StringComparison.Ordinal);
        Assert.Equal("dark", snapshot.Distribution.Batches[0].Batch);
    }

    [Fact]
    public async Task Schema_changes_name_what_a_batch_brings()
    {
        var reference = await Batch("old", Image("old/a.jpg", Now.AddDays(-9)), Labels("old/a.json", Now.AddDays(-9)));
        var version = Version(new() { ["cat"] = 10, ["dog"] = 10 }, reference.Pending);
        var batch = await Batch(
            "new", Image("new/a.png", Now.AddHours(-1), format: "png"), Image("new/b.jpg", Now.AddHours(-1), gray: true), Labels("new/a.txt", Now.AddHours(-1), format: "yolo"));

        var snapshot = Evaluate([batch], version, classes: new() { ["new"] = new Dictionary<string, long> { ["cat"] = 3, ["bird"] = 2 } });
        Assert.Equal(4, snapshot.Findings.Count(f => f.Code == FindingCodes.HealthSchemaChange));
        Assert.Equal(
            ["annotation_format:yolo", "image_format:png", "image_mode:gray", "taxonomy:bird"],
            snapshot.Schema.Changes.Select(c => $"{c.Kind}:{string.Join(',', c.Added)}").Order());

        // Before a first version there is nothing to compare with.
        Assert.Empty(Evaluate([batch]).Schema.Changes);
    }

    [Fact]
    public async Task Images_waiting_for_promotion_too_long_raise_a_lineage_finding()
    {
        var waiting = await Batch("old", Image("old/a.jpg", Now.AddDays(-10)), Image("old/b.jpg", Now.AddDays(-10), promoted: "cats@1"));
        var snapshot = Evaluate([waiting], Version(new() { ["cat"] = 1 }));
        Assert.Equal(1, snapshot.Lineage.PendingImages);
        Assert.Equal(1, snapshot.Lineage.CurrentVersion);
        Assert.Contains(snapshot.Findings, f => f is { Code: FindingCodes.HealthPromotionLag, Threshold: 168 });

        var promoted = await Batch("done", Image("done/a.jpg", Now.AddDays(-10), promoted: "cats@1"));
        Assert.DoesNotContain(Evaluate([promoted]).Findings, f => f.Code == FindingCodes.HealthPromotionLag);
    }

    private static HealthSnapshot Evaluate(
        IReadOnlyList<BatchProfile> batches, VersionProfile? version = null, HealthOptions? options = null, Dictionary<string, IReadOnlyDictionary<string, long>>? classes = null) =>
        HealthRules.Evaluate("cats", batches, classes ?? [], version, options ?? new HealthOptions(), Now);

    private static VersionProfile Version(SortedDictionary<string, long> boxes, DataProfile? images = null)
    {
        var profile = new DataProfile();
        if (images is not null)
        {
            profile.Add(images);
        }

        foreach (var (label, n) in boxes)
        {
            profile.AddBoxes(label, n);
        }

        return new VersionProfile("cats", 1, new string('a', 64), Now.AddDays(-8), "run", profile);
    }

    private static Task<BatchProfile> Batch(string batch, params CatalogEntry[] rows) =>
        BatchProfile.BuildAsync(batch, "cats", rows.ToAsyncEnumerable(), Now, CancellationToken.None);

    private static IEnumerable<CatalogEntry> Daily(int days, int perDay, bool skipLastDay)
    {
        for (var d = skipLastDay ? 1 : 0; d < days + (skipLastDay ? 1 : 0); d++)
        {
            for (var i = 0; i < perDay; i++)
            {
                yield return Image($"week/{d}-{i}.jpg", Now.AddDays(-d).AddHours(-2));
            }
        }
    }

    private static CatalogEntry Image(string name, DateTimeOffset at, string format = "jpeg", double brightness = 0.5, bool gray = false, string? promoted = null) =>
        new CatalogEntryBuilder(name)
        {
            Format = format,
            IngestedAt = at,
            Promoted = promoted,
            Quality = new ImageQualityBuilder { Brightness = brightness, ColorSpread = gray ? 0 : 0.3, PixelHash = name.GetHashCode().ToString("x32") }.Build(),
            Findings = gray ? [Finding.Info(FindingCodes.ImageGrayscale, "gray")] : [],
        }.Build();

    private static CatalogEntry Labels(string name, DateTimeOffset at, string format = "coco") =>
        (CatalogEntryBuilder.Labels(name, format) with { IngestedAt = at }).Build();
}
