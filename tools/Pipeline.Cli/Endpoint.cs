using System.CommandLine;

namespace Pipeline.Cli;

/// <summary>The options every API command shares: where the API is, its key, and JSON output.</summary>
internal sealed class Endpoint
{
    public Option<string?> Api { get; } = new("--api")
    {
        Description = "The pipeline API: a runner's or an Azure function app's URL (or PIPELINE_API). Default: the workspace's local stack, started when none runs.",
    };

    public Option<string?> Key { get; } = new("--key") { Description = "The function key for an Azure deployment (or PIPELINE_API_KEY)." };

    public Option<bool> Json { get; } = new("--json") { Description = "Print one JSON document instead of text (for scripts)." };

    public Option<string?> Home { get; } = new("--home")
    {
        Description = "The workspace: Azurite's data, the runner's task hub and settings (default .pipeline/ here, or PIPELINE_HOME). Used when no --api is given.",
    };

    public void AddTo(Command command)
    {
        command.Add(Api);
        command.Add(Key);
        command.Add(Json);
        command.Add(Home);
    }

    /// <summary>The API given (--api or PIPELINE_API), or null: then the workspace's local stack.</summary>
    public string? GivenApi(ParseResult parsed) => parsed.GetValue(Api) ?? Environment.GetEnvironmentVariable("PIPELINE_API");

    /// <summary>The API given, with its key (Azure) or the bearer token in <c>PIPELINE_API_TOKEN</c> (a runner started elsewhere: <c>pipeline up</c> prints it).</summary>
    public ApiClient Client(ParseResult parsed) => new(
        new Uri(GivenApi(parsed) ?? throw new InvalidOperationException("No API given: use the workspace's stack.")),
        parsed.GetValue(Key) ?? Environment.GetEnvironmentVariable("PIPELINE_API_KEY"),
        Environment.GetEnvironmentVariable("PIPELINE_API_TOKEN"));

    /// <summary>
    /// A client for the API given; or, with the <c>PipelineStorage</c> setting, for a runner in this process over that
    /// storage (as <c>run</c> does); or else for the workspace's local stack: the one running on it (<c>pipeline up</c>'s
    /// or another command's), else one started for this command and stopped after it (the data stays).
    /// </summary>
    public async Task<(ApiClient Api, IAsyncDisposable? Stack)> ConnectAsync(ParseResult parsed, Terminal terminal, CancellationToken cancellationToken)
    {
        if (GivenApi(parsed) is not null)
        {
            return (Client(parsed), null);
        }

        if (Environment.GetEnvironmentVariable(Pipeline.Storage.PipelineStorageOptions.ConnectionName) is { Length: > 0 } storage)
        {
            var local = (await LocalStack.StartAsync(terminal, null, storage, null, null, cancellationToken))!;
            return (local.Api!, local);
        }

        var stack = await OpenWorkspaceAsync(parsed, terminal, cancellationToken);
        return (stack.Api(), stack);
    }

    /// <summary>The stack of the workspace <c>--home</c> names (the running one, or one started for this command).</summary>
    public Task<WorkspaceStack> OpenWorkspaceAsync(ParseResult parsed, Terminal terminal, CancellationToken cancellationToken) =>
        WorkspaceStack.OpenAsync(Workspace.Open(parsed.GetValue(Home)), "command", terminal.NoteAsync, cancellationToken);

    /// <summary>
    /// Adds these options to <paramref name="command"/> and makes <paramref name="action"/> its action, with a client
    /// for the API, a terminal for the output, and the API's refusals turned into messages and exit codes.
    /// </summary>
    public void SetAction(Command command, TextWriter output, TextWriter error, Func<ParseResult, ApiClient, Terminal, CancellationToken, Task<int>> action)
    {
        AddTo(command);
        command.SetAction(async (parsed, ct) =>
        {
            var terminal = new Terminal(output, error, parsed.GetValue(Json));
            return await GuardAsync(terminal, async () =>
            {
                var (api, stack) = await ConnectAsync(parsed, terminal, ct);
                await using (stack)
                {
                    using (api)
                    {
                        return await action(parsed, api, terminal, ct);
                    }
                }
            });
        });
    }

    /// <summary>Runs an API command, turning the API's refusals and an unreachable API into messages and exit codes.</summary>
    public static async Task<int> GuardAsync(Terminal terminal, Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (ApiException ex)
        {
            await terminal.Error.WriteLineAsync(ex.Message);
            return (int)ex.Status is >= 400 and < 500 ? PipelineCli.UsageError : PipelineCli.ServiceError;
        }
        catch (HttpRequestException ex)
        {
            await terminal.Error.WriteLineAsync($"The pipeline API did not answer ({ex.Message}). Check --api, or leave it out to use the workspace's local stack.");
            return PipelineCli.ServiceError;
        }
        catch (WorkspaceException ex)
        {
            await terminal.Error.WriteLineAsync(ex.Message);
            return PipelineCli.ServiceError;
        }
    }
}
