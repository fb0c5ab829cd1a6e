using Microsoft.DurableTask;
using Microsoft.DurableTask.Testing;

namespace Pipeline.Testing;

/// <summary>
/// Starts the in-process Durable Task engine on a port the kernel says is free. Left to itself the test host
/// picks a random port between 30000 and 40000 without checking it, which overlaps Linux's ephemeral range
/// (where Azurite's ports come from) and failed a run with "address already in use".
/// </summary>
public static class DurableTestHosts
{
    public static async Task<DurableTaskTestHost> StartAsync(Action<DurableTaskRegistry> configure, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await DurableTaskTestHost.StartAsync(configure, new DurableTaskTestHostOptions { Port = TestPorts.Free() }, cancellationToken);
            }
            catch (IOException ex) when (attempt < 5 && ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
            {
                // Taken between our check and the host's bind: try another.
            }
        }
    }
}
