namespace Pipeline.Local;

/// <summary>The runner process: the engine, the workflows and the HTTP routes on 127.0.0.1.</summary>
public static class LocalRunner
{
    public static Task RunAsync(string[] args) => Task.CompletedTask;
}
