using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.Options;
using Pipeline.Core.Lineage;

namespace Pipeline.Storage;

/// <summary>
/// <see cref="ILineageStore"/> over append blobs in the <c>lineage</c> container: one JSON line per event in
/// <c>{job}/{yyyy}/{MM}/{dd}/{HH}{mm}.jsonl</c> (UTC; a group of events goes in the blob of its last event). A minute per blob keeps each under the 50,000-append
/// limit at ten million ingests a day, and readers find a time range by name.
/// </summary>
public sealed class BlobLineageStore(BlobServiceClient blobs, IOptions<PipelineStorageOptions> options) : ILineageStore
{
    private readonly BlobContainerClient container = blobs.GetBlobContainerClient(options.Value.LineageContainer);
    private readonly ConcurrentDictionary<string, bool> created = new(StringComparer.Ordinal);

    public string Account => blobs.AccountName;

    /// <summary>The blob an event of <paramref name="job"/> at <paramref name="at"/> is appended to.</summary>
    public static string BlobName(string job, DateTimeOffset at) =>
        string.Create(CultureInfo.InvariantCulture, $"{job}/{at.UtcDateTime:yyyy/MM/dd/HHmm}.jsonl");

    public async Task AppendAsync(string job, DateTimeOffset eventTime, IReadOnlyList<JsonObject> runEvents, CancellationToken cancellationToken)
    {
        var name = BlobName(job, eventTime);
        var blob = container.GetAppendBlobClient(name);
        if (!created.ContainsKey(name))
        {
            await blob.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            created.TryAdd(name, true);
        }

        using var lines = new MemoryStream();
        foreach (var runEvent in runEvents)
        {
            JsonSerializer.Serialize(lines, runEvent);
            lines.WriteByte((byte)'\n');
        }

        lines.Position = 0;
        await blob.AppendBlockAsync(lines, cancellationToken: cancellationToken);
    }
}
