namespace Pipeline.Cli.Tests;

/// <summary>The <c>pipeline</c> command run in-process, as a person would type it: its exit code and what it printed.</summary>
internal static class Cli
{
    public static async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await PipelineCli.RunAsync(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }
}
