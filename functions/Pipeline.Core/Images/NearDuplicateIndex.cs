using System.Collections.Concurrent;

namespace Pipeline.Core.Images;

/// <summary>One bucket of the multi-index: band <see cref="Band"/> (0–3) of a hash has the 16-bit <see cref="Value"/>.</summary>
public readonly record struct BandKey(int Band, ushort Value);

/// <summary>
/// Multi-index hashing (Norouzi, Punjani and Fleet, 2012) for 64-bit hashes: the hash is cut into four
/// 16-bit bands, each indexed on its own. Two hashes within Hamming distance r = 4s + a (0 ≤ a &lt; 4) agree
/// within s bits on one of the first a + 1 bands or within s − 1 bits on one of the others (otherwise the
/// bands alone would differ in at least (a + 1)(s + 1) + (3 − a)s = r + 1 bits), so probing those
/// neighbourhoods finds every neighbour. For r = 10 that is 3 × 137 + 17 = 428 buckets, whatever the
/// index holds; each bucket holds about N / 65,536 hashes.
/// </summary>
public static class MultiIndexHash
{
    /// <summary>Bands per hash.</summary>
    public const int Bands = 4;

    /// <summary>Bits per band.</summary>
    public const int BandBits = 64 / Bands;

    /// <summary>Band <paramref name="band"/> of <paramref name="hash"/> (band 0 holds the high bits).</summary>
    public static ushort BandOf(ulong hash, int band) => (ushort)(hash >> ((Bands - 1 - band) * BandBits));

    /// <summary>The four buckets a hash is filed under.</summary>
    public static BandKey[] Keys(ulong hash)
    {
        var keys = new BandKey[Bands];
        for (var band = 0; band < Bands; band++)
        {
            keys[band] = new BandKey(band, BandOf(hash, band));
        }

        return keys;
    }

    /// <summary>The probe radius of each band for a search radius (−1: the band need not be probed).</summary>
    public static int RadiusOf(int band, int radius) => (radius / Bands) - (band <= radius % Bands ? 0 : 1);

    /// <summary>Every bucket that can hold a hash within <paramref name="radius"/> bits of <paramref name="hash"/>.</summary>
    public static List<BandKey> Probes(ulong hash, int radius)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(radius);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(radius, 32);
        var probes = new List<BandKey>(ProbeCount(radius));
        for (var band = 0; band < Bands; band++)
        {
            var value = BandOf(hash, band);
            var bandRadius = RadiusOf(band, radius);
            if (bandRadius >= 0)
            {
                foreach (var mask in MasksWithin[bandRadius])
                {
                    probes.Add(new BandKey(band, (ushort)(value ^ mask)));
                }
            }
        }

        return probes;
    }

    /// <summary>How many buckets <see cref="Probes"/> returns for <paramref name="radius"/>.</summary>
    public static int ProbeCount(int radius) =>
        Enumerable.Range(0, Bands).Select(band => RadiusOf(band, radius)).Where(r => r >= 0).Sum(r => MasksWithin[r].Length);

    /// <summary>For each r from 0 to 8 (the largest band radius of a search radius up to 32), every 16-bit mask of at most r set bits.</summary>
    private static readonly ushort[][] MasksWithin = [.. Enumerable.Range(0, 9).Select(r =>
        Enumerable.Range(0, 1 << BandBits).Where(m => System.Numerics.BitOperations.PopCount((uint)m) <= r).Select(m => (ushort)m).ToArray())];
}

/// <summary>The first image filed under one perceptual hash in a dataset.</summary>
/// <param name="Sha256">Its SHA-256 (of the bytes).</param>
/// <param name="Name">Its name (the incoming blob, or the path in a folder).</param>
/// <param name="Order">When it was filed; smaller is earlier (ties are broken by <paramref name="Sha256"/>).</param>
public sealed record NearHashOwner(string Sha256, string Name, long Order);

/// <summary>An earlier image whose perceptual hash is within the distance.</summary>
public sealed record NearMatch(string Name, string Sha256, int Distance);

/// <summary>
/// Where the near-duplicate index lives: an owner per distinct hash, and buckets of distinct hashes per
/// <see cref="BandKey"/>. Every write is idempotent, so an ingest that is retried after a crash files the
/// same entries again without doubling them.
/// </summary>
public interface INearHashStore
{
    /// <summary>Files <paramref name="hash"/> for an image unless another image holds it; returns the holder (this image when first).</summary>
    Task<NearHashOwner> ClaimAsync(string dataset, ulong hash, string sha256, string name, CancellationToken cancellationToken);

    /// <summary>The holder of <paramref name="hash"/>, or null.</summary>
    Task<NearHashOwner?> GetOwnerAsync(string dataset, ulong hash, CancellationToken cancellationToken);

    /// <summary>Adds <paramref name="hash"/> to each bucket in <paramref name="keys"/> (a no-op where it is already there).</summary>
    Task AddAsync(string dataset, IReadOnlyList<BandKey> keys, ulong hash, CancellationToken cancellationToken);

    /// <summary>
    /// The hashes in the buckets <paramref name="probes"/> within <paramref name="maxDistance"/> bits of
    /// <paramref name="near"/> (filtered where they are read, so most candidates are never copied; a hash filed in
    /// two probed buckets may come twice).
    /// </summary>
    Task<IReadOnlyCollection<ulong>> ReadAsync(string dataset, IReadOnlyList<BandKey> probes, ulong near, int maxDistance, CancellationToken cancellationToken);
}

/// <summary>
/// Finds near duplicates as images arrive: files each image's pHash, then looks for the nearest hash filed
/// earlier within the distance. Filing before looking means two near duplicates ingested at the same time
/// still meet (the later look sees the earlier file), and comparing filing order means only the later one
/// is reported, and a retried ingest of the first never reports the second.
/// </summary>
public sealed class NearDuplicateIndex(INearHashStore store)
{
    /// <summary>How many of the nearest candidates are checked for being earlier before giving up.</summary>
    public const int MaxCandidates = 32;

    /// <summary>Files the image and returns the nearest earlier image within <paramref name="maxDistance"/> bits, or null.</summary>
    public async Task<NearMatch?> AddAndFindAsync(string dataset, ulong hash, string sha256, string name, int maxDistance, CancellationToken cancellationToken)
    {
        var self = await store.ClaimAsync(dataset, hash, sha256, name, cancellationToken);
        if (self.Sha256 != sha256)
        {
            return new NearMatch(self.Name, self.Sha256, 0); // the same hash, filed by an earlier image
        }

        await store.AddAsync(dataset, MultiIndexHash.Keys(hash), hash, cancellationToken);
        var candidates = (await store.ReadAsync(dataset, MultiIndexHash.Probes(hash, maxDistance), hash, maxDistance, cancellationToken))
            .Where(other => other != hash)
            .Distinct()
            .OrderBy(other => PerceptualHash.Distance(other, hash)).ThenBy(other => other)
            .Take(MaxCandidates)
            .ToList();
        if (candidates.Count == 0)
        {
            return null;
        }

        var owners = await Task.WhenAll(candidates.Select(other => store.GetOwnerAsync(dataset, other, cancellationToken)));
        for (var i = 0; i < candidates.Count; i++)
        {
            if (owners[i] is { } owner && IsEarlier(owner, self))
            {
                return new NearMatch(owner.Name, owner.Sha256, PerceptualHash.Distance(candidates[i], hash));
            }
        }

        return null;
    }

    private static bool IsEarlier(NearHashOwner a, NearHashOwner b) =>
        a.Order < b.Order || (a.Order == b.Order && string.CompareOrdinal(a.Sha256, b.Sha256) < 0);
}

/// <summary>
/// <see cref="INearHashStore"/> in memory: a folder checked by <c>pipeline validate</c>, and the benchmark's
/// baseline. Each dataset has four arrays of 65,536 buckets, so a probe is an array index. Filing order is the
/// order of the claims. Thread-safe (one lock per dataset).
/// </summary>
public sealed class InMemoryNearHashStore : INearHashStore
{
    private readonly ConcurrentDictionary<string, Dataset> datasets = new(StringComparer.Ordinal);
    private long order;

    /// <summary>Distinct hashes filed, over all datasets.</summary>
    public int Count => datasets.Values.Sum(d => d.Owners.Count);

    /// <inheritdoc/>
    public Task<NearHashOwner> ClaimAsync(string dataset, ulong hash, string sha256, string name, CancellationToken cancellationToken)
    {
        var d = Of(dataset);
        lock (d)
        {
            if (!d.Owners.TryGetValue(hash, out var owner))
            {
                d.Owners[hash] = owner = new NearHashOwner(sha256, name, Interlocked.Increment(ref order));
            }

            return Task.FromResult(owner);
        }
    }

    /// <inheritdoc/>
    public Task<NearHashOwner?> GetOwnerAsync(string dataset, ulong hash, CancellationToken cancellationToken)
    {
        var d = Of(dataset);
        lock (d)
        {
            return Task.FromResult(d.Owners.GetValueOrDefault(hash));
        }
    }

    /// <inheritdoc/>
    public Task AddAsync(string dataset, IReadOnlyList<BandKey> keys, ulong hash, CancellationToken cancellationToken)
    {
        var d = Of(dataset);
        lock (d)
        {
            foreach (var key in keys)
            {
                var bucket = d.Buckets[key.Band][key.Value] ??= [];
                if (!bucket.Contains(hash))
                {
                    bucket.Add(hash);
                }
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task<IReadOnlyCollection<ulong>> ReadAsync(string dataset, IReadOnlyList<BandKey> probes, ulong near, int maxDistance, CancellationToken cancellationToken)
    {
        var d = Of(dataset);
        var found = new List<ulong>();
        lock (d)
        {
            foreach (var probe in probes)
            {
                if (d.Buckets[probe.Band][probe.Value] is { } bucket)
                {
                    foreach (var hash in System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bucket))
                    {
                        if (PerceptualHash.Distance(hash, near) <= maxDistance)
                        {
                            found.Add(hash);
                        }
                    }
                }
            }
        }

        return Task.FromResult<IReadOnlyCollection<ulong>>(found);
    }

    private Dataset Of(string dataset) => datasets.GetOrAdd(dataset, _ => new Dataset());

    private sealed class Dataset
    {
        public Dictionary<ulong, NearHashOwner> Owners { get; } = [];

        public List<ulong>?[][] Buckets { get; } = [.. Enumerable.Range(0, MultiIndexHash.Bands).Select(_ => new List<ulong>?[1 << MultiIndexHash.BandBits])];
    }
}

/// <summary>Helpers shared by the pHash index's users.</summary>
public static class NearDuplicates
{
    /// <summary>Parses the 16 hex digits stored in <see cref="ImageQuality.PerceptualHash"/>.</summary>
    public static ulong ParseHash(string hex) => ulong.Parse(hex, System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture);
}
