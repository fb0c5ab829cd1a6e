namespace Pipeline.Testing;

/// <summary>Edits of 64-bit perceptual hashes for near-duplicate tests.</summary>
public static class HashEdits
{
    /// <summary><paramref name="hash"/> with <paramref name="bits"/> distinct random bits flipped.</summary>
    public static ulong Flip(ulong hash, Random random, int bits)
    {
        foreach (var bit in Enumerable.Range(0, 64).OrderBy(_ => random.Next()).Take(bits))
        {
            hash ^= 1UL << bit;
        }

        return hash;
    }
}
