using System.Text.Json;
using Azure.Storage.Blobs;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Pipeline.Core.Ingest;
using Pipeline.Workflows.Ingest;

namespace Pipeline.Functions;

/// <summary>Thin adapters from Azure Functions triggers to <see cref="IngestService"/>.</summary>
public sealed class IngestFunctions(IngestService ingest)
{
    /// <summary>The queue the Functions host moves a blob trigger's message to after its last retry.</summary>
    public const string PoisonQueue = "webjobs-blobtrigger-poison";

    /// <summary>
    /// One upload to <c>incoming</c>, delivered by Event Grid (the only blob trigger Flex Consumption supports).
    /// A malformed file is a verdict, not an exception; storage faults throw so the platform retries. A batch's
    /// seal marker (<c>{batch}/_SEALED</c>) starts the batch's label QA instead.
    /// </summary>
    [Function(nameof(IngestBlob))]
    public async Task IngestBlob(
        [BlobTrigger("incoming/{name}", Source = BlobTriggerSource.EventGrid, Connection = "PipelineStorage")] BlobClient blob,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        await BlobCreated.HandleAsync(ingest, client, blob.Name, cancellationToken);
    }

    /// <summary>A blob whose ingest failed on every retry: its catalog row says so.</summary>
    [Function(nameof(IngestPoison))]
    public async Task IngestPoison(
        [QueueTrigger(PoisonQueue, Connection = "PipelineStorage")] string message,
        CancellationToken cancellationToken)
    {
        var poison = JsonSerializer.Deserialize<PoisonMessage>(message);
        if (poison is { ContainerName: "incoming", BlobName: { Length: > 0 } name })
        {
            await ingest.RecordPoisonAsync(name, $"the blob trigger's retries were exhausted (function {poison.FunctionId}, ETag {poison.ETag})", cancellationToken);
        }
    }

    /// <summary>The message the Functions host writes to <see cref="PoisonQueue"/>.</summary>
    public sealed record PoisonMessage(string? FunctionId, string? BlobType, string? ContainerName, string? BlobName, string? ETag);
}
