using System.Text.Json.Nodes;

namespace Pipeline.Core.Lineage;

/// <summary>Where OpenLineage events go: the <c>lineage</c> container, one JSON line per event.</summary>
public interface ILineageStore
{
    /// <summary>The storage account's name (the namespace events name jobs and datasets in).</summary>
    string Account { get; }

    /// <summary>Appends events of <paramref name="job"/> in one write, one JSON line each (the store shards by job and time).</summary>
    Task AppendAsync(string job, DateTimeOffset eventTime, IReadOnlyList<JsonObject> runEvents, CancellationToken cancellationToken);
}
