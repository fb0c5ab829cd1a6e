using Pipeline.Core.Reviews;

namespace Pipeline.Workflows.Promotion;

/// <summary>
/// The review routes (docs/api.md): a reviewer's decisions on a dataset's findings, <c>waived</c> (not an error,
/// until a date) or <c>fixed</c> (the next upload corrects it). Host-agnostic, as <see cref="DatasetApi"/>.
/// </summary>
public sealed class ReviewApi(IReviewStore reviews, TimeProvider time)
{
    /// <summary>GET datasets/{dataset}/reviews: every decision, each with its state now (<c>active</c>, <c>expired</c> or <c>fixed</c>).</summary>
    public async Task<ApiResult> ListAsync(string dataset, CancellationToken cancellationToken)
    {
        if (DatasetApi.DatasetProblem(dataset) is { } problem)
        {
            return problem;
        }

        var now = time.GetUtcNow();
        var decisions = await reviews.ListAsync(dataset, cancellationToken);
        return new ApiResult(200, new { dataset, reviews = decisions.Select(d => Shown(d, now)) });
    }

    /// <summary>PUT datasets/{dataset}/reviews: records a decision (replacing one on the same target).</summary>
    public async Task<ApiResult> PutAsync(string dataset, ReviewRequest? body, CancellationToken cancellationToken)
    {
        if (DatasetApi.DatasetProblem(dataset) is { } problem)
        {
            return problem;
        }

        if (body is null)
        {
            return ApiResult.BadRequest("A decision is required: {\"code\", \"scope\", \"subject\", \"decision\", \"reason\", \"until\", \"by\"}.");
        }

        var now = time.GetUtcNow();
        var (decision, problems) = ReviewRules.Validate(dataset, body, now);
        if (decision is null)
        {
            return ApiResult.BadRequest(string.Join(" ", problems));
        }

        await reviews.PutAsync(decision, cancellationToken);
        return new ApiResult(200, Shown(decision, now));
    }

    /// <summary>DELETE datasets/{dataset}/reviews/{id}: withdraws a decision (an unwaived finding counts again at the next gate).</summary>
    public async Task<ApiResult> DeleteAsync(string dataset, string id, CancellationToken cancellationToken)
    {
        if (DatasetApi.DatasetProblem(dataset) is { } problem)
        {
            return problem;
        }

        if (!ReviewRules.IsId(id))
        {
            return ApiResult.BadRequest($"'{id}' is not a review id (16 lowercase hex digits, as the list shows it).");
        }

        return await reviews.DeleteAsync(dataset, id, cancellationToken)
            ? new ApiResult(200, new { dataset, id, deleted = true })
            : ApiResult.NotFound($"'{dataset}' has no review {id}.");
    }

    private static object Shown(ReviewDecision d, DateTimeOffset now) => new
    {
        d.Id,
        d.Code,
        d.Scope,
        d.Subject,
        d.Decision,
        d.Reason,
        d.By,
        d.At,
        d.Until,
        State = d.Decision == ReviewDecisions.Fixed ? "fixed" : d.WaivesAt(now) ? "active" : "expired",
    };
}
