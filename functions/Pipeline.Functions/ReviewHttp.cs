using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Pipeline.Core.Reviews;
using Pipeline.Workflows.Promotion;

namespace Pipeline.Functions;

/// <summary>The review routes (docs/api.md): bind, call <see cref="ReviewApi"/>, translate its answer.</summary>
public sealed class ReviewHttp(ReviewApi api)
{
    [Function(nameof(ListReviews))]
    public async Task<IActionResult> ListReviews(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "datasets/{dataset}/reviews")] HttpRequest request, string dataset, CancellationToken cancellationToken) =>
        DatasetHttp.Translate(await api.ListAsync(dataset, cancellationToken));

    [Function(nameof(PutReview))]
    public async Task<IActionResult> PutReview(
        [HttpTrigger(AuthorizationLevel.Function, "put", Route = "datasets/{dataset}/reviews")] HttpRequest request, string dataset, CancellationToken cancellationToken)
    {
        var body = await DatasetHttp.ReadBodyAsync<ReviewRequest>(request, cancellationToken);
        return body.Problem ?? DatasetHttp.Translate(await api.PutAsync(dataset, body.Body, cancellationToken));
    }

    [Function(nameof(DeleteReview))]
    public async Task<IActionResult> DeleteReview(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = "datasets/{dataset}/reviews/{id}")] HttpRequest request, string dataset, string id, CancellationToken cancellationToken) =>
        DatasetHttp.Translate(await api.DeleteAsync(dataset, id, cancellationToken));
}
