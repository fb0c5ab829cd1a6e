using Microsoft.Extensions.Options;
using Pipeline.Core.Images;

namespace Pipeline.Core.Tests;

internal static class GuardFactory
{
    public static ImageGuard Create(Action<ImageGuardOptions>? configure = null)
    {
        var options = new ImageGuardOptions();
        configure?.Invoke(options);
        return new ImageGuard(Options.Create(options), TimeProvider.System);
    }
}
