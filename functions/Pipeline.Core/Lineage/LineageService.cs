using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Core.Datasets;
using Pipeline.Core.Gates;

namespace Pipeline.Core.Lineage;

/// <summary>What a lineage step reports: the job's event and the datasets it touched.</summary>
/// <param name="Job">The stage (<see cref="LineageJobs"/>).</param>
/// <param name="EventType">START, COMPLETE or FAIL.</param>
/// <param name="InstanceId">The orchestration instance (or, for ingest, the blob and version judged).</param>
/// <param name="StartedAt">When the run started, or for ingest when the blob was uploaded (with the instance id, it makes the run id).</param>
/// <param name="EventTime">When the event happened.</param>
/// <param name="Inputs">Input dataset names.</param>
/// <param name="Outputs">Output dataset names.</param>
/// <param name="OutputVersion">The version id of the outputs, when they are a published version.</param>
/// <param name="GateResult">The gate result (a work file in <c>reports</c>) whose expectations are the inputs' assertions.</param>
/// <param name="Error">Why the run failed.</param>
public sealed record LineageEventInput(
    string Job, string EventType, string InstanceId, DateTimeOffset StartedAt, DateTimeOffset EventTime,
    IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs, string? OutputVersion = null, string? GateResult = null, string? Error = null);

/// <summary>Builds OpenLineage RunEvents from small inputs and appends them to the lineage store; counts the runs that end.</summary>
public sealed class LineageService(ILineageStore store, IPromotionBlobs blobs, Telemetry.PipelineTelemetry? telemetry = null)
{
    /// <summary>Writes one event; returns its run id.</summary>
    public async Task<string> EmitAsync(LineageEventInput input, CancellationToken cancellationToken) =>
        (await EmitAsync([input], cancellationToken))[0];

    /// <summary>
    /// Writes events of one job in one append (an ingest's START and COMPLETE: one storage call, not two), filed
    /// under the last event's time; returns their run ids.
    /// </summary>
    public async Task<IReadOnlyList<string>> EmitAsync(IReadOnlyList<LineageEventInput> inputs, CancellationToken cancellationToken)
    {
        var events = new List<JsonObject>();
        foreach (var input in inputs)
        {
            events.Add(await CreateAsync(input, cancellationToken));
        }

        await store.AppendAsync(inputs[^1].Job, inputs[^1].EventTime, events, cancellationToken);
        foreach (var input in inputs.Where(i => telemetry is not null && i.EventType != RunEventTypes.Start && i.Job != LineageJobs.Ingest))
        {
            // Orchestration runs that ended (ingest has its own instruments): outcome and duration, from the run's own events.
            var tags = new TagList { { "pipeline.job", input.Job }, { "pipeline.run.end", input.EventType } };
            telemetry!.Runs.Add(1, tags);
            telemetry.RunDuration.Record(Math.Max(0, (input.EventTime - input.StartedAt).TotalSeconds), tags);
        }

        return [.. inputs.Select(i => RunEvents.RunId(i.InstanceId, i.StartedAt).ToString())];
    }

    private async Task<JsonObject> CreateAsync(LineageEventInput input, CancellationToken cancellationToken)
    {
        GateResult? gate = null;
        if (input.GateResult is not null)
        {
            await using var stream = await blobs.OpenWorkAsync(input.GateResult, cancellationToken);
            if (stream is not null)
            {
                gate = await JsonSerializer.DeserializeAsync<GateResult>(stream, PipelineJson.Options, cancellationToken);
            }
        }

        return RunEvents.Create(
            input.EventType, input.EventTime, RunEvents.Namespace(store.Account), input.Job, RunEvents.RunId(input.InstanceId, input.StartedAt), input.InstanceId,
            [.. input.Inputs.Select(n => new LineageDataset(n, null, gate?.Expectations, gate?.Waived))],
            [.. input.Outputs.Select(n => new LineageDataset(n, input.OutputVersion))],
            input.Error);
    }

    /// <summary>The lineage dataset names of a promotion: its batches' staged images in, the dataset's production folder out.</summary>
    public static (IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs) PromotionDatasets(PromotionPlan plan) =>
        ([.. plan.Batches.Select(b => $"staging/{plan.Dataset}/{b}")], [$"production/{plan.Dataset}"]);
}
