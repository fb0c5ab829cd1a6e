using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Pipeline.Core.Reviews;

/// <summary>What a reviewer decided about a finding.</summary>
public static class ReviewDecisions
{
    /// <summary>Not an error: the gate does not count it until the waiver expires.</summary>
    public const string Waived = "waived";

    /// <summary>An error that the next upload corrects: recorded and shown, still counted until the finding is gone.</summary>
    public const string Fixed = "fixed";
}

/// <summary>What a decision covers.</summary>
public static class ReviewScopes
{
    /// <summary>One image, named by its file name in the dataset (as reports show it) or its SHA-256.</summary>
    public const string Image = "image";

    /// <summary>One batch: its images' findings and its label QA findings.</summary>
    public const string Batch = "batch";

    /// <summary>The whole dataset (e.g. <c>image.dark</c> for a night-time dataset).</summary>
    public const string Dataset = "dataset";
}

/// <summary>A reviewer's decision as asked for (the body of <c>PUT datasets/{dataset}/reviews</c>).</summary>
/// <param name="Code">The finding code, or a family (<c>label.*</c>); a label issue is <c>model.{kind}</c>.</param>
/// <param name="Scope"><c>image</c> (default), <c>batch</c> or <c>dataset</c>.</param>
/// <param name="Subject">The image (file name or SHA-256) or the batch; none for the dataset.</param>
/// <param name="Decision"><c>waived</c> or <c>fixed</c>.</param>
/// <param name="Reason">Why, in a sentence (required).</param>
/// <param name="Until">When a waiver ends (required for a waiver, at most a year ahead; none for a fix).</param>
/// <param name="By">Who decided.</param>
public sealed record ReviewRequest(string? Code, string? Scope, string? Subject, string? Decision, string? Reason, DateTimeOffset? Until, string? By);

/// <summary>A decision on record: one row per dataset and target (code, scope, subject); deciding again replaces it.</summary>
/// <param name="Dataset">The dataset.</param>
/// <param name="Id">The target's id (<see cref="ReviewRules.IdOf"/>): the same target, the same id.</param>
/// <param name="Code">The finding code or family.</param>
/// <param name="Scope">What it covers.</param>
/// <param name="Subject">The image or batch (empty for the dataset).</param>
/// <param name="Decision"><c>waived</c> or <c>fixed</c>.</param>
/// <param name="Reason">Why.</param>
/// <param name="By">Who decided.</param>
/// <param name="At">When.</param>
/// <param name="Until">When a waiver ends.</param>
public sealed record ReviewDecision(string Dataset, string Id, string Code, string Scope, string Subject, string Decision, string Reason, string By, DateTimeOffset At, DateTimeOffset? Until)
{
    /// <summary>Whether this is a waiver in force at <paramref name="now"/>.</summary>
    public bool WaivesAt(DateTimeOffset now) => Decision == ReviewDecisions.Waived && Until > now;
}

/// <summary>The rules a decision must keep, applied by the API and the CLI before any request.</summary>
public static partial class ReviewRules
{
    /// <summary>The longest a waiver may run: a waiver without an end is a check switched off.</summary>
    public static readonly TimeSpan LongestWaiver = TimeSpan.FromDays(366);

    /// <summary>The id of a target: the first 16 hex digits of SHA-256 of code, scope and subject.</summary>
    public static string IdOf(string code, string scope, string subject) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{code}\n{scope}\n{subject}")))[..16];

    /// <summary>Whether <paramref name="id"/> has the shape of a decision id.</summary>
    public static bool IsId(string? id) => id is not null && IdPattern().IsMatch(id);

    /// <summary>The decision <paramref name="request"/> asks for, or every problem with it.</summary>
    public static (ReviewDecision? Decision, IReadOnlyList<string> Problems) Validate(string dataset, ReviewRequest request, DateTimeOffset now)
    {
        var problems = new List<string>();
        var code = request.Code?.Trim() ?? string.Empty;
        if (!Findings.CodePatterns.IsValid(code))
        {
            problems.Add($"code '{request.Code}' is not a finding code (e.g. image.blurry, label.out_of_bounds, model.missing) or a family (label.*).");
        }

        var scope = request.Scope ?? ReviewScopes.Image;
        var subject = request.Subject?.Trim() ?? string.Empty;
        switch (scope)
        {
            case ReviewScopes.Dataset when subject.Length > 0:
                problems.Add("subject must be empty for scope 'dataset'.");
                break;
            case ReviewScopes.Image or ReviewScopes.Batch when subject.Length is 0 or > 512 || subject.Any(char.IsControl):
                problems.Add($"subject is required for scope '{scope}': the {scope}'s name (1 to 512 characters, no control characters).");
                break;
            case ReviewScopes.Batch when Ingest.BlobNames.BatchProblem(subject) is { } bad:
                problems.Add($"subject: {bad}");
                break;
            case not (ReviewScopes.Image or ReviewScopes.Batch or ReviewScopes.Dataset):
                problems.Add($"scope '{scope}' is not one of image, batch, dataset.");
                break;
        }

        if (request.Decision is not (ReviewDecisions.Waived or ReviewDecisions.Fixed))
        {
            problems.Add($"decision '{request.Decision}' is not one of waived, fixed.");
        }

        if (string.IsNullOrWhiteSpace(request.Reason) || request.Reason.Length > 2000)
        {
            problems.Add("reason is required: why, in 1 to 2,000 characters.");
        }

        if (request.Decision == ReviewDecisions.Waived && (request.Until is not { } until || until <= now || until - now > LongestWaiver))
        {
            problems.Add($"until is required for a waiver: a time after now and at most {LongestWaiver.TotalDays:0} days ahead (ISO 8601, e.g. {now.AddDays(90):yyyy-MM-dd}T00:00:00Z).");
        }

        if (request.Decision == ReviewDecisions.Fixed && request.Until is not null)
        {
            problems.Add("until is for waivers; a fix has none.");
        }

        var by = request.By?.Trim() ?? string.Empty;
        if (by.Length is 0 or > 128 || by.Any(char.IsControl))
        {
            problems.Add("by is required: who decides, 1 to 128 characters.");
        }

        return problems.Count > 0
            ? (null, problems)
            : (new ReviewDecision(dataset, IdOf(code, scope, subject), code, scope, subject, request.Decision!, request.Reason!.Trim(), by, now, request.Until?.ToUniversalTime()), []);
    }

    [GeneratedRegex(@"\A[0-9a-f]{16}\z")]
    private static partial Regex IdPattern();
}

/// <summary>The decisions of one dataset's reviewers, kept as rows.</summary>
public interface IReviewStore
{
    /// <summary>Every decision on record for <paramref name="dataset"/> (expired waivers too), by code, then scope and subject.</summary>
    Task<IReadOnlyList<ReviewDecision>> ListAsync(string dataset, CancellationToken cancellationToken);

    /// <summary>Records <paramref name="decision"/>, replacing an earlier one on the same target.</summary>
    Task PutAsync(ReviewDecision decision, CancellationToken cancellationToken);

    /// <summary>Deletes a decision; false when there was none with that id.</summary>
    Task<bool> DeleteAsync(string dataset, string id, CancellationToken cancellationToken);
}
