using Azure.Core;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Pipeline.Core.Telemetry;

namespace Pipeline.Storage;

/// <summary>The one place telemetry is set up, for every host (the function app adds its worker defaults on top).</summary>
public static class TelemetryServiceCollectionExtensions
{
    /// <summary>
    /// OpenTelemetry tracing and metrics for the pipeline's source and meter. Exporters: Azure Monitor only when
    /// <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set (authenticated with Entra: the identity named in
    /// <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c>, else DefaultAzureCredential); OTLP when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set; the console when <c>Pipeline:Telemetry:Console</c> is true.
    /// </summary>
    public static IOpenTelemetryBuilder AddPipelineTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var otel = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("cv-dataops-pipeline"))
            .WithTracing(tracing => tracing.AddSource(PipelineTelemetry.Name, "Microsoft.DurableTask"))
            .WithMetrics(metrics => metrics.AddMeter(PipelineTelemetry.Name));

        if (configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"] is { Length: > 0 } connectionString)
        {
            otel.UseAzureMonitorExporter(options =>
            {
                options.ConnectionString = connectionString;
                options.Credential = AppInsightsCredential(configuration["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]);
            });
        }

        if (configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] is { Length: > 0 })
        {
            otel.UseOtlpExporter();
        }

        if (configuration.GetValue<bool>("Pipeline:Telemetry:Console"))
        {
            otel.WithTracing(tracing => tracing.AddConsoleExporter()).WithMetrics(metrics => metrics.AddConsoleExporter());
        }

        return otel;
    }

    /// <summary>Reads <c>ClientId=…;Authorization=AAD</c>: the user-assigned identity telemetry is sent as.</summary>
    internal static TokenCredential AppInsightsCredential(string? authentication)
    {
        var clientId = authentication?.Split(';', StringSplitOptions.TrimEntries)
            .Select(part => part.Split('=', 2))
            .FirstOrDefault(pair => pair.Length == 2 && pair[0].Equals("ClientId", StringComparison.OrdinalIgnoreCase))?[1];
        return clientId is { Length: > 0 }
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new DefaultAzureCredential();
    }
}
