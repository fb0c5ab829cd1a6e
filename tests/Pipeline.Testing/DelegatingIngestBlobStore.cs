using Pipeline.Core.Ingest;

namespace Pipeline.Testing;

/// <summary>Passes every call to a real store; a test overrides the one call it wants to disturb (a fault, a race).</summary>
public abstract class DelegatingIngestBlobStore(IIngestBlobStore inner) : IIngestBlobStore
{
    public virtual Task<IncomingPage> ListIncomingAsync(string prefix, string? continuation, int pageSize, CancellationToken cancellationToken) =>
        inner.ListIncomingAsync(prefix, continuation, pageSize, cancellationToken);

    public virtual Task<IncomingBlob?> GetIncomingAsync(string name, CancellationToken cancellationToken) =>
        inner.GetIncomingAsync(name, cancellationToken);

    public virtual Task<ReadOnlyMemory<byte>?> DownloadIncomingAsync(string name, string etag, long maxBytes, CancellationToken cancellationToken) =>
        inner.DownloadIncomingAsync(name, etag, maxBytes, cancellationToken);

    public virtual Task<bool> StageAsync(string stagedName, ReadOnlyMemory<byte> bytes, string contentType, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken) =>
        inner.StageAsync(stagedName, bytes, contentType, metadata, cancellationToken);

    public virtual Task QuarantineAsync(string quarantineName, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken) =>
        inner.QuarantineAsync(quarantineName, bytes, cancellationToken);

    public virtual Task<bool> QuarantineCopyAsync(string incomingName, string etag, string quarantineName, CancellationToken cancellationToken) =>
        inner.QuarantineCopyAsync(incomingName, etag, quarantineName, cancellationToken);

    public virtual Task WriteQuarantineJsonAsync(string name, ReadOnlyMemory<byte> json, CancellationToken cancellationToken) =>
        inner.WriteQuarantineJsonAsync(name, json, cancellationToken);
}
