using System.Net;
using System.Net.Sockets;
using DurableTask.AzureStorage;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Grpc.Internal;
using Pipeline.Storage;

namespace Pipeline.Local;

/// <summary>Settings of the local Durable Task engine, bound from <c>Pipeline:Local</c>.</summary>
public sealed class LocalDurableOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Pipeline:Local";

    /// <summary>The task hub: its queues, tables and leases in the storage account carry this name.</summary>
    [System.ComponentModel.DataAnnotations.RegularExpression(@"\A[A-Za-z][A-Za-z0-9]{2,44}\z")]
    public string TaskHub { get; set; } = "pipelinelocal";

    /// <summary>How long an idle queue poll may back off to; the provider's default of 30 s makes a local run feel stuck.</summary>
    public TimeSpan MaxQueuePollingInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a message taken by a worker stays hidden from the others (the provider's default is 5 minutes).
    /// After a runner is killed, its work reappears after this long; the runner renews it while it works.
    /// </summary>
    public TimeSpan QueueVisibilityTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Orchestration and activity work items in flight at once.</summary>
    public int MaxConcurrentWorkItems { get; set; } = 16;
}

/// <summary>
/// The Durable Task engine of the local runner: the Durable Task Framework's Azure Storage provider (the backend
/// Durable Functions uses in Azure; on Azurite or any account) behind <see cref="ForwardingOrchestrationService{TService}"/>,
/// served over gRPC on a loopback port by the sidecar <see cref="TaskHubGrpcServer"/>, and the portable worker
/// and client of Microsoft.DurableTask connected to it. State lives in storage: a runner killed mid-orchestration
/// picks it up where it stopped when it starts again.
/// </summary>
public sealed class LocalDurableHost : IAsyncDisposable
{
    private readonly WebApplication sidecar;
    private readonly IHost worker;
    private readonly GrpcChannel channel;

    private LocalDurableHost(WebApplication sidecar, IHost worker, GrpcChannel channel)
    {
        this.sidecar = sidecar;
        this.worker = worker;
        this.channel = channel;
        Client = worker.Services.GetRequiredService<DurableTaskClient>();
    }

    /// <summary>The client: start, query, raise events.</summary>
    public DurableTaskClient Client { get; }

    /// <summary>Starts the engine with the tasks <paramref name="register"/> adds.</summary>
    /// <param name="connection">The storage account (the pipeline's own).</param>
    /// <param name="options">Task hub and polling.</param>
    /// <param name="register">Registers the orchestrations and activities.</param>
    /// <param name="loggerFactory">Where the engine logs.</param>
    /// <param name="historyObserver">Told each orchestration's history length after every step (the benchmark).</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<LocalDurableHost> StartAsync(
        StorageConnection connection, LocalDurableOptions options, Action<DurableTaskRegistry> register, ILoggerFactory loggerFactory,
        Action<string, int>? historyObserver = null, CancellationToken cancellationToken = default)
    {
        var settings = new AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = options.TaskHub,
            StorageAccountClientProvider = ClientProvider(connection),
            PartitionCount = 1,
            // A start refused for an instance's status is an error the caller sees, not a silent no-op (SingleInstance).
            ThrowExceptionOnInvalidDedupeStatus = true,
            MaxQueuePollingInterval = options.MaxQueuePollingInterval,
            ControlQueueVisibilityTimeout = options.QueueVisibilityTimeout,
            WorkItemQueueVisibilityTimeout = options.QueueVisibilityTimeout,
            MaxConcurrentTaskOrchestrationWorkItems = options.MaxConcurrentWorkItems,
            MaxConcurrentTaskActivityWorkItems = options.MaxConcurrentWorkItems,
            LoggerFactory = loggerFactory,
        };
        var service = new ForwardingOrchestrationService<AzureStorageOrchestrationService>(new AzureStorageOrchestrationService(settings), historyObserver);
        await service.CreateIfNotExistsAsync();

        var port = FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton<DurableTask.Core.IOrchestrationService>(service);
        builder.Services.AddSingleton<DurableTask.Core.IOrchestrationServiceClient>(service);
        builder.Services.AddSingleton<TaskHubGrpcServer>();
        var sidecar = builder.Build();
        sidecar.MapGrpcService<TaskHubGrpcServer>();
        await sidecar.StartAsync(cancellationToken);

        var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        var worker = Host.CreateDefaultBuilder()
            .ConfigureLogging(l => l.ClearProviders().Services.AddSingleton(loggerFactory))
            .ConfigureServices(services =>
            {
                services.AddDurableTaskWorker(b =>
                {
                    b.UseGrpc(o =>
                    {
                        o.Channel = channel;
                        // The sidecar sends nothing while no work is due; the worker must not take silence for a dead link.
                        o.SetSilentDisconnectTimeout(TimeSpan.Zero);
                    });
                    b.AddTasks(register);
                });
                services.AddDurableTaskClient(b =>
                {
                    b.UseGrpc(channel);
                    b.RegisterDirectly();
                });
            })
            .Build();
        await worker.StartAsync(cancellationToken);
        return new LocalDurableHost(sidecar, worker, channel);
    }

    /// <summary>Deletes a task hub's queues, tables and containers (tests clean up what they made; no engine may run on it).</summary>
    public static async Task DeleteTaskHubAsync(StorageConnection connection, string taskHub)
    {
        var settings = new AzureStorageOrchestrationServiceSettings { TaskHubName = taskHub, StorageAccountClientProvider = ClientProvider(connection) };
        await new AzureStorageOrchestrationService(settings).DeleteAsync();
    }

    private static StorageAccountClientProvider ClientProvider(StorageConnection connection) =>
        connection.ConnectionString is { } cs
            ? new StorageAccountClientProvider(cs)
            : new StorageAccountClientProvider(connection.BlobServiceUri!, connection.QueueServiceUri!, connection.TableServiceUri!, connection.Credential!);

    public async ValueTask DisposeAsync()
    {
        await worker.StopAsync();
        worker.Dispose();
        await channel.ShutdownAsync();
        channel.Dispose();
        await sidecar.StopAsync();
        await sidecar.DisposeAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
