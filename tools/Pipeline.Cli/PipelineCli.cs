using System.CommandLine;

namespace Pipeline.Cli;

/// <summary>The <c>pipeline</c> command. Exit codes: 0 all files accepted, 1 some rejected, 2 usage error.</summary>
public static class PipelineCli
{
    public const int Accepted = 0;
    public const int Rejected = 1;
    public const int UsageError = 2;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        var root = new RootCommand("Data quality for computer-vision datasets: validate, ingest and (soon) promote images.")
        {
            ValidateCommand.Create(output, error),
            IngestCommand.Create(output, error),
            EvaluateCommand.Create(output, error),
        };

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var parseError in parsed.Errors)
            {
                await error.WriteLineAsync(parseError.Message);
            }

            await error.WriteLineAsync("Run 'pipeline --help' for usage.");
            return UsageError;
        }

        return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellationToken);
    }
}
