using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Pipeline.Core.Gates;

namespace Pipeline.Core.Lineage;

/// <summary>The OpenLineage event types the pipeline emits.</summary>
public static class RunEventTypes
{
    /// <summary>The run began.</summary>
    public const string Start = "START";
    /// <summary>The run finished and published its outputs.</summary>
    public const string Complete = "COMPLETE";
    /// <summary>The run failed or was stopped; its outputs were not published.</summary>
    public const string Fail = "FAIL";
}

/// <summary>The jobs (stages) that emit lineage.</summary>
public static class LineageJobs
{
    /// <summary>Ingest of one uploaded file.</summary>
    public const string Ingest = "ingest";
    /// <summary>Label QA of one batch.</summary>
    public const string LabelQa = "label-qa";
    /// <summary>Promotion of a dataset to a new version.</summary>
    public const string Promote = "promote";
    /// <summary>Backfill of a dataset: its images re-checked under newer rules.</summary>
    public const string Backfill = "backfill";
}

/// <summary>A dataset as lineage names it: a storage path and, when it is a published version, its version.</summary>
/// <param name="Name">The path (<c>incoming/{batch}</c>, <c>staging/images</c>, <c>production/{dataset}</c>, ...).</param>
/// <param name="Version">The dataset version (a version id), when there is one.</param>
/// <param name="Assertions">Gate expectations checked on it (inputs only).</param>
/// <param name="Waivers">Reviewers' waivers in force when the gate was checked, with what each left out of the count (inputs only).</param>
public sealed record LineageDataset(string Name, string? Version = null, IReadOnlyList<ExpectationResult>? Assertions = null, IReadOnlyList<Reviews.WaiverUse>? Waivers = null);

/// <summary>
/// OpenLineage RunEvents (spec 2-0-2) built as JSON: job = stage, run id = a UUID derived from the run's
/// instance id and start time (the instance id itself, which is reused by the next run of the same
/// dataset, is kept in a run facet), inputs and outputs with the DatasetVersion and DataQualityAssertions
/// facets.
/// </summary>
public static class RunEvents
{
    /// <summary>The producer URI every event and facet carries.</summary>
    public const string Producer = "https://github.com/vision-dataops/pipeline";

    private const string SchemaUrl = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent";
    private const string VersionFacet = "https://openlineage.io/spec/facets/1-0-1/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet";
    private const string AssertionsFacet = "https://openlineage.io/spec/facets/1-0-1/DataQualityAssertionsDatasetFacet.json#/$defs/DataQualityAssertionsDatasetFacet";
    private const string ErrorFacet = "https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet";

    /// <summary>The namespace jobs and datasets are named in (the storage account, or "local").</summary>
    public static string Namespace(string account) => $"azblob://{account}";

    /// <summary>
    /// A UUID (version 8, name-based) for a run: the same instance id and start give the same run id, so a
    /// replayed or retried step writes the same event rather than a new run.
    /// </summary>
    public static Guid RunId(string instanceId, DateTimeOffset startedAt)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{instanceId}|{startedAt.UtcTicks}"), hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }

    /// <summary>One event, as a JSON object ready to write.</summary>
    public static JsonObject Create(
        string eventType, DateTimeOffset eventTime, string ns, string job, Guid runId, string instanceId,
        IReadOnlyList<LineageDataset> inputs, IReadOnlyList<LineageDataset> outputs, string? error = null)
    {
        var runFacets = new JsonObject
        {
            ["durable"] = Facet("https://github.com/vision-dataops/pipeline/blob/main/docs/lineage.md#durable", new JsonObject { ["instanceId"] = instanceId }),
        };
        if (error is not null)
        {
            runFacets["errorMessage"] = Facet(ErrorFacet, new JsonObject { ["message"] = error, ["programmingLanguage"] = "C#" });
        }

        return new JsonObject
        {
            ["eventType"] = eventType,
            ["eventTime"] = eventTime.UtcDateTime.ToString("O"),
            ["run"] = new JsonObject { ["runId"] = runId.ToString(), ["facets"] = runFacets },
            ["job"] = new JsonObject { ["namespace"] = ns, ["name"] = job, ["facets"] = new JsonObject() },
            ["inputs"] = new JsonArray([.. inputs.Select(d => Dataset(ns, d, input: true))]),
            ["outputs"] = new JsonArray([.. outputs.Select(d => Dataset(ns, d, input: false))]),
            ["producer"] = Producer,
            ["schemaURL"] = SchemaUrl,
        };
    }

    private static JsonObject Dataset(string ns, LineageDataset dataset, bool input)
    {
        var facets = new JsonObject();
        if (dataset.Version is not null)
        {
            facets["version"] = Facet(VersionFacet, new JsonObject { ["datasetVersion"] = dataset.Version });
        }

        var node = new JsonObject { ["namespace"] = ns, ["name"] = dataset.Name, ["facets"] = facets };
        if (input && dataset.Assertions is { Count: > 0 } assertions)
        {
            node["inputFacets"] = new JsonObject
            {
                ["dataQualityAssertions"] = Facet(AssertionsFacet, new JsonObject
                {
                    ["assertions"] = new JsonArray([.. assertions.Select(a => (JsonNode)new JsonObject
                    {
                        ["assertion"] = a.Expectation.Expect + (a.Expectation.Code is { } code ? $":{code}" : string.Empty),
                        ["success"] = a.Success,
                        ["severity"] = a.Expectation.Severity.ToString().ToLowerInvariant(),
                    })]),
                }),
            };
        }

        if (input && dataset.Waivers is { Count: > 0 } waivers)
        {
            var inputFacets = node["inputFacets"] as JsonObject ?? (JsonObject)(node["inputFacets"] = new JsonObject());
            inputFacets["waivers"] = Facet("https://github.com/vision-dataops/pipeline/blob/main/docs/lineage.md#waivers", new JsonObject
            {
                ["waivers"] = new JsonArray([.. waivers.Select(w => (JsonNode)new JsonObject
                {
                    ["id"] = w.Id,
                    ["code"] = w.Code,
                    ["scope"] = w.Scope,
                    ["subject"] = w.Subject,
                    ["reason"] = w.Reason,
                    ["by"] = w.By,
                    ["until"] = w.Until.UtcDateTime.ToString("O"),
                    ["findings"] = w.Findings,
                })]),
            });
        }

        return node;
    }

    private static JsonObject Facet(string schema, JsonObject body)
    {
        body["_producer"] = Producer;
        body["_schemaURL"] = schema;
        return body;
    }
}
