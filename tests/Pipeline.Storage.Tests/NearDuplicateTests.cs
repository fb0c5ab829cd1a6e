using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Core.Findings;
using Pipeline.Core.Images;
using Pipeline.Core.Ingest;
using Pipeline.Testing;

namespace Pipeline.Storage.Tests;

/// <summary>The near-duplicate index in Azure Tables (on Azurite), on its own and at ingest.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class NearDuplicateTests(AzuriteFixture azurite)
{
    /// <summary>This test's one time window (a new class instance per test).</summary>
    private readonly CancellationToken Timeout = TestTimeout.Start(TimeSpan.FromMinutes(3));

    [Fact]
    public async Task The_table_store_answers_as_the_in_memory_store_does()
    {
        await using var storage = azurite.CreateStorage();
        var tableIndex = storage.Services.GetRequiredService<NearDuplicateIndex>();
        var memoryIndex = new NearDuplicateIndex(new InMemoryNearHashStore());
        var random = new Random(3);
        var hashes = new List<ulong>();
        for (var i = 0; i < 40; i++)
        {
            hashes.Add(i > 0 && random.Next(2) == 0 ? HashEdits.Flip(hashes[random.Next(i)], random, random.Next(13)) : (ulong)random.NextInt64());
        }

        var found = 0;
        for (var i = 0; i < hashes.Count; i++)
        {
            var expected = await memoryIndex.AddAndFindAsync("cats", hashes[i], $"sha{i}", $"b/{i}.jpg", 10, Timeout);
            var actual = await tableIndex.AddAndFindAsync("cats", hashes[i], $"sha{i}", $"b/{i}.jpg", 10, Timeout);
            Assert.Equal(expected, actual);
            found += actual is null ? 0 : 1;
        }

        Assert.InRange(found, 8, 30);
    }

    [Fact]
    public async Task Concurrent_additions_to_one_bucket_are_all_kept_and_a_full_page_spills_to_the_next()
    {
        await using var storage = azurite.CreateStorage();
        var store = (TableNearHashStore)storage.Services.GetRequiredService<INearHashStore>();
        const ulong Band0 = 0xBEEFUL << 48;

        // A full page and some: every hash shares band 0, so they all fall in one bucket (the rest of each hash
        // spreads over few buckets of bands 2 and 3, to keep the load short).
        var loaded = Enumerable.Range(1, TableNearHashStore.PageHashes + 40)
            .Select(i => (Hash: Band0 | ((ulong)(uint)(i >> 7) << 16) | (uint)(i & 127), Sha256: $"sha{i}", Name: $"b/{i}.png")).ToList();
        await store.LoadAsync("cats", loaded, Timeout);
        await store.LoadAsync("cats", loaded, Timeout); // loading again adds nothing

        // Sixteen ingests add to the same bucket at once: read-modify-write under If-Match must keep them all.
        var concurrent = Enumerable.Range(1, 16).Select(i => Band0 | ((ulong)(uint)i << 32)).ToList();
        await Task.WhenAll(concurrent.Select(hash => store.AddAsync("cats", MultiIndexHash.Keys(hash), hash, Timeout)));
        await store.AddAsync("cats", MultiIndexHash.Keys(concurrent[0]), concurrent[0], Timeout); // a retried ingest

        var bucket = await store.ReadAsync("cats", [new BandKey(0, 0xBEEF)], Band0, 64, Timeout);
        Assert.Equal(loaded.Count + concurrent.Count, bucket.Count);
        Assert.Superset(loaded.Select(l => l.Hash).Concat(concurrent).ToHashSet(), bucket.ToHashSet());

        var rows = new List<TableEntity>();
        await foreach (var row in storage.Tables.GetTableClient(storage.Options.NearHashTable).QueryAsync<TableEntity>(e => e.PartitionKey == "cats|b0beef"))
        {
            rows.Add(row);
        }

        Assert.Equal(["0beef-0000", "0beef-0001"], rows.Select(r => r.RowKey));
        Assert.Equal(TableNearHashStore.PageHashes * 8, rows[0].GetBinary("H").Length); // a full page of 8-byte hashes
        Assert.Empty(await store.ReadAsync("dogs", [new BandKey(0, 0xBEEF)], Band0, 64, Timeout)); // datasets are apart
        Assert.Equal("sha300", (await store.GetOwnerAsync("cats", loaded[299].Hash, Timeout))!.Sha256);
    }

    [Fact]
    public async Task A_resized_re_encoded_copy_is_a_near_duplicate_naming_the_first_and_other_photographs_are_not()
    {
        await using var storage = azurite.CreateStorage();
        await storage.UploadAsync("b1/astronaut.png", SampleSet.Good("astronaut.png"), dataset: "space");
        await storage.UploadAsync("b1/rocket.jpg", SampleSet.Good("rocket.jpg"), dataset: "space");
        await storage.UploadAsync("b2/astronaut-small.jpg", TestFiles.Edited("astronaut.png", 0.6, 70), dataset: "space");
        await storage.UploadAsync("b3/astronaut-elsewhere.jpg", TestFiles.Edited("astronaut.png", 0.6, 70), dataset: "faces");

        var first = (await storage.Ingest.IngestAsync("b1/astronaut.png", Timeout)).Entry!;
        var other = (await storage.Ingest.IngestAsync("b1/rocket.jpg", Timeout)).Entry!;
        var copy = (await storage.Ingest.IngestAsync("b2/astronaut-small.jpg", Timeout)).Entry!;
        var elsewhere = (await storage.Ingest.IngestAsync("b3/astronaut-elsewhere.jpg", Timeout)).Entry!;

        Assert.DoesNotContain(first.Findings, f => f.Code == FindingCodes.ImageNearDuplicate);
        Assert.DoesNotContain(other.Findings, f => f.Code == FindingCodes.ImageNearDuplicate);
        Assert.DoesNotContain(elsewhere.Findings, f => f.Code == FindingCodes.ImageNearDuplicate); // another dataset
        var finding = Assert.Single(copy.Findings, f => f.Code == FindingCodes.ImageNearDuplicate);
        Assert.Equal(Severity.Warning, finding.Severity);
        Assert.Equal("b1/astronaut.png", finding.Subject);
        Assert.InRange(finding.Value!.Value, 0.0, 10.0);
        Assert.Equal(10.0, finding.Threshold);
        Assert.Equal(IngestStatus.Accepted, copy.Status);
        Assert.Null(copy.DuplicateOf); // near, not exact: both stay staged
        Assert.Equal(3, (await storage.ListAsync(storage.Staging)).Count);

        // The stored row carries it too.
        var stored = (await storage.Catalog.GetAsync("b2/astronaut-small.jpg", Timeout))!.Value;
        Assert.Contains(stored.Findings, f => f.Code == FindingCodes.ImageNearDuplicate && f.Subject == "b1/astronaut.png");
    }

    [Fact]
    public async Task A_crash_after_staging_is_retried_without_losing_or_inverting_the_finding()
    {
        await using var storage = azurite.CreateStorage();
        await storage.UploadAsync("b/first.png", SampleSet.Good("coffee.png"));
        await storage.UploadAsync("b/second.jpg", TestFiles.Edited("coffee.png", 0.5, 80));
        await storage.Ingest.IngestAsync("b/first.png", Timeout);
        await storage.Ingest.IngestAsync("b/second.jpg", Timeout);

        // Both catalog rows are lost as if each ingest had crashed before writing it; staging and the content
        // and pHash indexes remain. Judging both again, the first still names nobody and the second the first.
        var catalog = storage.Tables.GetTableClient(storage.Options.CatalogTable);
        foreach (var row in await storage.CatalogRowsAsync())
        {
            await catalog.DeleteEntityAsync(row.PartitionKey, row.RowKey);
        }

        var first = (await storage.Ingest.IngestAsync("b/first.png", Timeout)).Entry!;
        var second = (await storage.Ingest.IngestAsync("b/second.jpg", Timeout)).Entry!;

        Assert.DoesNotContain(first.Findings, f => f.Code == FindingCodes.ImageNearDuplicate);
        Assert.Equal("b/first.png", Assert.Single(second.Findings, f => f.Code == FindingCodes.ImageNearDuplicate).Subject);
        Assert.Equal(2, (await storage.ListAsync(storage.Staging)).Count);
    }

    [Fact]
    public async Task Near_duplicates_ingested_at_the_same_time_give_exactly_one_finding()
    {
        await using var storage = azurite.CreateStorage();
        for (var round = 0; round < 3; round++)
        {
            var names = new[] { $"r{round}/a.jpg", $"r{round}/b.jpg" };
            await storage.UploadAsync(names[0], TestFiles.Edited("chelsea.png", 0.9 - (0.2 * round), 90));
            await storage.UploadAsync(names[1], TestFiles.Edited("chelsea.png", 0.7 - (0.2 * round), 60));

            var entries = await Task.WhenAll(names.Select(n => storage.Ingest.IngestAsync(n, Timeout)));

            // Each round is near the earlier rounds too; within the round, exactly one of the pair names the other
            // or an earlier image, and the first ever ingested names nobody.
            var named = entries.Select(e => e.Entry!.Findings.SingleOrDefault(f => f.Code == FindingCodes.ImageNearDuplicate)?.Subject).ToList();
            if (round == 0)
            {
                Assert.Single(named, n => n is null);
                Assert.Single(named, n => n is not null && names.Contains(n));
            }
            else
            {
                Assert.All(named, Assert.NotNull);
            }
        }
    }
}
