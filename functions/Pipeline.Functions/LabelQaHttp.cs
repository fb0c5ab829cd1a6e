using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Pipeline.Core.Ingest;
using Pipeline.Workflows.Labels;

namespace Pipeline.Functions;

/// <summary><c>POST /api/batches/{batch}/label-qa</c>: starts the batch's label QA, or says one is already running.</summary>
public static class LabelQaHttp
{
    [Function(nameof(StartLabelQa))]
    public static async Task<IActionResult> StartLabelQa(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "batches/{batch}/label-qa")] HttpRequest request,
        string batch,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        if (batch.Length == 0 || BlobNames.Check(batch + "/x") is not null)
        {
            return new BadRequestObjectResult(new { error = "The batch name is not a safe blob path segment." });
        }

        var (id, started) = await LabelQaStarter.StartAsync(client, batch, cancellationToken);
        return started
            ? new AcceptedResult($"/api/batches/{Uri.EscapeDataString(batch)}/label-qa", new { instanceId = id, status = "started" })
            : new ConflictObjectResult(new { instanceId = id, status = "already running" });
    }
}
