using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Pipeline.Storage;

/// <summary>
/// Deterministic, legal table keys. Partition and row keys may not hold '/', '\', '#', '?' or control
/// characters and are limited to 1 KiB, while blob names may hold all of these and run to 1,024 characters.
/// </summary>
public static class TableKeys
{
    private const int MaxReadableLength = 200;

    /// <summary>A readable key for a short, mostly plain string (a batch name); long ones become a hash.</summary>
    public static string Readable(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (c is '/' or '\\' or '#' or '?' or '%' || char.IsControl(c))
            {
                builder.Append('%').Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.Length <= MaxReadableLength ? builder.ToString() : "~" + Hash(value);
    }

    /// <summary>A fixed-length key for any string (a blob name).</summary>
    public static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    /// <summary>The catalog key of an incoming blob: its batch, and a hash of its whole name.</summary>
    public static (string PartitionKey, string RowKey) ForBlob(string name) =>
        (Readable(Pipeline.Core.Ingest.BlobNames.BatchOf(name)), Hash(name));

    /// <summary>The decoded-pixels key, in the content table's own 256 partitions (prefixed apart from the byte hashes).</summary>
    public static (string PartitionKey, string RowKey) ForPixels(string pixelHash) => ("px" + pixelHash[..2], pixelHash);

    /// <summary>The content-index key: 256 partitions by the hash's first byte, so writes spread.</summary>
    public static (string PartitionKey, string RowKey) ForContent(string sha256) => (sha256[..2], sha256);
}
