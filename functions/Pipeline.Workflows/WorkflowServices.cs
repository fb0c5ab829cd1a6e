using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Storage;
using Pipeline.Workflows.Ingest;
using Pipeline.Workflows.Labels;
using Pipeline.Workflows.Maintenance;
using Pipeline.Workflows.Promotion;

namespace Pipeline.Workflows;

/// <summary>The services both hosts (the function app and the local runner) run the workflows with, registered in one place.</summary>
public static class WorkflowServices
{
    /// <summary>
    /// Adds the storage-backed core services (<see cref="StorageServiceCollectionExtensions.AddPipelineIngest"/>), the
    /// activities every <see cref="WorkflowRegistry"/> task resolves, the HTTP APIs, the schedulers and their options.
    /// </summary>
    public static IServiceCollection AddPipelineWorkflows(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddPipelineIngest(configuration);
        services.AddSingleton<ReconcileActivities>();
        services.AddSingleton<LabelQaActivities>();
        services.AddSingleton<PromotionActivities>();
        services.AddSingleton<MaintenanceActivities>();
        services.AddSingleton<DatasetApi>();
        services.AddSingleton<ReviewApi>();
        services.AddSingleton<CatalogApi>();
        services.AddSingleton<MaintenanceApi>();
        services.AddSingleton<ReconcileScheduler>();
        services.AddSingleton<HealthScheduler>();
        services.AddOptions<ReconcileOptions>().Bind(configuration.GetSection(ReconcileOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        return services;
    }
}
