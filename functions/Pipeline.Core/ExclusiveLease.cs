namespace Pipeline.Core;

/// <summary>
/// Short exclusive leases on names, shared by every instance of every host (a blob lease in Azure and on Azurite).
/// A check-then-act that must not run twice at once (starting a singleton orchestration) runs inside one.
/// </summary>
public interface IExclusiveLease
{
    /// <summary>
    /// Takes the lease on <paramref name="name"/>, or returns null at once when another holder has it. Dispose the
    /// result to give it back; a holder that dies loses it after a short time the implementation states.
    /// </summary>
    Task<IAsyncDisposable?> TryAcquireAsync(string name, CancellationToken cancellationToken);
}
