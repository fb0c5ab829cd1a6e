namespace Pipeline.Testing;

/// <summary>
/// The time limit of one storage or engine test. xUnit makes a new instance of the test class for every test, so a
/// field initialised with <see cref="Start"/> is one window per test: every call the test makes shares it, and a test
/// that hangs fails when it runs out instead of holding the run.
/// </summary>
public static class TestTimeout
{
    /// <summary>The default limit: far above what any one test needs on two cores.</summary>
    public static readonly TimeSpan Default = TimeSpan.FromMinutes(3);

    /// <summary>A token cancelled <paramref name="limit"/> (or <see cref="Default"/>) from now.</summary>
    public static CancellationToken Start(TimeSpan? limit = null) => new CancellationTokenSource(limit ?? Default).Token;
}
