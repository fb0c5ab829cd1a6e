using System.CommandLine;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Pipeline.Cli;

/// <summary>
/// <c>pipeline up</c>, <c>down</c> and <c>ps</c>: a background local stack on the workspace (Azurite over its data and a
/// runner on its task hub) for other clients (the SDKs, Storage Explorer, azcopy, a notebook) and for every command,
/// which then use it instead of starting their own. <c>down</c> stops it by its recorded PID and leaves the data.
/// </summary>
internal static class StackCommands
{
    public static IEnumerable<Command> Create(TextWriter output, TextWriter error)
    {
        yield return Up(output, error);
        yield return Down(output, error);
        yield return Ps(output, error);
        yield return Serve(output, error);
    }

    private static Option<string?> HomeOption() => new("--home") { Description = "The workspace (default .pipeline/ here, or PIPELINE_HOME)." };

    private static Option<bool> JsonOption() => new("--json") { Description = "Print one JSON document instead of text (for scripts)." };

    private static Command Up(TextWriter output, TextWriter error)
    {
        var home = HomeOption();
        var json = JsonOption();
        var command = new Command("up", "Start the workspace's local stack in the background (Azurite and the runner); prints the storage connection and the API URL.") { home, json };
        command.SetAction(async (parsed, ct) =>
        {
            var terminal = new Terminal(output, error, parsed.GetValue(json));
            var workspace = Workspace.Open(parsed.GetValue(home));
            if (await LiveAsync(workspace, ct) is { } running)
            {
                await PrintStackAsync(terminal, workspace, running, $"Already running on {workspace.Home}.");
                return PipelineCli.Accepted;
            }

            if (AzuriteProcess.Locate() is null)
            {
                await error.WriteLineAsync(AzuriteProcess.InstallHint);
                return PipelineCli.ServiceError;
            }

            // The stack runs in a process of its own (its own session: closing this terminal does not stop it).
            var (file, prefix) = Self();
            var info = new ProcessStartInfo(File.Exists("/usr/bin/setsid") ? "/usr/bin/setsid" : file) { UseShellExecute = false, RedirectStandardInput = true };
            if (info.FileName != file)
            {
                info.ArgumentList.Add(file);
            }

            foreach (var arg in prefix.Concat(["__stack", "--home", workspace.Home]))
            {
                info.ArgumentList.Add(arg);
            }

            using var process = Process.Start(info) ?? throw new InvalidOperationException("The stack process did not start.");
            var deadline = DateTimeOffset.UtcNow.AddMinutes(2);
            while (DateTimeOffset.UtcNow < deadline)
            {
                if (workspace.ReadStack() is { Owner: "up" } stack && stack.Pid == process.Id && await WorkspaceStack.AnswersAsync(stack.RunnerUrl, ct))
                {
                    await PrintStackAsync(terminal, workspace, stack, $"Started on {workspace.Home} (pid {stack.Pid}); 'pipeline down' stops it, the data stays.");
                    return PipelineCli.Accepted;
                }

                if (process.HasExited)
                {
                    break;
                }

                await Task.Delay(200, ct);
            }

            await error.WriteLineAsync($"The stack did not come up; its log: {workspace.LogFile}");
            await error.WriteLineAsync(File.Exists(workspace.LogFile) ? string.Join(Environment.NewLine, File.ReadLines(workspace.LogFile).TakeLast(20)) : "(no log)");
            return PipelineCli.ServiceError;
        });
        return command;
    }

    private static Command Down(TextWriter output, TextWriter error)
    {
        var home = HomeOption();
        var command = new Command("down", "Stop the workspace's background stack by its recorded PID (waits for it); the data stays.") { home };
        command.SetAction(async (parsed, ct) =>
        {
            var workspace = Workspace.Open(parsed.GetValue(home));
            if (workspace.ReadStack() is not { } stack || !Workspace.Alive(stack.Pid))
            {
                if (workspace.ReadStack() is { } stale)
                {
                    if (AzuriteProcess.IsAzurite(stale.AzuritePid))
                    {
                        AzuriteProcess.Stop(stale.AzuritePid); // its owner died; Azurite may still run
                    }

                    workspace.ClearStack(stale);
                }

                await output.WriteLineAsync($"Nothing runs on {workspace.Home}.");
                return PipelineCli.Accepted;
            }

            if (stack.Owner != "up")
            {
                await error.WriteLineAsync($"The stack on {workspace.Home} belongs to a running command (pid {stack.Pid}); it stops when that command ends.");
                return PipelineCli.UsageError;
            }

            Signals.Terminate(stack.Pid);
            var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
            while (Workspace.Alive(stack.Pid) && DateTimeOffset.UtcNow < deadline)
            {
                await Task.Delay(200, ct);
            }

            if (Workspace.Alive(stack.Pid))
            {
                using var stuck = Process.GetProcessById(stack.Pid);
                stuck.Kill(entireProcessTree: true);
                AzuriteProcess.Stop(stack.AzuritePid);
                workspace.ClearStack(stack);
            }

            await output.WriteLineAsync($"Stopped the stack on {workspace.Home}; its data stays in {workspace.AzuriteData}.");
            return PipelineCli.Accepted;
        });
        return command;
    }

    private static Command Ps(TextWriter output, TextWriter error)
    {
        var home = HomeOption();
        var json = JsonOption();
        var command = new Command("ps", "What runs on the workspace: the stack's owner, PIDs, API URL and Azurite ports.") { home, json };
        command.SetAction(async (parsed, ct) =>
        {
            var terminal = new Terminal(output, error, parsed.GetValue(json));
            var workspace = Workspace.Open(parsed.GetValue(home));
            if (await LiveAsync(workspace, ct) is { } stack)
            {
                await PrintStackAsync(terminal, workspace, stack, $"Running on {workspace.Home} since {stack.StartedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC, owned by {(stack.Owner == "up" ? "'pipeline up'" : "a command")} (pid {stack.Pid}; Azurite pid {stack.AzuritePid}, {stack.Azurite}).");
            }
            else if (terminal.Json)
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(new { home = workspace.Home, running = false }));
            }
            else
            {
                await output.WriteLineAsync($"Nothing runs on {workspace.Home}.");
            }

            return PipelineCli.Accepted;
        });
        return command;
    }

    /// <summary>The hidden command <c>up</c> starts in the background: hosts the stack until SIGTERM (down) or SIGINT.</summary>
    private static Command Serve(TextWriter output, TextWriter error)
    {
        var home = HomeOption();
        var command = new Command("__stack", "Host the workspace's stack until stopped (started by 'pipeline up').") { home };
        command.Hidden = true;
        command.SetAction(async (parsed, ct) =>
        {
            var workspace = Workspace.Open(parsed.GetValue(home));
            using var log = new StreamWriter(workspace.LogFile, append: true) { AutoFlush = true };
            var stopped = new TaskCompletionSource();
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stopped.TrySetResult(); });
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stopped.TrySetResult(); });
            try
            {
                await using var stack = await WorkspaceStack.OpenAsync(workspace, "up", log.WriteLineAsync, ct);
                if (!stack.Owned)
                {
                    await log.WriteLineAsync($"{DateTimeOffset.UtcNow:O} a stack already runs (pid {stack.Stack.Pid}); nothing started.");
                    return PipelineCli.Accepted;
                }

                await log.WriteLineAsync($"{DateTimeOffset.UtcNow:O} up: API {stack.Stack.RunnerUrl}, pid {Environment.ProcessId}, Azurite pid {stack.Stack.AzuritePid}");
                await stopped.Task.WaitAsync(ct);
                await log.WriteLineAsync($"{DateTimeOffset.UtcNow:O} stopping");
            }
            catch (Exception ex) when (ex is WorkspaceException or InvalidOperationException)
            {
                await log.WriteLineAsync($"{DateTimeOffset.UtcNow:O} {ex.Message}");
                return PipelineCli.ServiceError;
            }

            await log.WriteLineAsync($"{DateTimeOffset.UtcNow:O} stopped");
            return PipelineCli.Accepted;
        });
        return command;
    }

    /// <summary>The stack running on the workspace and answering, or null.</summary>
    private static async Task<StackFile?> LiveAsync(Workspace workspace, CancellationToken ct) =>
        workspace.ReadStack() is { } stack && Workspace.Alive(stack.Pid) && await WorkspaceStack.AnswersAsync(stack.RunnerUrl, ct) ? stack : null;

    private static async Task PrintStackAsync(Terminal terminal, Workspace workspace, StackFile stack, string headline)
    {
        var connection = workspace.Connection(stack);
        var token = workspace.Settings().Token;
        if (terminal.Json)
        {
            await terminal.Output.WriteLineAsync(JsonSerializer.Serialize(new { home = workspace.Home, running = true, api = stack.RunnerUrl, token, connection, pid = stack.Pid, owner = stack.Owner, azuritePid = stack.AzuritePid, azurite = stack.Azurite }));
            return;
        }

        await terminal.LineAsync(headline);
        await terminal.LineAsync($"API:     {stack.RunnerUrl} (send 'Authorization: Bearer <token>'; the token is in {Path.Combine(workspace.Home, "settings.json")})");
        await terminal.LineAsync($"Storage: {connection}");
        await terminal.LineAsync($"For other clients: export PIPELINE_API='{stack.RunnerUrl}' PIPELINE_API_TOKEN='{token}' PipelineStorage='{connection}'");
    }

    /// <summary>How to start this program again: the host and the assembly under <c>dotnet</c>, or the program itself.</summary>
    private static (string File, string[] Prefix) Self()
    {
        var process = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot tell which program runs.");
        return Path.GetFileNameWithoutExtension(process) == "dotnet" ? (process, [typeof(StackCommands).Assembly.Location]) : (process, []);
    }
}
