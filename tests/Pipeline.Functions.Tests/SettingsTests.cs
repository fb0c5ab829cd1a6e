using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Pipeline.Core.Images;
using Pipeline.Storage;
using Pipeline.Testing;

namespace Pipeline.Functions.Tests;

public sealed class SettingsTests
{
    private static Dictionary<string, string?> SampleValues()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "local.settings.sample.json")));
        return doc.RootElement.GetProperty("Values").EnumerateObject().ToDictionary(p => p.Name, p => (string?)p.Value.GetString());
    }

    [Fact]
    public void The_blob_trigger_and_the_poison_handler_read_the_incoming_container_from_the_setting_the_app_binds()
    {
        var trigger = typeof(IngestFunctions).GetMethod(nameof(IngestFunctions.IngestBlob))!.GetParameters()
            .Select(p => p.GetCustomAttributes(typeof(Microsoft.Azure.Functions.Worker.BlobTriggerAttribute), false).OfType<Microsoft.Azure.Functions.Worker.BlobTriggerAttribute>().SingleOrDefault())
            .Single(a => a is not null)!;
        var match = System.Text.RegularExpressions.Regex.Match(trigger.BlobPath, @"\A%([^%]+)%/\{name\}\z");
        Assert.True(match.Success, trigger.BlobPath);
        var key = match.Groups[1].Value;

        // The host resolves %key% from the same configuration the app binds its options from.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = "uploads" }).Build();
        var bound = configuration.GetSection(PipelineStorageOptions.SectionName).Get<PipelineStorageOptions>()!;
        Assert.Equal("uploads", bound.IncomingContainer);
        Assert.Equal(new PipelineStorageOptions().IncomingContainer, SampleValues()[key.Replace(":", "__", StringComparison.Ordinal)]);
    }

    [Theory]
    [InlineData(typeof(ImageGuardOptions), "Pipeline__Images__")]
    [InlineData(typeof(PipelineStorageOptions), "Pipeline__Storage__")]
    [InlineData(typeof(Pipeline.Core.Ingest.IngestOptions), "Pipeline__Ingest__")]
    [InlineData(typeof(Pipeline.Core.Labels.LabelQaOptions), "Pipeline__Labels__")]
    [InlineData(typeof(Pipeline.Workflows.Ingest.ReconcileOptions), "Pipeline__Reconcile__")]
    [InlineData(typeof(Pipeline.Core.Datasets.PromotionOptions), "Pipeline__Promotion__")]
    [InlineData(typeof(Pipeline.Core.Health.HealthOptions), "Pipeline__Health__")]
    public void The_sample_settings_name_every_option_the_app_reads(Type options, string prefix)
    {
        var values = SampleValues();
        foreach (var property in options.GetProperties().Where(p => p.CanWrite))
        {
            // A section of named entries (per-dataset overrides) is shown by one example entry.
            var named = property.PropertyType.IsGenericType && property.PropertyType.GetGenericTypeDefinition() == typeof(Dictionary<,>);
            Assert.True(
                named ? values.Keys.Any(k => k.StartsWith($"{prefix}{property.Name}__", StringComparison.Ordinal)) : values.ContainsKey(prefix + property.Name),
                $"local.settings.sample.json lacks {prefix}{property.Name}");
        }
    }

    [Fact]
    public void The_sample_settings_hold_no_secret()
    {
        Assert.All(SampleValues().Values, v => Assert.DoesNotContain("AccountKey=", v ?? string.Empty, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void The_app_services_resolve_and_validate_from_the_sample_settings()
    {
        var values = SampleValues().ToDictionary(kv => kv.Key.Replace("__", ":", StringComparison.Ordinal), kv => kv.Value);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        using var services = new ServiceCollection().AddLogging().AddPipelineIngest(configuration).BuildServiceProvider();

        var function = ActivatorUtilities.CreateInstance<IngestFunctions>(services);

        Assert.NotNull(function);
        Assert.Equal(67108864, services.GetRequiredService<IOptions<ImageGuardOptions>>().Value.MaxBytes);
        Assert.Equal(TimeSpan.FromSeconds(20), services.GetRequiredService<IOptions<ImageGuardOptions>>().Value.DecodeTimeout);
    }

    [Fact]
    public void Invalid_options_are_refused_at_start()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["PipelineStorage"] = "UseDevelopmentStorage=true",
            ["Pipeline:Images:MaxAxis"] = "0",
            ["Pipeline:Storage:StagingContainer"] = "Not_A_Container",
            ["Pipeline:Health:Datasets:cats:CadenceHours"] = "-1",
        }).Build();
        using var services = new ServiceCollection().AddLogging().AddPipelineIngest(configuration).BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<ImageGuardOptions>>().Value);
        Assert.Contains("MaxAxis", error.Message, StringComparison.Ordinal);
        var health = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<Pipeline.Core.Health.HealthOptions>>().Value);
        Assert.Contains("Datasets:cats", health.Message, StringComparison.Ordinal);
        Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<PipelineStorageOptions>>().Value);
    }

    [Fact]
    public void Host_json_turns_on_OpenTelemetry_mode()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "functions", "Pipeline.Functions", "host.json")));
        Assert.Equal("OpenTelemetry", doc.RootElement.GetProperty("telemetryMode").GetString());
    }

    [Fact]
    public void An_identity_based_connection_needs_no_secret()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["PipelineStorage:blobServiceUri"] = "https://acct.blob.core.windows.net",
            ["PipelineStorage:tableServiceUri"] = "https://acct.table.core.windows.net",
            ["PipelineStorage:credential"] = "managedidentity",
            ["PipelineStorage:clientId"] = "00000000-0000-0000-0000-000000000001",
        }).Build();

        var connection = StorageConnection.FromConfiguration(configuration);

        Assert.Null(connection.ConnectionString);
        Assert.Equal(new Uri("https://acct.blob.core.windows.net"), connection.BlobServiceUri);
        Assert.IsType<Azure.Identity.ManagedIdentityCredential>(connection.Credential);
        Assert.Throws<InvalidOperationException>(() => StorageConnection.FromConfiguration(new ConfigurationBuilder().Build()));
    }
}
