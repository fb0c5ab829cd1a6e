using System.Text.Json;
using Azure.Storage.Blobs;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using Pipeline.Core;
using Pipeline.Core.Ingest;
using Pipeline.Storage;
using Pipeline.Workflows.Ingest;

namespace Pipeline.Functions;

/// <summary>Thin adapters from Azure Functions triggers to <see cref="IngestService"/>.</summary>
public sealed class IngestFunctions(IngestService ingest, IExclusiveLease locks, IOptions<PipelineStorageOptions> storage)
{
    /// <summary>
    /// The trigger's path: the container is the <c>Pipeline:Storage:IncomingContainer</c> setting (an app-setting
    /// expression the host resolves), the same setting the app reads through <see cref="PipelineStorageOptions"/>.
    /// </summary>
    public const string IncomingPath = "%" + PipelineStorageOptions.SectionName + ":" + nameof(PipelineStorageOptions.IncomingContainer) + "%/{name}";

    /// <summary>The queue the Functions host moves a blob trigger's message to after its last retry.</summary>
    public const string PoisonQueue = "webjobs-blobtrigger-poison";

    /// <summary>
    /// One upload to <c>incoming</c>, delivered by Event Grid (the only blob trigger Flex Consumption supports).
    /// A malformed file is a verdict, not an exception; storage faults throw so the platform retries. A batch's
    /// seal marker (<c>{batch}/_SEALED</c>) starts the batch's label QA instead.
    /// </summary>
    [Function(nameof(IngestBlob))]
    public async Task IngestBlob(
        [BlobTrigger(IncomingPath, Source = BlobTriggerSource.EventGrid, Connection = "PipelineStorage")] BlobClient blob,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        await BlobCreated.HandleAsync(ingest, client, locks, blob.Name, cancellationToken);
    }

    /// <summary>A blob whose ingest failed on every retry: its catalog row says so.</summary>
    [Function(nameof(IngestPoison))]
    public async Task IngestPoison(
        [QueueTrigger(PoisonQueue, Connection = "PipelineStorage")] string message,
        CancellationToken cancellationToken)
    {
        var poison = JsonSerializer.Deserialize<PoisonMessage>(message);
        if (poison is { BlobName: { Length: > 0 } name } && poison.ContainerName == storage.Value.IncomingContainer)
        {
            await ingest.RecordPoisonAsync(name, $"the blob trigger's retries were exhausted (function {poison.FunctionId}, ETag {poison.ETag})", cancellationToken);
        }
    }

    /// <summary>The message the Functions host writes to <see cref="PoisonQueue"/>.</summary>
    public sealed record PoisonMessage(string? FunctionId, string? BlobType, string? ContainerName, string? BlobName, string? ETag);
}
