using System.Text.Json;
using Pipeline.Core;

namespace Pipeline.Workflows;

/// <summary>An orchestration instance's serialized custom status or output, read back as the pipeline wrote it.</summary>
internal static class InstanceJson
{
    public static T? Read<T>(string? json) => string.IsNullOrEmpty(json) ? default : JsonSerializer.Deserialize<T>(json, PipelineJson.Options);
}
