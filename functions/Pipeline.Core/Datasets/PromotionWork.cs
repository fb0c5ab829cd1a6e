using System.Text.Json;

namespace Pipeline.Core.Datasets;

/// <summary>
/// A promotion's work folder in <c>reports</c> (<c>promotions/{dataset}/v{n}/</c>): the names of its files and
/// their JSON reads and writes. Steps pass small records; everything bulky goes through here.
/// </summary>
public sealed class PromotionWork(IPromotionBlobs blobs)
{
    /// <summary>The work folder of version <paramref name="version"/> of a dataset's promotion.</summary>
    public static string Folder(string dataset, int version) => $"promotions/{dataset}/v{version}/";

    /// <summary>The gate result of a planned version.</summary>
    public static string GateResult(string folder) => folder + "gate-result.json";

    /// <summary>The plan's lines (<see cref="PlanLine"/>, one JSON object per line, in SHA-256 order).</summary>
    public static string PlanLines(string folder) => folder + "plan.jsonl";

    /// <summary>The plan itself (<see cref="PromotionPlan"/>).</summary>
    public static string Plan(string folder) => folder + "plan.json";

    /// <summary>Written when the promotion finished (its <see cref="PromotionResult"/>).</summary>
    public static string Done(string folder) => folder + "done.json";

    /// <summary>Chunk <paramref name="chunk"/> of images to copy.</summary>
    public static string Chunk(string folder, int chunk) => $"{folder}chunks/{chunk:D6}.json";

    /// <summary>What copying chunk <paramref name="chunk"/> published.</summary>
    public static string Copied(string folder, int chunk) => $"{folder}copied/{chunk:D6}.json";

    /// <summary>The near-duplicate pairs the next version must watch (<see cref="NearPairWatch.Carried"/>).</summary>
    public static string NearPairs(string folder) => folder + "near-pairs.json";

    /// <summary>Every row the plan read, per batch: name → <see cref="RowState"/>.</summary>
    public static string BatchRows(string folder) => folder + "batch-rows.json";

    /// <summary>What a catalog row looked like to the plan: its verdict and content.</summary>
    public static string RowState(Ingest.IngestStatus status, string sha256) => $"{status}:{sha256}";

    /// <summary>Writes a working file whole.</summary>
    public Task WriteJsonAsync<T>(string name, T value, CancellationToken cancellationToken) =>
        blobs.WriteWorkAsync(name, new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(value, PipelineJson.Options)), cancellationToken);

    /// <summary>A working file, or null when it does not exist.</summary>
    public async Task<T?> OpenJsonAsync<T>(string name, CancellationToken cancellationToken)
        where T : class
    {
        await using var stream = await blobs.OpenWorkAsync(name, cancellationToken);
        return stream is null ? null : await JsonSerializer.DeserializeAsync<T>(stream, PipelineJson.Options, cancellationToken);
    }

    /// <summary>A working file that must exist.</summary>
    public async Task<T> ReadJsonAsync<T>(string name, CancellationToken cancellationToken)
    {
        await using var stream = await blobs.OpenWorkAsync(name, cancellationToken) ?? throw new InvalidOperationException($"reports/{name} is missing.");
        return await JsonSerializer.DeserializeAsync<T>(stream, PipelineJson.Options, cancellationToken) ?? throw new InvalidDataException($"reports/{name} is empty.");
    }
}
