using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Pipeline.Core.Images;
using Pipeline.Core.Ingest;
using Pipeline.Core.Telemetry;

namespace Pipeline.Storage;

/// <summary>Registers the ingest, label QA and promotion services and their storage in one call, for every host.</summary>
public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="IngestService"/> with <see cref="ImageGuard"/>, the blob store and the catalog, the storage
    /// clients (singletons built once from the <c>PipelineStorage</c> connection) and validated options.
    /// </summary>
    public static IServiceCollection AddPipelineIngest(this IServiceCollection services, IConfiguration configuration, StorageConnection? connection = null)
    {
        services.AddOptions<ImageGuardOptions>().Bind(configuration.GetSection(ImageGuardOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<IngestOptions>().Bind(configuration.GetSection(IngestOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<Pipeline.Core.Labels.LabelQaOptions>().Bind(configuration.GetSection(Pipeline.Core.Labels.LabelQaOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<Pipeline.Core.Datasets.PromotionOptions>().Bind(configuration.GetSection(Pipeline.Core.Datasets.PromotionOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<Pipeline.Core.Health.HealthOptions>().Bind(configuration.GetSection(Pipeline.Core.Health.HealthOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PipelineStorageOptions>().Bind(configuration.GetSection(PipelineStorageOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();

        connection ??= StorageConnection.FromConfiguration(configuration);
        services.AddAzureClients(clients =>
        {
            clients.AddClient<BlobServiceClient, BlobClientOptions>(options => connection.CreateBlobServiceClient(options));
            clients.AddClient<TableServiceClient, TableClientOptions>(options => connection.CreateTableServiceClient(options));
        });

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ImageGuard>();
        services.TryAddSingleton<IIngestBlobStore, BlobIngestStore>();
        services.TryAddSingleton<IImageCatalog, TableImageCatalog>();
        services.TryAddSingleton<IDatasetStatistics, TableDatasetStatistics>();
        services.TryAddSingleton<INearHashStore, TableNearHashStore>();
        services.TryAddSingleton<NearDuplicateIndex>();
        services.TryAddSingleton<Pipeline.Core.Labels.ILabelQaStore, BlobLabelQaStore>();
        services.TryAddSingleton<Pipeline.Core.Labels.IReportStore>(sp => sp.GetRequiredService<Pipeline.Core.Labels.ILabelQaStore>());
        services.TryAddSingleton<Pipeline.Core.Labels.LabelQaService>();
        services.TryAddSingleton<Pipeline.Core.Datasets.IDatasetRegistry, TableDatasetRegistry>();
        services.TryAddSingleton<Pipeline.Core.Datasets.IPromotionBlobs, BlobPromotionStore>();
        services.TryAddSingleton<Pipeline.Core.Reviews.IReviewStore, TableReviewStore>();
        services.TryAddSingleton<Pipeline.Core.Lineage.ILineageStore, BlobLineageStore>();
        services.TryAddSingleton<Pipeline.Core.Lineage.LineageService>();
        services.TryAddSingleton<Pipeline.Core.Datasets.PromotionService>();
        services.TryAddSingleton<Pipeline.Core.Datasets.DatasetVersions>();
        services.TryAddSingleton<Pipeline.Core.Reports.ReportService>();
        services.TryAddSingleton<Pipeline.Core.Health.IHealthStore, HealthStore>();
        services.TryAddSingleton<Pipeline.Core.Health.HealthService>();
        services.TryAddSingleton<Pipeline.Core.Backfill.BackfillService>();
        services.TryAddSingleton<StorageInitializer>();
        services.TryAddSingleton<Pipeline.Core.IExclusiveLease, BlobExclusiveLease>();
        services.AddMetrics();
        services.TryAddSingleton<PipelineTelemetry>();
        services.TryAddSingleton<IngestService>();
        return services;
    }
}
