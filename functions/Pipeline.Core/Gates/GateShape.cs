using System.Text.Json;

namespace Pipeline.Core.Gates;

/// <summary>
/// The shape of a gate file (<c>schemas/gate.schema.json</c>), checked on the parsed JSON before it is read into a
/// <see cref="QualityGate"/>, so that every problem is reported at once and in the file's own terms: the property's
/// path and the kind of value expected (never a .NET type name, never only the first problem).
/// </summary>
public static class GateShape
{
    private enum Kind
    {
        Text,
        WholeNumber,
        Number,
        Severity,
    }

    private static readonly Dictionary<string, Kind> Splits = new(StringComparer.Ordinal)
    {
        ["train"] = Kind.Number, ["val"] = Kind.Number, ["test"] = Kind.Number,
    };

    private static readonly Dictionary<string, Kind> Approval = new(StringComparer.Ordinal)
    {
        ["required"] = Kind.Text, ["timeoutHours"] = Kind.Number, ["whenImagesChangeBy"] = Kind.Number,
    };

    private static readonly Dictionary<string, Kind> Expectation = new(StringComparer.Ordinal)
    {
        ["expect"] = Kind.Text, ["severity"] = Kind.Severity, ["mostly"] = Kind.Number, ["code"] = Kind.Text,
        ["findingSeverity"] = Kind.Severity, ["min"] = Kind.Number, ["max"] = Kind.Number, ["description"] = Kind.Text,
    };

    private static readonly Dictionary<string, Kind> Top = new(StringComparer.Ordinal)
    {
        ["$schema"] = Kind.Text, ["version"] = Kind.WholeNumber, ["description"] = Kind.Text,
    };

    /// <summary>Every way <paramref name="root"/> departs from the gate file's shape (empty when it has the shape).</summary>
    public static List<string> Problems(JsonElement root)
    {
        var problems = new List<string>();
        if (root.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"the file must be a JSON object, not {Describe(root)}");
            return problems;
        }

        foreach (var property in root.EnumerateObject())
        {
            switch (property.Name)
            {
                case "splits":
                    CheckObject(property.Value, "splits", Splits, problems);
                    break;
                case "approval":
                    CheckObject(property.Value, "approval", Approval, problems);
                    break;
                case "expectations":
                    CheckExpectations(property.Value, problems);
                    break;
                default:
                    CheckProperty(property, string.Empty, Top, problems);
                    break;
            }
        }

        foreach (var required in new[] { "version", "expectations" })
        {
            if (!root.TryGetProperty(required, out _))
            {
                problems.Add($"{required}: required");
            }
        }

        return problems;
    }

    private static void CheckExpectations(JsonElement value, List<string> problems)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            problems.Add($"expectations: expected a list of expectations, found {Describe(value)}");
            return;
        }

        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            var path = $"expectations[{i++}]";
            CheckObject(item, path, Expectation, problems);
            if (item.ValueKind == JsonValueKind.Object && !item.TryGetProperty("expect", out _))
            {
                problems.Add($"{path}.expect: required (one of {string.Join(", ", ExpectationKinds.All)})");
            }
        }
    }

    private static void CheckObject(JsonElement value, string path, Dictionary<string, Kind> properties, List<string> problems)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"{path}: expected an object, found {Describe(value)}");
            return;
        }

        foreach (var property in value.EnumerateObject())
        {
            CheckProperty(property, path + ".", properties, problems);
        }
    }

    private static void CheckProperty(JsonProperty property, string prefix, Dictionary<string, Kind> properties, List<string> problems)
    {
        var path = prefix + property.Name;
        if (!properties.TryGetValue(property.Name, out var kind))
        {
            problems.Add($"{path}: unknown property (known here: {string.Join(", ", properties.Keys)})");
            return;
        }

        var value = property.Value;
        var fits = kind switch
        {
            Kind.Text => value.ValueKind == JsonValueKind.String,
            Kind.WholeNumber => value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out _),
            Kind.Number => value.ValueKind == JsonValueKind.Number,
            Kind.Severity => value.ValueKind == JsonValueKind.String && value.GetString() is "error" or "warning" or "info",
            _ => false,
        };
        if (!fits)
        {
            var expected = kind switch
            {
                Kind.Text => "text",
                Kind.WholeNumber => "a whole number",
                Kind.Number => "a number",
                _ => "one of error, warning, info",
            };
            problems.Add($"{path}: expected {expected}, found {Describe(value)}");
        }
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"the text \"{Shorten(value.GetString()!)}\"",
        JsonValueKind.Number => $"the number {value.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => $"{value.GetRawText()}",
        JsonValueKind.Array => "a list",
        JsonValueKind.Object => "an object",
        _ => "null",
    };

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
