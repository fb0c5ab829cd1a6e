using System.Net;
using System.Net.Sockets;

namespace Pipeline.Testing;

/// <summary>Loopback ports for servers a test starts.</summary>
public static class TestPorts
{
    /// <summary>A port the kernel says is free now (another process may still take it before the caller binds).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
