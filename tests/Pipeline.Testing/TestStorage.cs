using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.DurableTask;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Core.Ingest;
using Pipeline.Storage;
using Pipeline.Workflows;

namespace Pipeline.Testing;

/// <summary>
/// One test's own containers and tables on the shared Azurite, wired into the same services production
/// registers (<see cref="StorageServiceCollectionExtensions.AddPipelineIngest"/>). Deleted on dispose.
/// </summary>
public sealed class TestStorage : IAsyncDisposable
{
    public TestStorage(string connectionString, Action<Dictionary<string, string?>>? configure = null, Action<IServiceCollection>? services = null)
    {
        var id = "t" + Guid.NewGuid().ToString("N")[..10];
        var settings = new Dictionary<string, string?>
        {
            [PipelineStorageOptions.ConnectionName] = connectionString,
            ["Pipeline:Storage:IncomingContainer"] = $"{id}-incoming",
            ["Pipeline:Storage:StagingContainer"] = $"{id}-staging",
            ["Pipeline:Storage:QuarantineContainer"] = $"{id}-quarantine",
            ["Pipeline:Storage:ReportsContainer"] = $"{id}-reports",
            ["Pipeline:Storage:CatalogTable"] = $"{id}catalog",
            ["Pipeline:Storage:ContentTable"] = $"{id}contents",
            ["Pipeline:Storage:StatisticsTable"] = $"{id}statistics",
            ["Pipeline:Storage:NearHashTable"] = $"{id}nearhashes",
            ["Pipeline:Storage:ProductionContainer"] = $"{id}-production",
            ["Pipeline:Storage:LineageContainer"] = $"{id}-lineage",
            ["Pipeline:Storage:DatasetsTable"] = $"{id}datasets",
            ["Pipeline:Storage:HealthTable"] = $"{id}health",
            ["Pipeline:Images:MaxConcurrentDecodes"] = "2",
        };
        configure?.Invoke(settings);
        Configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var collection = new ServiceCollection().AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        collection.AddSingleton(Configuration);
        services?.Invoke(collection); // before the pipeline's registrations, so a test's replacement wins
        collection.AddPipelineIngest(Configuration);
        Services = collection.BuildServiceProvider();
        Options = Services.GetRequiredService<IOptions<PipelineStorageOptions>>().Value;
        Blobs = Services.GetRequiredService<BlobServiceClient>();
        Tables = Services.GetRequiredService<TableServiceClient>();
        Services.GetRequiredService<StorageInitializer>().EnsureCreatedAsync(CancellationToken.None).GetAwaiter().GetResult();
    }

    public IConfiguration Configuration { get; }

    public ServiceProvider Services { get; }

    public PipelineStorageOptions Options { get; }

    public BlobServiceClient Blobs { get; }

    public TableServiceClient Tables { get; }

    public IngestService Ingest => Services.GetRequiredService<IngestService>();

    public IImageCatalog Catalog => Services.GetRequiredService<IImageCatalog>();

    /// <summary>The leases singleton starts take (<see cref="Pipeline.Workflows.SingleInstance"/>).</summary>
    public Pipeline.Core.IExclusiveLease Locks => Services.GetRequiredService<Pipeline.Core.IExclusiveLease>();

    /// <summary>An ingest service wired like <see cref="Ingest"/> but over another blob store (a fault or a race injected).</summary>
    public IngestService IngestOver(IIngestBlobStore store) => ActivatorUtilities.CreateInstance<IngestService>(Services, store);

    public BlobContainerClient Incoming => Blobs.GetBlobContainerClient(Options.IncomingContainer);

    public BlobContainerClient Staging => Blobs.GetBlobContainerClient(Options.StagingContainer);

    public BlobContainerClient Quarantine => Blobs.GetBlobContainerClient(Options.QuarantineContainer);

    public BlobContainerClient Reports => Blobs.GetBlobContainerClient(Options.ReportsContainer);

    public BlobContainerClient Production => Blobs.GetBlobContainerClient(Options.ProductionContainer);

    public BlobContainerClient Lineage => Blobs.GetBlobContainerClient(Options.LineageContainer);

    /// <summary>
    /// Registers every workflow with activities built from this storage's services (the local runner's wiring);
    /// <paramref name="promotion"/>, <paramref name="labels"/> or <paramref name="maintenance"/> replace the promotion, label QA or
    /// health and backfill activities (a fault injected, other rules).
    /// </summary>
    public DurableTaskRegistry RegisterWorkflows(
        DurableTaskRegistry registry,
        Pipeline.Workflows.Promotion.PromotionActivities? promotion = null,
        Pipeline.Workflows.Labels.LabelQaActivities? labels = null,
        Pipeline.Workflows.Maintenance.MaintenanceActivities? maintenance = null)
    {
        var reconcile = new Pipeline.Workflows.Ingest.ReconcileActivities(Ingest, Services.GetRequiredService<Pipeline.Core.Labels.IReportStore>());
        labels ??= new Pipeline.Workflows.Labels.LabelQaActivities(Services.GetRequiredService<Pipeline.Core.Labels.LabelQaService>());
        promotion ??= PromotionActivitiesOver(Services.GetRequiredService<Pipeline.Core.Datasets.IPromotionBlobs>());
        maintenance ??= ActivatorUtilities.CreateInstance<Pipeline.Workflows.Maintenance.MaintenanceActivities>(Services);
        return registry.AddPipelineWorkflows(() => reconcile, () => labels, () => promotion, () => maintenance);
    }

    /// <summary>Promotion activities wired like production's but over another blob store (a fault injected).</summary>
    public Pipeline.Workflows.Promotion.PromotionActivities PromotionActivitiesOver(
        Pipeline.Core.Datasets.IPromotionBlobs blobs, Pipeline.Core.Datasets.IDatasetRegistry? registry = null, IImageCatalog? catalog = null)
    {
        registry ??= Services.GetRequiredService<Pipeline.Core.Datasets.IDatasetRegistry>();
        catalog ??= Catalog;
        var promotion = ActivatorUtilities.CreateInstance<Pipeline.Core.Datasets.PromotionService>(Services, blobs, registry, catalog);
        var lineage = ActivatorUtilities.CreateInstance<Pipeline.Core.Lineage.LineageService>(Services, blobs);
        return new Pipeline.Workflows.Promotion.PromotionActivities(promotion, lineage);
    }

    public async Task UploadAsync(string name, byte[] bytes, string? dataset = null) =>
        await Incoming.GetBlobClient(name).UploadAsync(
            BinaryData.FromBytes(bytes),
            new Azure.Storage.Blobs.Models.BlobUploadOptions { Metadata = dataset is null ? null : new Dictionary<string, string> { ["dataset"] = dataset } });

    /// <summary>Every blob name in a container, sorted.</summary>
    public async Task<List<string>> ListAsync(BlobContainerClient container)
    {
        var names = new List<string>();
        await foreach (var item in container.GetBlobsAsync())
        {
            names.Add(item.Name);
        }

        names.Sort(StringComparer.Ordinal);
        return names;
    }

    /// <summary>Every catalog row, across batches.</summary>
    public async Task<List<TableEntity>> CatalogRowsAsync()
    {
        var rows = new List<TableEntity>();
        await foreach (var row in Tables.GetTableClient(Options.CatalogTable).QueryAsync<TableEntity>())
        {
            rows.Add(row);
        }

        return rows;
    }

    private readonly List<string> taskHubs = [];

    /// <summary>Records a task hub an engine on this storage runs in, so that it is deleted with the storage; returns its name.</summary>
    public string OwnTaskHub(string taskHub)
    {
        lock (taskHubs)
        {
            taskHubs.Add(taskHub);
        }

        return taskHub;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var hub in taskHubs)
        {
            await Pipeline.Local.LocalDurableHost.DeleteTaskHubAsync(StorageConnection.FromConfiguration(Configuration), hub);
        }

        foreach (var container in Options.Containers)
        {
            await Blobs.GetBlobContainerClient(container).DeleteIfExistsAsync();
        }

        foreach (var table in Options.Tables)
        {
            await Tables.DeleteTableAsync(table);
        }

        await Services.DisposeAsync();
    }
}
