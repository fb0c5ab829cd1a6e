using System.Security.Cryptography;
using System.Text;
using Pipeline.Core.Findings;

namespace Pipeline.Core.Ingest;

/// <summary>Rules for the names files arrive under in <c>incoming</c>: which batch they belong to, and which are safe to carry elsewhere.</summary>
public static class BlobNames
{
    /// <summary>The longest blob name Azure Storage accepts.</summary>
    public const int MaxLength = 1024;

    /// <summary>The batch of a file uploaded to the container's root.</summary>
    public const string Unbatched = "unbatched";

    /// <summary>The name of the empty blob that seals a batch: <c>incoming/{batch}/_SEALED</c> starts its label QA.</summary>
    public const string SealMarker = "_SEALED";

    private const string ReasonsSuffix = ".reasons.json";

    /// <summary>Whether <paramref name="name"/> is a batch's seal marker (a signal, not a file to judge).</summary>
    public static bool IsSealMarker(string name) => name.Length > SealMarker.Length + 1 && name == BatchOf(name) + "/" + SealMarker;

    /// <summary>
    /// The batch every blob with an unsafe name (<see cref="Check"/>) is filed under, whatever its first segment says:
    /// <c>t1/../../x.jpg</c> is not a file of batch <c>t1</c> and must never count in it. The backslash keeps it apart
    /// from every real batch (a name with a backslash is itself unsafe, and <see cref="BatchProblem"/> refuses it).
    /// </summary>
    public const string UnsafeNames = "\\unsafe-names";

    /// <summary>The batch a blob belongs to: its first path segment, or <see cref="UnsafeNames"/> for a name <see cref="Check"/> refuses.</summary>
    public static string BatchOf(string name)
    {
        if (Check(name) is not null)
        {
            return UnsafeNames;
        }

        var slash = name.IndexOf('/', StringComparison.Ordinal);
        return slash <= 0 ? Unbatched : name[..slash];
    }

    /// <summary>Why <paramref name="batch"/> is not a batch name (one safe path segment), or null when it is.</summary>
    public static string? BatchProblem(string? batch) =>
        batch is null || batch.Length == 0 || batch.Length > 200 || batch.Contains('/', StringComparison.Ordinal) || Check(batch + "/x") is not null
            ? $"'{batch}' is not a batch name: one path segment of at most 200 characters, without control characters, backslashes, '.' or '..'."
            : null;

    /// <summary>The last path segment.</summary>
    public static string FileNameOf(string name) => name[(name.LastIndexOf('/') + 1)..];

    /// <summary>
    /// A finding when <paramref name="name"/> cannot be carried safely into another container or onto a disk:
    /// <c>.</c> or <c>..</c> segments, backslashes, empty segments, control characters, or over 1,024 characters.
    /// Spaces and any Unicode letters are fine.
    /// </summary>
    public static Finding? Check(string name)
    {
        string? problem = null;
        if (name.Length == 0)
        {
            problem = "The blob name is empty.";
        }
        else if (name.Length > MaxLength)
        {
            problem = $"The blob name is {name.Length} characters; the limit is {MaxLength}.";
        }
        else if (name.Any(c => char.IsControl(c)))
        {
            problem = "The blob name contains control characters.";
        }
        else if (name.Contains('\\', StringComparison.Ordinal))
        {
            problem = "The blob name contains a backslash, which some tools read as a path separator.";
        }
        else if (HasUnsafeSegment(name))
        {
            problem = "The blob name has an empty, '.' or '..' path segment, which could escape its folder when copied or downloaded.";
        }

        return problem is null ? null : Finding.Error(FindingCodes.BlobUnsafeName, problem + " The file was not read.", name.Length, MaxLength);
    }

    /// <summary>
    /// Where a rejected file goes in <c>quarantine</c>: its own name when that is safe and leaves room for the
    /// reasons file beside it; otherwise a short name made from its batch and a hash of its name.
    /// </summary>
    public static string QuarantineNameFor(string name)
    {
        if (Check(name) is null && name.Length + ReasonsSuffix.Length <= MaxLength)
        {
            return name;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..24];
        var batch = BatchOf(name) switch
        {
            UnsafeNames => "unsafe-names",
            var b when BatchProblem(b) is null => b,
            _ => Unbatched, // a safe name whose first segment is too long to be a folder here
        };
        var file = FileNameOf(name);
        var tail = Check(file) is null ? file[Math.Max(0, file.Length - 100)..] : "unsafe-name";
        return $"{batch}/{hash}-{tail}";
    }

    /// <summary>An empty, '.' or '..' segment, found without splitting (every catalog key asks, through <see cref="BatchOf"/>).</summary>
    private static bool HasUnsafeSegment(string name)
    {
        foreach (var range in name.AsSpan().Split('/'))
        {
            if (name.AsSpan()[range] is "" or "." or "..")
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The reasons file that sits beside a quarantined file.</summary>
    public static string ReasonsNameFor(string quarantineName) => quarantineName + ReasonsSuffix;
}
