using System.Text.Json.Serialization;

namespace Pipeline.Core.Findings;

/// <summary>How much a finding matters. Only <see cref="Error"/> rejects a file; the rest are recorded with it.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Severity>))]
public enum Severity
{
    /// <summary>Worth knowing; never blocks anything by itself.</summary>
    [JsonStringEnumMemberName("info")]
    Info,

    /// <summary>A quality concern; the dataset's gate decides what it means.</summary>
    [JsonStringEnumMemberName("warning")]
    Warning,

    /// <summary>Integrity, format, size or policy violation: the file is rejected.</summary>
    [JsonStringEnumMemberName("error")]
    Error,
}
