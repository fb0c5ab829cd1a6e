using DurableTask.Core;
using DurableTask.Core.History;
using DurableTask.Core.Query;

namespace Pipeline.Local;

/// <summary>
/// Forwards every call to the Durable Task Framework's storage provider, repairing on the way what the gRPC
/// sidecar hands it that the provider cannot store: tags that are protobuf maps (replaced by plain
/// dictionaries) and the sidecar's own sub-orchestration-created event type (replaced by the framework's).
/// Without this a sub-orchestration never starts. It also reports each orchestration's history length after
/// every step, for the benchmark that shows histories stay bounded.
/// </summary>
public sealed class ForwardingOrchestrationService<TService>(TService inner, Action<string, int>? historyObserver = null)
    : IOrchestrationService, IOrchestrationServiceClient, IOrchestrationServiceQueryClient, IOrchestrationServicePurgeClient
    where TService : IOrchestrationService, IOrchestrationServiceClient, IOrchestrationServiceQueryClient, IOrchestrationServicePurgeClient
{
    public int TaskOrchestrationDispatcherCount => inner.TaskOrchestrationDispatcherCount;

    public int MaxConcurrentTaskOrchestrationWorkItems => inner.MaxConcurrentTaskOrchestrationWorkItems;

    public BehaviorOnContinueAsNew EventBehaviourForContinueAsNew => inner.EventBehaviourForContinueAsNew;

    public int TaskActivityDispatcherCount => inner.TaskActivityDispatcherCount;

    public int MaxConcurrentTaskActivityWorkItems => inner.MaxConcurrentTaskActivityWorkItems;

    public Task StartAsync() => inner.StartAsync();

    public Task StopAsync() => inner.StopAsync();

    public Task StopAsync(bool isForced) => inner.StopAsync(isForced);

    public Task CreateAsync() => inner.CreateAsync();

    public Task CreateAsync(bool recreateInstanceStore) => inner.CreateAsync(recreateInstanceStore);

    public Task CreateIfNotExistsAsync() => inner.CreateIfNotExistsAsync();

    public Task DeleteAsync() => inner.DeleteAsync();

    public Task DeleteAsync(bool deleteInstanceStore) => inner.DeleteAsync(deleteInstanceStore);

    public bool IsMaxMessageCountExceeded(int currentMessageCount, OrchestrationRuntimeState runtimeState) => inner.IsMaxMessageCountExceeded(currentMessageCount, runtimeState);

    public int GetDelayInSecondsAfterOnProcessException(Exception exception) => inner.GetDelayInSecondsAfterOnProcessException(exception);

    public int GetDelayInSecondsAfterOnFetchException(Exception exception) => inner.GetDelayInSecondsAfterOnFetchException(exception);

    public Task<TaskOrchestrationWorkItem> LockNextTaskOrchestrationWorkItemAsync(TimeSpan receiveTimeout, CancellationToken cancellationToken) =>
        inner.LockNextTaskOrchestrationWorkItemAsync(receiveTimeout, cancellationToken);

    public Task RenewTaskOrchestrationWorkItemLockAsync(TaskOrchestrationWorkItem workItem) => inner.RenewTaskOrchestrationWorkItemLockAsync(workItem);

    public async Task CompleteTaskOrchestrationWorkItemAsync(
        TaskOrchestrationWorkItem workItem, OrchestrationRuntimeState newOrchestrationRuntimeState, IList<TaskMessage> outboundMessages,
        IList<TaskMessage> orchestratorMessages, IList<TaskMessage> timerMessages, TaskMessage continuedAsNewMessage, OrchestrationState orchestrationState)
    {
        Repair(newOrchestrationRuntimeState.Events);
        Repair(newOrchestrationRuntimeState.NewEvents);
        foreach (var message in orchestratorMessages.Concat(outboundMessages).Concat(timerMessages).Append(continuedAsNewMessage).OfType<TaskMessage>())
        {
            message.Event = Repair(message.Event);
        }

        await inner.CompleteTaskOrchestrationWorkItemAsync(workItem, newOrchestrationRuntimeState, outboundMessages, orchestratorMessages, timerMessages, continuedAsNewMessage, orchestrationState);
        historyObserver?.Invoke(workItem.InstanceId, newOrchestrationRuntimeState.Events.Count);
    }

    public Task AbandonTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem) => inner.AbandonTaskOrchestrationWorkItemAsync(workItem);

    public Task ReleaseTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem) => inner.ReleaseTaskOrchestrationWorkItemAsync(workItem);

    public Task<TaskActivityWorkItem> LockNextTaskActivityWorkItem(TimeSpan receiveTimeout, CancellationToken cancellationToken) =>
        inner.LockNextTaskActivityWorkItem(receiveTimeout, cancellationToken);

    public Task<TaskActivityWorkItem> RenewTaskActivityWorkItemLockAsync(TaskActivityWorkItem workItem) => inner.RenewTaskActivityWorkItemLockAsync(workItem);

    public Task CompleteTaskActivityWorkItemAsync(TaskActivityWorkItem workItem, TaskMessage responseMessage) => inner.CompleteTaskActivityWorkItemAsync(workItem, responseMessage);

    public Task AbandonTaskActivityWorkItemAsync(TaskActivityWorkItem workItem) => inner.AbandonTaskActivityWorkItemAsync(workItem);

    public Task CreateTaskOrchestrationAsync(TaskMessage creationMessage) => inner.CreateTaskOrchestrationAsync(Repaired(creationMessage));

    public Task CreateTaskOrchestrationAsync(TaskMessage creationMessage, OrchestrationStatus[] dedupeStatuses) =>
        inner.CreateTaskOrchestrationAsync(Repaired(creationMessage), dedupeStatuses);

    public Task SendTaskOrchestrationMessageAsync(TaskMessage message) => inner.SendTaskOrchestrationMessageAsync(Repaired(message));

    public Task SendTaskOrchestrationMessageBatchAsync(params TaskMessage[] messages) => inner.SendTaskOrchestrationMessageBatchAsync([.. messages.Select(Repaired)]);

    public Task<OrchestrationState> WaitForOrchestrationAsync(string instanceId, string executionId, TimeSpan timeout, CancellationToken cancellationToken) =>
        inner.WaitForOrchestrationAsync(instanceId, executionId, timeout, cancellationToken);

    public Task ForceTerminateTaskOrchestrationAsync(string instanceId, string reason) => inner.ForceTerminateTaskOrchestrationAsync(instanceId, reason);

    public Task<IList<OrchestrationState>> GetOrchestrationStateAsync(string instanceId, bool allExecutions) => inner.GetOrchestrationStateAsync(instanceId, allExecutions);

    public Task<OrchestrationState> GetOrchestrationStateAsync(string instanceId, string executionId) => inner.GetOrchestrationStateAsync(instanceId, executionId);

    public Task<string> GetOrchestrationHistoryAsync(string instanceId, string executionId) => inner.GetOrchestrationHistoryAsync(instanceId, executionId);

    public Task PurgeOrchestrationHistoryAsync(DateTime thresholdDateTimeUtc, OrchestrationStateTimeRangeFilterType timeRangeFilterType) =>
        inner.PurgeOrchestrationHistoryAsync(thresholdDateTimeUtc, timeRangeFilterType);

    public Task<OrchestrationQueryResult> GetOrchestrationWithQueryAsync(OrchestrationQuery query, CancellationToken cancellationToken) =>
        inner.GetOrchestrationWithQueryAsync(query, cancellationToken);

    public Task<PurgeResult> PurgeInstanceStateAsync(string instanceId) => inner.PurgeInstanceStateAsync(instanceId);

    public Task<PurgeResult> PurgeInstanceStateAsync(PurgeInstanceFilter purgeInstanceFilter) => inner.PurgeInstanceStateAsync(purgeInstanceFilter);

    private static TaskMessage Repaired(TaskMessage message)
    {
        message.Event = Repair(message.Event);
        return message;
    }

    private static void Repair(IList<HistoryEvent> events)
    {
        for (var i = 0; i < events.Count; i++)
        {
            events[i] = Repair(events[i]);
        }
    }

    private static HistoryEvent Repair(HistoryEvent historyEvent)
    {
        switch (historyEvent)
        {
            case ExecutionStartedEvent started when started.Tags is not null and not Dictionary<string, string>:
                started.Tags = new Dictionary<string, string>(started.Tags);
                return started;
            case SubOrchestrationInstanceCreatedEvent created when created.GetType() != typeof(SubOrchestrationInstanceCreatedEvent):
                var plain = new SubOrchestrationInstanceCreatedEvent(created.EventId)
                {
                    Name = created.Name,
                    Version = created.Version,
                    InstanceId = created.InstanceId,
                    Input = created.Input,
                    Timestamp = created.Timestamp,
                    IsPlayed = created.IsPlayed,
                    ClientSpanId = created.ClientSpanId,
                    Tags = created.Tags is null ? null : new Dictionary<string, string>(created.Tags),
                };
                return plain;
            case SubOrchestrationInstanceCreatedEvent created when created.Tags is not null and not Dictionary<string, string>:
                created.Tags = new Dictionary<string, string>(created.Tags);
                return created;
            default:
                return historyEvent;
        }
    }
}
