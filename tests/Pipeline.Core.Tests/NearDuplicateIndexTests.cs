using Pipeline.Core.Images;
using Pipeline.Testing;

namespace Pipeline.Core.Tests;

public sealed class NearDuplicateIndexTests
{
    private static ulong RandomHash(Random random) => (ulong)random.NextInt64() ^ ((ulong)random.Next(2) << 63);

    [Theory]
    [InlineData(0, 1)]
    [InlineData(3, 4)] // s = 0: the four bands exactly
    [InlineData(4, 17 + 3)] // s = 1, a = 0: band 0 within 1 bit, the others exactly
    [InlineData(10, (3 * 137) + 17)]
    [InlineData(16, (1 + 16 + 120 + 560 + 1820) + (3 * (1 + 16 + 120 + 560)))]
    public void Probe_count_follows_the_generalised_pigeonhole(int radius, int expected)
    {
        var probes = MultiIndexHash.Probes(0x0123_4567_89ab_cdef, radius);

        Assert.Equal(expected, probes.Count);
        Assert.Equal(expected, probes.Distinct().Count());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(10)]
    [InlineData(13)]
    public void Every_hash_within_the_radius_shares_a_probed_bucket(int radius)
    {
        var random = new Random(radius);
        for (var trial = 0; trial < 2000; trial++)
        {
            var query = RandomHash(random);
            var other = HashEdits.Flip(query, random, random.Next(radius + 1));
            var probes = MultiIndexHash.Probes(query, radius).ToHashSet();

            Assert.Contains(MultiIndexHash.Keys(other), probes.Contains);
        }
    }

    [Fact]
    public void Hashes_beyond_the_radius_in_every_band_are_not_probed()
    {
        // Three bits differ in each band: 12 in all, and no band is close enough for radius 10.
        var query = 0UL;
        var other = 0x0007_0007_0007_0007UL;
        Assert.Equal(12, PerceptualHash.Distance(query, other));

        Assert.DoesNotContain(MultiIndexHash.Keys(other), MultiIndexHash.Probes(query, 10).ToHashSet().Contains);
    }

    [Fact]
    public async Task The_later_image_names_the_earlier_and_the_earlier_names_nobody()
    {
        var index = new NearDuplicateIndex(new InMemoryNearHashStore());
        var first = 0xF0F0_0000_FFFF_1234UL;
        var near = first ^ 0b1011_0000_0001UL; // 4 bits

        Assert.Null(await index.AddAndFindAsync("d", first, "sha-a", "a.jpg", 10, default));
        var match = await index.AddAndFindAsync("d", near, "sha-b", "b.jpg", 10, default);
        var retriedFirst = await index.AddAndFindAsync("d", first, "sha-a", "a.jpg", 10, default);

        Assert.Equal(new NearMatch("a.jpg", "sha-a", 4), match);
        Assert.Null(retriedFirst); // a retry of the first never names the later one
        Assert.Equal(new NearMatch("a.jpg", "sha-a", 4), await index.AddAndFindAsync("d", near, "sha-b", "b.jpg", 10, default));
    }

    [Fact]
    public async Task An_identical_hash_from_other_bytes_is_distance_zero_and_datasets_are_apart()
    {
        var index = new NearDuplicateIndex(new InMemoryNearHashStore());
        await index.AddAndFindAsync("cats", 42, "sha-a", "a.jpg", 10, default);

        Assert.Equal(new NearMatch("a.jpg", "sha-a", 0), await index.AddAndFindAsync("cats", 42, "sha-b", "b.jpg", 10, default));
        Assert.Null(await index.AddAndFindAsync("dogs", 42, "sha-c", "c.jpg", 10, default));
        Assert.Null(await index.AddAndFindAsync("cats", 42UL ^ 0x7FF, "sha-d", "d.jpg", 10, default)); // 11 bits from 42
    }

    [Fact]
    public async Task Finds_the_same_nearest_earlier_image_as_comparing_every_pair()
    {
        var random = new Random(5);
        var hashes = new List<ulong>();
        for (var i = 0; i < 4000; i++)
        {
            // A third are edits of an earlier image (up to 14 bits), the rest unrelated.
            hashes.Add(i > 0 && random.Next(3) == 0 ? HashEdits.Flip(hashes[random.Next(i)], random, random.Next(15)) : RandomHash(random));
        }

        var index = new NearDuplicateIndex(new InMemoryNearHashStore());
        var found = 0;
        for (var i = 0; i < hashes.Count; i++)
        {
            var match = await index.AddAndFindAsync("d", hashes[i], $"sha{i}", $"img{i}", 10, default);

            var expected = Enumerable.Range(0, i)
                .Where(j => hashes[j] != hashes[i] && PerceptualHash.Distance(hashes[j], hashes[i]) <= 10)
                .Select(j => (Index: j, Distance: PerceptualHash.Distance(hashes[j], hashes[i])))
                .OrderBy(c => c.Distance).ThenBy(c => hashes[c.Index]).ThenBy(c => c.Index)
                .Select(c => (int?)c.Index).FirstOrDefault();
            var identical = Enumerable.Range(0, i).Where(j => hashes[j] == hashes[i]).Select(j => (int?)j).FirstOrDefault();
            var want = identical ?? expected;
            Assert.Equal(want is { } w ? $"img{w}" : null, match?.Name);
            found += match is null ? 0 : 1;
        }

        Assert.InRange(found, 800, 1400); // the planted edits within 10 bits
    }
}
