namespace Pipeline.Infra.Tests;

/// <summary>The templates compile, lint clean, use local modules only, and still expand to the committed snapshots.</summary>
public sealed class TemplateTests
{
    public static TheoryData<string> Templates() => new(
        new[] { "main.bicep" }.Concat(Directory.GetFiles(Path.Combine(BicepCli.Infra, "modules"), "*.bicep").Select(f => "modules/" + Path.GetFileName(f))));

    [Theory]
    [MemberData(nameof(Templates))]
    public async Task Every_template_builds_without_a_warning(string template)
    {
        var (exit, output, error) = await BicepCli.RunAsync("build", template, "--stdout");

        Assert.True(exit == 0, error);
        // Compiler warnings (BCP...) exit 0 and cannot be raised to errors: the text is the only signal.
        Assert.DoesNotContain("Warning", error, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Error", error, StringComparison.OrdinalIgnoreCase);
        Assert.StartsWith("{", output.TrimStart(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Templates))]
    public async Task Every_template_passes_the_linter_with_every_rule_an_error(string template)
    {
        var (exit, output, error) = await BicepCli.RunAsync("lint", template);
        Assert.True(exit == 0, output + error);
        Assert.Equal(string.Empty, (output + error).Trim());
    }

    [Fact]
    public void No_template_uses_a_registry_module()
    {
        foreach (var file in Directory.GetFiles(BicepCli.Infra, "*.bicep*", SearchOption.AllDirectories))
        {
            var text = File.ReadAllText(file);
            Assert.DoesNotContain("br/public:", text, StringComparison.Ordinal);
            Assert.DoesNotContain("'br:", text, StringComparison.Ordinal);
            Assert.DoesNotContain("'ts:", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_azd_parameter_file_maps_every_parameter_of_main_and_names_no_other()
    {
        var declared = System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(Path.Combine(BicepCli.Infra, "main.bicep")), @"^param (\w+)", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal).ToList();
        var mapped = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(BicepCli.Infra, "main.parameters.json")))!["parameters"]!.AsObject()
            .Select(p => p.Key).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(declared, mapped);
    }

    [Theory]
    [InlineData("default")]
    [InlineData("private")]
    public async Task The_expanded_resources_equal_the_committed_snapshot(string parameters)
    {
        var (exit, output, error) = await BicepCli.RunAsync(
            "snapshot", $"tests/{parameters}.bicepparam", "--mode", "validate",
            "--subscription-id", "00000000-0000-0000-0000-00000000abcd", "--tenant-id", "00000000-0000-0000-0000-0000000000aa");
        Assert.True(exit == 0, "The templates no longer expand to infra/tests/" + parameters + ".snapshot.json; if the change is intended, run scripts/infra-snapshots.sh and commit the new snapshot.\n" + output + error);
    }

    /// <summary>The incoming container, as main.bicep deploys it.</summary>
    public const string IncomingContainer = "incoming";

    [Theory]
    [InlineData("default")]
    [InlineData("private")]
    public void The_incoming_container_the_account_has_is_the_one_the_app_setting_names(string parameters)
    {
        var snapshot = Snapshot.Load(parameters);
        var settings = snapshot.OfType("Microsoft.Web/sites/config").Single(r => Snapshot.Name(r).EndsWith("/appsettings", StringComparison.Ordinal));

        // The blob trigger's path is %Pipeline:Storage:IncomingContainer%/{name}: this setting is what it watches.
        Assert.Equal(IncomingContainer, (string)Snapshot.At(settings, "properties.Pipeline__Storage__IncomingContainer")!);
        Assert.Single(snapshot.OfType("Microsoft.Storage/storageAccounts/blobServices/containers"), r => Snapshot.Name(r).EndsWith("/default/" + IncomingContainer, StringComparison.Ordinal));
    }
}
