using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Pipeline.Core;
using Pipeline.Workflows.Labels;

namespace Pipeline.Functions;

/// <summary><c>batches/{batch}/label-qa</c>: start a batch's label QA (or hear that one is running), and read its status.</summary>
public sealed class LabelQaHttp(IExclusiveLease locks)
{
    [Function(nameof(StartLabelQa))]
    public async Task<IActionResult> StartLabelQa(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "batches/{batch}/label-qa")] HttpRequest request,
        string batch,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) =>
        DatasetHttp.Translate(await BatchApi.StartLabelQaAsync(client, locks, batch, cancellationToken));

    [Function(nameof(GetLabelQa))]
    public static async Task<IActionResult> GetLabelQa(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "batches/{batch}/label-qa")] HttpRequest request,
        string batch,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) =>
        DatasetHttp.Translate(await BatchApi.GetLabelQaAsync(client, batch, cancellationToken));
}
