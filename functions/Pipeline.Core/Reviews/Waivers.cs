namespace Pipeline.Core.Reviews;

/// <summary>A waiver in force and how many findings it took out of a gate's count.</summary>
/// <param name="Id">The decision's id.</param>
/// <param name="Code">The code or family waived.</param>
/// <param name="Scope">What it covers.</param>
/// <param name="Subject">The image or batch (empty for the dataset).</param>
/// <param name="Reason">Why.</param>
/// <param name="By">Who decided.</param>
/// <param name="At">When.</param>
/// <param name="Until">When it ends.</param>
/// <param name="Findings">Findings it took out of this evaluation's count (images count once per code).</param>
public sealed record WaiverUse(string Id, string Code, string Scope, string Subject, string Reason, string By, DateTimeOffset At, DateTimeOffset Until, int Findings);

/// <summary>
/// The waivers of a dataset in force at one moment, and what they cover: a finding is waived when a waiver's code
/// is its code (or a family, <c>label.*</c>, that holds it) and its scope holds the finding's image (by file name
/// or SHA-256), batch, or is the dataset. Counts what each waiver took, for the gate result and lineage.
/// </summary>
public sealed class Waivers
{
    private readonly List<ReviewDecision> active;
    private readonly Dictionary<string, int> used = new(StringComparer.Ordinal);

    /// <summary>The waivers of <paramref name="decisions"/> in force at <paramref name="now"/> (expired ones and fixes left out).</summary>
    public Waivers(IEnumerable<ReviewDecision> decisions, DateTimeOffset now) =>
        active = [.. decisions.Where(d => d.WaivesAt(now)).OrderBy(d => d.Id, StringComparer.Ordinal)];

    /// <summary>No waivers.</summary>
    public static Waivers None { get; } = new([], DateTimeOffset.MinValue);

    /// <summary>Whether any waiver is in force.</summary>
    public bool Any => active.Count > 0;

    /// <summary>The waiver covering a finding with <paramref name="code"/> on an image (its file name and SHA-256, either may be null) of <paramref name="batch"/>, counted as used; null when none does.</summary>
    public ReviewDecision? Take(string code, string? fileName, string? sha256, string? batch, int findings = 1)
    {
        foreach (var waiver in active)
        {
            var codeMatches = Findings.CodePatterns.Matches(waiver.Code, code);
            var scopeMatches = waiver.Scope switch
            {
                ReviewScopes.Dataset => true,
                ReviewScopes.Batch => batch is not null && waiver.Subject == batch,
                _ => (fileName is not null && (waiver.Subject == fileName || waiver.Subject == Path.GetFileName(fileName))) || (sha256 is not null && waiver.Subject == sha256),
            };
            if (codeMatches && scopeMatches)
            {
                used[waiver.Id] = used.GetValueOrDefault(waiver.Id) + findings;
                return waiver;
            }
        }

        return null;
    }

    /// <summary>Every waiver in force, with the findings it took so far.</summary>
    public IReadOnlyList<WaiverUse> Uses() =>
        [.. active.Select(w => new WaiverUse(w.Id, w.Code, w.Scope, w.Subject, w.Reason, w.By, w.At, w.Until!.Value, used.GetValueOrDefault(w.Id)))];
}
