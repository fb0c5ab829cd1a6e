using System.Text.Json;
using System.Text.Json.Nodes;

namespace Pipeline.Infra.Tests;

/// <summary>
/// The resources `bicep snapshot` predicts for one parameter file (the committed golden file under
/// infra/tests/), with helpers to find them by type. Security rules are asserted on these.
/// </summary>
internal sealed class Snapshot
{
    private Snapshot(IReadOnlyList<JsonObject> resources) => Resources = resources;

    public IReadOnlyList<JsonObject> Resources { get; }

    public static Snapshot Load(string name)
    {
        var path = System.IO.Path.Combine(BicepCli.Infra, "tests", name + ".snapshot.json");
        var root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        return new Snapshot([.. root["predictedResources"]!.AsArray().Select(r => r!.AsObject())]);
    }

    public IEnumerable<JsonObject> OfType(string type) =>
        Resources.Where(r => string.Equals((string?)r["type"], type, StringComparison.OrdinalIgnoreCase));

    public JsonObject Single(string type) => Assert.Single(OfType(type));

    public static string Name(JsonObject resource) => (string)resource["name"]!;

    public static JsonNode? At(JsonNode? node, string path)
    {
        foreach (var part in path.Split('.'))
        {
            node = node?[part];
        }

        return node;
    }

    public static string Text(JsonObject resource) => resource.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
}
