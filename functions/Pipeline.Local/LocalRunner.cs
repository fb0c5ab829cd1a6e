using System.Net;
using System.Text.Json;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using Pipeline.Core;
using Pipeline.Core.Ingest;
using Pipeline.Core.Reviews;
using Pipeline.Storage;
using Pipeline.Workflows;
using Pipeline.Workflows.Ingest;
using Pipeline.Workflows.Labels;
using Pipeline.Workflows.Maintenance;
using Pipeline.Workflows.Promotion;

namespace Pipeline.Local;

/// <summary>The runner's HTTP side and watcher, bound from <c>Pipeline:Local</c> beside <see cref="LocalDurableOptions"/>.</summary>
public sealed class LocalRunnerOptions
{
    /// <summary>The loopback port the HTTP routes are served on (0: any free port).</summary>
    [System.ComponentModel.DataAnnotations.Range(0, 65535)]
    public int Port { get; set; } = 7071;

    /// <summary>
    /// The bearer token every route but <c>/api/health</c> requires (<c>Authorization: Bearer …</c>), so no other local
    /// user or process can drive the runner; none: no token (tests, and a runner behind another guard).
    /// </summary>
    public string? Token { get; set; }

    /// <summary>How often the runner lists <c>incoming</c> for uploads nobody announced (0: never): a file uploaded by any client is ingested within this (and the ingest's own time).</summary>
    [System.ComponentModel.DataAnnotations.Range(0, 3600)]
    public int NoticeSeconds { get; set; } = 2;

    /// <summary>How often the reconciliation (the function app's timer: files older than its minimum age with no verdict, failed ones) runs (0: never).</summary>
    [System.ComponentModel.DataAnnotations.Range(0, 86400)]
    public int WatchSeconds { get; set; } = 30;
}

/// <summary>
/// The local runner: the same workflows as the function app on the local Durable Task engine
/// (<see cref="LocalDurableHost"/>), the same HTTP routes on 127.0.0.1 (docs/api.md; no keys: loopback only, and
/// no web page's requests, see <see cref="LocalRequestGuard"/>),
/// ingest driven as Event Grid drives it in Azure (a BlobCreated event per upload, posted to
/// <c>/api/events/blob-created</c>), and a watcher that reconciles <c>incoming</c> for files copied in by other tools.
/// </summary>
public static class LocalRunner
{
    /// <summary>Runs until stopped (Ctrl+C).</summary>
    public static async Task RunAsync(string[] args)
    {
        // Standalone, the runner makes its own token unless one is given (Pipeline__Local__Token, --Pipeline:Local:Token=…).
        var given = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args).Build()[$"{LocalDurableOptions.SectionName}:Token"];
        var token = given ?? Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        await using var runner = await StartAsync(args, new Dictionary<string, string?> { [$"{LocalDurableOptions.SectionName}:Token"] = token }, CancellationToken.None);
        Console.WriteLine($"Pipeline runner listening on {runner.Url} (task hub '{runner.TaskHub}'). Ctrl+C stops it; its state stays in storage.");
        Console.WriteLine(given is null ? $"Its token (Authorization: Bearer …; for the CLI, PIPELINE_API_TOKEN): {token}" : "It requires the token it was given.");
        await runner.App.WaitForShutdownAsync();
    }

    /// <summary>Starts a runner (the CLI's `pipeline run` hosts one in-process); dispose to stop it.</summary>
    /// <param name="args">Command-line configuration (<c>--Pipeline:Local:Port=0</c>, ...).</param>
    /// <param name="configure">Settings laid over the environment's (tests, the CLI).</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<RunningRunner> StartAsync(string[] args, IReadOnlyDictionary<string, string?>? configure, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        if (configure is not null)
        {
            builder.Configuration.AddInMemoryCollection(configure);
        }

        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // A 404 is an answer here (a blob or row not there yet), and the provider's lease timings are its own business.
        builder.Logging.AddFilter("Azure", LogLevel.Error);
        builder.Logging.AddFilter("DurableTask", LogLevel.Error);
        builder.Logging.AddFilter("Microsoft.DurableTask", LogLevel.Error);
        builder.Services.AddPipelineWorkflows(builder.Configuration);
        // The function app's telemetry, so a local run is traced and measured as in Azure (OTLP, console or Azure Monitor by settings).
        builder.Services.AddPipelineTelemetry(builder.Configuration);
        builder.Services.AddOptions<LocalDurableOptions>().Bind(builder.Configuration.GetSection(LocalDurableOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<LocalRunnerOptions>().Bind(builder.Configuration.GetSection(LocalDurableOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<Engine>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Engine>());
        builder.Services.AddHostedService<Watcher>();
        builder.Services.AddSingleton<IngestTurns>();
        builder.Services.AddHostedService<UploadWatcher>();
        builder.Services.AddHostedService<HealthWatcher>();
        var port = builder.Configuration.GetValue($"{LocalDurableOptions.SectionName}:Port", 7071);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));

        var app = builder.Build();
        MapRoutes(app);
        if (app.Services.GetRequiredService<IOptions<PipelineStorageOptions>>().Value.CreateIfMissing)
        {
            await app.Services.GetRequiredService<StorageInitializer>().EnsureCreatedAsync(cancellationToken);
        }

        await app.StartAsync(cancellationToken);
        var url = app.Urls.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal);
        return new RunningRunner(app, url, app.Services.GetRequiredService<IOptions<LocalDurableOptions>>().Value.TaskHub);
    }

    /// <summary>The routes of docs/api.md, each a translation of <see cref="DatasetApi"/> or <see cref="BatchApi"/>.</summary>
    private static void MapRoutes(WebApplication app)
    {
        DurableTaskClient Client(HttpContext context) => context.RequestServices.GetRequiredService<Engine>().Client;
        DatasetApi Api(HttpContext context) => context.RequestServices.GetRequiredService<DatasetApi>();
        MaintenanceApi Maintenance(HttpContext context) => context.RequestServices.GetRequiredService<MaintenanceApi>();
        ReviewApi Reviews(HttpContext context) => context.RequestServices.GetRequiredService<ReviewApi>();
        CatalogApi Catalog(HttpContext context) => context.RequestServices.GetRequiredService<CatalogApi>();
        static string? Query(HttpContext context, string name) => context.Request.Query[name].FirstOrDefault();

        app.Use(LocalRequestGuard.InvokeAsync);
        var api = app.MapGroup("/api");
        api.MapGet("/health", () => Results.Ok(new { status = "ok" }));
        api.MapPost("/events/blob-created", (Delegate)BlobCreatedAsync);
        api.MapPost("/batches/{batch}/label-qa", async (HttpContext c, string batch) => Translate(await BatchApi.StartLabelQaAsync(Client(c), c.RequestServices.GetRequiredService<IExclusiveLease>(), batch, c.RequestAborted)));
        api.MapGet("/batches/{batch}/label-qa", async (HttpContext c, string batch) => Translate(await BatchApi.GetLabelQaAsync(Client(c), batch, c.RequestAborted)));
        api.MapPost("/datasets/{dataset}/promotions", async (HttpContext c, string dataset) =>
            await WithBodyAsync<PromoteBody>(c, body => Api(c).StartPromotionAsync(Client(c), dataset, body, c.RequestAborted)));
        api.MapGet("/datasets/{dataset}/promotion", async (HttpContext c, string dataset) => Translate(await Api(c).GetPromotionAsync(Client(c), dataset, c.RequestAborted)));
        api.MapPost("/datasets/{dataset}/promotion/approve", async (HttpContext c, string dataset) =>
            await WithBodyAsync<DecisionBody>(c, body => Api(c).DecideAsync(Client(c), dataset, approve: true, body, c.RequestAborted)));
        api.MapPost("/datasets/{dataset}/promotion/reject", async (HttpContext c, string dataset) =>
            await WithBodyAsync<DecisionBody>(c, body => Api(c).DecideAsync(Client(c), dataset, approve: false, body, c.RequestAborted)));
        api.MapGet("/datasets/{dataset}/versions", async (HttpContext c, string dataset) => Translate(await Api(c).ListVersionsAsync(dataset, c.RequestAborted)));
        api.MapGet("/datasets/{dataset}/versions/{version}", async (HttpContext c, string dataset, string version) => Translate(await Api(c).GetVersionAsync(dataset, version, null, c.RequestAborted)));
        api.MapGet("/datasets/{dataset}/versions/{version}/files/{file}", async (HttpContext c, string dataset, string version, string file) =>
            Translate(await Api(c).GetVersionAsync(dataset, version, file, c.RequestAborted)));
        api.MapGet("/batches/{batch}/report", async (HttpContext c, string batch) => Translate(await Api(c).BatchReportAsync(batch, c.RequestAborted)));
        api.MapGet("/datasets/{dataset}/versions/{version}/report", async (HttpContext c, string dataset, string version) => Translate(await Api(c).VersionReportAsync(dataset, version, c.RequestAborted)));
        api.MapGet("/datasets/{dataset}/images/{file}", async (HttpContext c, string dataset, string file) => Translate(await Api(c).GetImageAsync(dataset, file, c.RequestAborted)));
        api.MapGet("/datasets/{dataset}/diff", async (HttpContext c, string dataset) =>
            Translate(await Api(c).DiffAsync(dataset, c.Request.Query["from"].FirstOrDefault(), c.Request.Query["to"].FirstOrDefault(), c.RequestAborted)));
        api.MapPost("/datasets/{dataset}/rollback", async (HttpContext c, string dataset) =>
            await WithBodyAsync<RollbackBody>(c, body => Api(c).RollbackAsync(dataset, body, c.RequestAborted)));
        api.MapPut("/datasets/{dataset}/gate", async (HttpContext c, string dataset) =>
        {
            using var buffer = new MemoryStream();
            await c.Request.Body.CopyToAsync(buffer, c.RequestAborted);
            return Translate(await Api(c).PutGateAsync(dataset, buffer.ToArray(), c.RequestAborted));
        });
        // Cast: a lambda of HttpContext alone would bind as a RequestDelegate, and its IResult would never be written.
        api.MapGet("/datasets", (Delegate)(async (HttpContext c) => Translate(await Catalog(c).ListDatasetsAsync(c.RequestAborted))));
        api.MapGet("/datasets/{dataset}/catalog", async (HttpContext c, string dataset) => Translate(await Catalog(c).QueryAsync(
            dataset, Query(c, "batch"), Query(c, "status"), Query(c, "finding"), Query(c, "label"), Query(c, "limit"), c.RequestAborted)));
        api.MapGet("/datasets/{dataset}/reviews", async (HttpContext c, string dataset) => Translate(await Reviews(c).ListAsync(dataset, c.RequestAborted)));
        api.MapPut("/datasets/{dataset}/reviews", async (HttpContext c, string dataset) =>
            await WithBodyAsync<ReviewRequest>(c, body => Reviews(c).PutAsync(dataset, body, c.RequestAborted)));
        api.MapDelete("/datasets/{dataset}/reviews/{id}", async (HttpContext c, string dataset, string id) => Translate(await Reviews(c).DeleteAsync(dataset, id, c.RequestAborted)));
        api.MapGet("/datasets/{dataset}/gate", async (HttpContext c, string dataset) => Translate(await Api(c).GetGateAsync(dataset, c.RequestAborted)));
        api.MapPost("/datasets/{dataset}/health", async (HttpContext c, string dataset) => Translate(await Maintenance(c).CheckHealthAsync(dataset, c.RequestAborted)));
        api.MapGet("/datasets/{dataset}/health", async (HttpContext c, string dataset) =>
            Translate(await Maintenance(c).GetHealthAsync(dataset, c.Request.Query["hours"].FirstOrDefault(), c.RequestAborted)));
        api.MapPost("/datasets/{dataset}/backfill", async (HttpContext c, string dataset) =>
            await WithBodyAsync<BackfillBody>(c, body => Maintenance(c).StartBackfillAsync(Client(c), dataset, body, c.RequestAborted)));
        api.MapGet("/datasets/{dataset}/backfill", async (HttpContext c, string dataset) => Translate(await MaintenanceApi.GetBackfillAsync(Client(c), dataset, c.RequestAborted)));
    }

    /// <summary>
    /// Event Grid's BlobCreated events (its own schema: an array of events), as the CLI sends them after each
    /// upload. Each blob in <c>incoming</c> is handled as the function app's blob trigger handles it.
    /// </summary>
    private static async Task<IResult> BlobCreatedAsync(HttpContext context)
    {
        var (events, problem) = await DatasetApi.ReadBodyAsync<List<GridEvent>>(context.Request.Body, context.RequestAborted);
        if (problem is not null || events is null)
        {
            return Translate(problem ?? ApiResult.BadRequest("Expected an array of Event Grid events."));
        }

        // Each upload starts its own trace, as an Event Grid delivery does in Azure: not a child of this announcement's
        // HTTP request (which nothing records, so the default parent-based sampling would drop the upload's spans).
        System.Diagnostics.Activity.Current = null;
        var container = context.RequestServices.GetRequiredService<IOptions<PipelineStorageOptions>>().Value.IncomingContainer;
        var names = events.Where(e => e.EventType == "Microsoft.Storage.BlobCreated").Select(e => BlobCreated.BlobNameOf(e.Subject, container)).OfType<string>().ToList();
        var ingest = context.RequestServices.GetRequiredService<IngestService>();
        var client = context.RequestServices.GetRequiredService<Engine>().Client;
        var locks = context.RequestServices.GetRequiredService<IExclusiveLease>();
        var verdicts = new List<object>();
        foreach (var name in names)
        {
            var turns = context.RequestServices.GetRequiredService<IngestTurns>();
            if (await turns.RunAsync(name, () => BlobCreated.HandleAsync(ingest, client, locks, name, context.RequestAborted), context.RequestAborted) is { } entry)
            {
                verdicts.Add(new { name, status = entry.Status.Name(), codes = entry.Findings.Where(f => f.Severity != Pipeline.Core.Findings.Severity.Info).Select(f => f.Code).Distinct() });
            }
        }

        return Results.Ok(new { handled = names.Count, verdicts });
    }

    private static async Task<IResult> WithBodyAsync<T>(HttpContext context, Func<T?, Task<ApiResult>> handle)
        where T : class
    {
        var (body, problem) = await DatasetApi.ReadBodyAsync<T>(context.Request.Body, context.RequestAborted);
        return Translate(problem ?? await handle(body));
    }

    private static IResult Translate(ApiResult result) =>
        result.Content is { } stream
            ? Results.Stream(stream, result.ContentType ?? "application/octet-stream")
            : Results.Content(JsonSerializer.Serialize(result.Body, PipelineJson.Options), "application/json", statusCode: result.Status);

    /// <summary>One Event Grid event (the fields the runner reads).</summary>
    private sealed record GridEvent(string? EventType, string? Subject);

    /// <summary>The Durable Task engine as a hosted service, wired to the activities in the container.</summary>
    internal sealed class Engine(IServiceProvider services, IOptions<LocalDurableOptions> options, ILoggerFactory loggers) : IHostedService, IAsyncDisposable
    {
        private LocalDurableHost? host;

        public DurableTaskClient Client => host?.Client ?? throw new InvalidOperationException("The engine has not started.");

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            var connection = StorageConnection.FromConfiguration(services.GetRequiredService<IConfiguration>());
            host = await LocalDurableHost.StartAsync(connection, options.Value, r => r.AddPipelineWorkflows(services), loggers, cancellationToken: cancellationToken);
        }

        public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

        public async ValueTask DisposeAsync()
        {
            if (host is not null)
            {
                await host.DisposeAsync();
                host = null;
            }
        }
    }

    /// <summary>Runs <see cref="TickAsync"/> every <see cref="Interval"/> (never when null); a failed tick is logged and the next one tries again.</summary>
    internal abstract class Periodic(ILogger logger) : BackgroundService
    {
        protected abstract TimeSpan? Interval { get; }

        protected abstract Task TickAsync(CancellationToken cancellationToken);

        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            if (Interval is not { } interval)
            {
                return;
            }

            using var timer = new PeriodicTimer(interval);
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await TickAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "{Task} failed; it runs again next tick", GetType().Name);
                }
            }
        }
    }

    /// <summary>Reconciles <c>incoming</c> every <see cref="LocalRunnerOptions.WatchSeconds"/>: files copied in without a notification are ingested.</summary>
    private sealed class Watcher(Engine engine, ReconcileScheduler scheduler, IOptions<LocalRunnerOptions> options, ILogger<Watcher> logger) : Periodic(logger)
    {
        protected override TimeSpan? Interval => options.Value.WatchSeconds == 0 ? null : TimeSpan.FromSeconds(options.Value.WatchSeconds);

        protected override Task TickAsync(CancellationToken cancellationToken) => scheduler.StartAsync(engine.Client, cancellationToken);
    }

    /// <summary>Checks every dataset's health, and counts stuck orchestrations, every <see cref="Pipeline.Core.Health.HealthOptions.IntervalMinutes"/> (the function app's timer, locally).</summary>
    private sealed class HealthWatcher(Engine engine, HealthScheduler scheduler, IOptions<Pipeline.Core.Health.HealthOptions> options, ILogger<HealthWatcher> logger) : Periodic(logger)
    {
        protected override TimeSpan? Interval => TimeSpan.FromMinutes(options.Value.IntervalMinutes);

        protected override Task TickAsync(CancellationToken cancellationToken) => scheduler.RunAsync(engine.Client, cancellationToken);
    }
}

/// <summary>A started runner: its web application, URL and task hub. Dispose to stop it.</summary>
public sealed class RunningRunner(WebApplication app, string url, string taskHub) : IAsyncDisposable
{
    /// <summary>The web application (routes, engine, watcher).</summary>
    public WebApplication App { get; } = app;

    /// <summary>The base URL, e.g. <c>http://127.0.0.1:7071</c>.</summary>
    public string Url { get; } = url;

    /// <summary>The task hub the engine runs in.</summary>
    public string TaskHub { get; } = taskHub;

    /// <summary>The engine's client.</summary>
    public DurableTaskClient Client => App.Services.GetRequiredService<LocalRunner.Engine>().Client;

    /// <summary>The leases singleton starts take.</summary>
    public IExclusiveLease Locks => App.Services.GetRequiredService<IExclusiveLease>();

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
