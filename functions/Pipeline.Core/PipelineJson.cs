using System.Text.Encodings.Web;
using System.Text.Json;

namespace Pipeline.Core;

/// <summary>The one JSON shape the pipeline writes: camelCase, enums as lowercase words.</summary>
public static class PipelineJson
{
    /// <summary>Options for records, reasons files and CLI output.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        // Names and messages are shown to people in their own script; nothing here is embedded in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
