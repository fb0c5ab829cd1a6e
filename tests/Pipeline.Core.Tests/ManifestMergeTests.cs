using Pipeline.Core.Datasets;

namespace Pipeline.Core.Tests;

/// <summary>The merge of a parent manifest with the images read from the batches being promoted.</summary>
public sealed class ManifestMergeTests
{
    private static readonly SplitRatios Ratios = SplitRatios.Default;

    /// <summary>A hash whose first hex digit orders it; the split is taken from the hash, so tests choose it through <paramref name="lead"/>.</summary>
    private static string Sha(char lead, int i = 0) => lead + i.ToString("x", System.Globalization.CultureInfo.InvariantCulture).PadLeft(63, '0');

    private static ManifestEntry Entry(string sha, string split = "", params ManifestBox[] labels) =>
        new(sha, sha, $"images/{sha}.jpg", 100, "jpg", 32, 24, split, labels, $"b/{sha[..4]}.jpg", $"{sha[..4]}.jpg");

    private static MergeCandidate New(string sha, bool labelled = false, params ManifestBox[] labels) =>
        new(new ManifestEntry(string.Empty, sha, string.Empty, 0, "jpg", 32, 24, string.Empty, labels, $"b2/{sha[..4]}.jpg", $"{sha[..4]}.jpg"), labelled);

    private static async IAsyncEnumerable<ManifestEntry> Stream(params ManifestEntry[] entries)
    {
        foreach (var entry in entries)
        {
            await Task.Yield();
            yield return entry;
        }
    }

    private static async Task<List<PlanLine>> MergeAsync(ManifestMerge merge, IAsyncEnumerable<ManifestEntry> parent, params MergeCandidate[] candidates) =>
        await merge.MergeAsync(parent, candidates, CancellationToken.None).ToListAsync();

    private static readonly ManifestBox Cat = new("cat", 1, 2, 3, 4);
    private static readonly ManifestBox Dog = new("dog", 5, 6, 7, 8);

    [Fact]
    public async Task Parent_and_candidates_interleave_in_hash_order_new_ones_flagged()
    {
        var merge = new ManifestMerge(Ratios, []);
        var lines = await MergeAsync(merge, Stream(Entry(Sha('1')), Entry(Sha('5')), Entry(Sha('9'))), New(Sha('0')), New(Sha('3')), New(Sha('f')));

        Assert.Equal([Sha('0'), Sha('1'), Sha('3'), Sha('5'), Sha('9'), Sha('f')], lines.Select(l => l.Entry.OriginalSha256));
        Assert.Equal([true, false, true, false, false, true], lines.Select(l => l.New));
        Assert.Equal((3, 0, 0, 3), (merge.Added, merge.Removed, merge.Relabelled, merge.ParentImages));
    }

    [Fact]
    public async Task Every_line_gets_the_split_its_hash_gives_under_the_gate_ratios_even_a_parent_line_that_said_otherwise()
    {
        var everythingTest = new SplitRatios(0, 0, 1);
        var lines = await MergeAsync(new ManifestMerge(everythingTest, []), Stream(Entry(Sha('2'), split: SplitNames.Train)), New(Sha('4')));

        Assert.All(lines, l => Assert.Equal(SplitNames.Test, l.Entry.Split));
    }

    [Fact]
    public async Task A_split_the_dataset_gives_is_kept_through_later_merges_and_a_batch_that_gives_another_moves_it()
    {
        var everythingTest = new SplitRatios(0, 0, 1);
        MergeCandidate Given(string sha, string split) =>
            New(sha) with { Entry = New(sha).Entry with { Split = split, SplitFrom = ManifestEntry.SplitFromDataset } };
        var parent = Stream(
            Entry(Sha('1'), SplitNames.Train) with { SplitFrom = ManifestEntry.SplitFromDataset },
            Entry(Sha('2'), SplitNames.Val) with { SplitFrom = ManifestEntry.SplitFromDataset },
            Entry(Sha('3'), SplitNames.Train));

        var lines = await MergeAsync(new ManifestMerge(everythingTest, []), parent, Given(Sha('2'), SplitNames.Train), New(Sha('4')), Given(Sha('5'), SplitNames.Val));

        // Given splits stay (1), move when a batch gives another (2), are taken for new images (5); the rest follow the ratios.
        Assert.Equal(
            [(SplitNames.Train, "dataset"), (SplitNames.Train, "dataset"), (SplitNames.Test, null), (SplitNames.Test, null), (SplitNames.Val, "dataset")],
            lines.Select(l => (l.Entry.Split, l.Entry.SplitFrom)));
        var totals = new ManifestTotals();
        lines.ForEach(l => totals.Add(l.Entry));
        Assert.Equal(3, totals.SplitByDataset);
    }

    [Fact]
    public async Task A_candidate_already_in_the_parent_keeps_the_parent_entry_and_relabels_it_only_when_its_batch_had_other_boxes()
    {
        var parent = Stream(Entry(Sha('1'), "", Cat), Entry(Sha('2'), "", Cat), Entry(Sha('3'), "", Cat), Entry(Sha('4'), "", Cat));
        var merge = new ManifestMerge(Ratios, []);

        var lines = await MergeAsync(
            merge, parent,
            New(Sha('1')),                     // no annotations in its batch: the parent's boxes stay
            New(Sha('2'), labelled: true, Cat), // the same boxes: not a relabel
            New(Sha('3'), labelled: true, Dog), // other boxes: relabelled
            New(Sha('4'), labelled: true));     // annotated with no box: its boxes are cleared

        Assert.All(lines, l => Assert.False(l.New));
        Assert.Equal([[Cat], [Cat], [Dog], []], lines.Select(l => l.Entry.Labels.ToArray()));
        Assert.All(lines, l => Assert.StartsWith("images/", l.Entry.Path, StringComparison.Ordinal)); // the published entry, not the candidate's blank one
        Assert.Equal((0, 2, 4), (merge.Added, merge.Relabelled, merge.ParentImages));
    }

    [Fact]
    public async Task Removals_leave_parent_images_out_and_a_removal_that_names_no_parent_image_is_reported()
    {
        var merge = new ManifestMerge(Ratios, [Sha('2'), Sha('3'), Sha('7')]);
        var lines = await MergeAsync(merge, Stream(Entry(Sha('1')), Entry(Sha('2')), Entry(Sha('3'))), New(Sha('3'), labelled: true, Dog), New(Sha('7')));

        // 3 is removed although its batch brought it again; 7 is only a candidate, so removing it names no published image.
        Assert.Equal([Sha('1'), Sha('7')], lines.Select(l => l.Entry.OriginalSha256));
        Assert.Equal((1, 2, 0, 3), (merge.Added, merge.Removed, merge.Relabelled, merge.ParentImages));
        Assert.Equal([Sha('7')], merge.UnmatchedRemovals);
    }

    [Fact]
    public async Task No_parent_makes_every_candidate_new_and_no_candidate_copies_the_parent()
    {
        var first = new ManifestMerge(Ratios, []);
        Assert.Equal([true, true], (await MergeAsync(first, AsyncEnumerable.Empty<ManifestEntry>(), New(Sha('1')), New(Sha('2')))).Select(l => l.New));

        var second = new ManifestMerge(Ratios, []);
        Assert.Equal([false, false], (await MergeAsync(second, Stream(Entry(Sha('1')), Entry(Sha('2'))))).Select(l => l.New));
        Assert.Equal((0, 2), (second.Added, second.ParentImages));

        Assert.Empty(await MergeAsync(new ManifestMerge(Ratios, []), AsyncEnumerable.Empty<ManifestEntry>()));
    }

    [Fact]
    public async Task A_parent_out_of_hash_order_or_with_a_repeat_is_refused_with_where()
    {
        var disorder = await Assert.ThrowsAsync<InvalidDataException>(() => MergeAsync(new ManifestMerge(Ratios, []), Stream(Entry(Sha('5')), Entry(Sha('2')))));
        Assert.Contains(Sha('2'), disorder.Message, StringComparison.Ordinal);

        await Assert.ThrowsAsync<InvalidDataException>(() => MergeAsync(new ManifestMerge(Ratios, []), Stream(Entry(Sha('5')), Entry(Sha('5')))));
    }

    [Fact]
    public async Task Candidates_out_of_hash_order_are_refused()
    {
        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => MergeAsync(new ManifestMerge(Ratios, []), Stream(Entry(Sha('1'))), New(Sha('8')), New(Sha('4'))));
        Assert.Contains("candidates", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_parent_is_read_as_a_stream_one_entry_ahead_at_most()
    {
        // A parent of 100,000 entries that counts how far it has been read: the merge never asks for more than one past what it has written.
        var read = 0;
        async IAsyncEnumerable<ManifestEntry> Counting()
        {
            for (var i = 0; i < 100_000; i++)
            {
                read++;
                yield return Entry(Sha('1', i));
                await Task.CompletedTask;
            }
        }

        var written = 0;
        await foreach (var line in new ManifestMerge(Ratios, []).MergeAsync(Counting(), [New(Sha('2'))], CancellationToken.None))
        {
            written++;
            Assert.InRange(read - written, 0, 1);
            Assert.False(line.New);
            if (written == 1_000)
            {
                break;
            }
        }
    }
}

/// <summary>Near-duplicate pairs watched while a version's manifest streams past.</summary>
public sealed class NearPairWatchTests
{
    private static NearPair Pair(string later, string earlier) => new(later, later + ".jpg", earlier, earlier + ".jpg");

    [Fact]
    public void A_pair_counts_once_both_images_are_in_is_pending_while_only_the_later_one_is_and_is_carried_while_the_later_one_stays()
    {
        var watch = new NearPairWatch();
        watch.Add(Pair("b", "a"));
        watch.Add(Pair("c", "x"));
        watch.Add(Pair("d", "y"));
        watch.Add(Pair("b", "a")); // the same pair again (two findings, or carried over and found again)
        foreach (var sha in new[] { "a", "b", "c", "y", "unrelated" })
        {
            watch.Observe(sha, "train");
        }

        Assert.Equal([Pair("b", "a")], watch.InVersion);
        Assert.Equal([Pair("c", "x")], watch.Pending);
        Assert.Equal([Pair("b", "a"), Pair("c", "x")], watch.Carried); // d is not in: its pair is dropped
    }

    [Fact]
    public void A_pair_of_one_image_with_itself_is_ignored()
    {
        var watch = new NearPairWatch();
        watch.Add(Pair("a", "a"));
        watch.Observe("a", "train");

        Assert.Empty(watch.InVersion);
        Assert.Empty(watch.Carried);
    }
}
