using Pipeline.Core.Gates;

namespace Pipeline.Cli;

/// <summary>A gate file given on the command line, read and checked before anything is sent (validate, run).</summary>
internal static class GateFiles
{
    /// <summary>The file's bytes and gate, or null after every problem was written to <paramref name="error"/> (exit 2).</summary>
    public static async Task<(byte[] Bytes, QualityGate Gate)?> ReadAsync(string path, TextWriter error, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            await error.WriteLineAsync($"No such gate file: {path}");
            return null;
        }

        var bytes = await File.ReadAllBytesAsync(path, cancellationToken);
        var parsed = QualityGate.Parse(bytes);
        if (parsed.Gate is null)
        {
            await error.WriteLineAsync(Describe(path, parsed.Problems));
            return null;
        }

        return (bytes, parsed.Gate);
    }

    /// <summary>Every problem of an invalid gate file, one per line (docs/gates.md has the format).</summary>
    public static string Describe(string path, IReadOnlyList<string> problems) =>
        $"The gate file {path} is invalid ({problems.Count} problem{(problems.Count == 1 ? string.Empty : "s")}; see docs/gates.md):"
        + string.Concat(problems.Select(p => Environment.NewLine + "  " + p));
}
