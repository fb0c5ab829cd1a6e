using Pipeline.Cli;

return await PipelineCli.RunAsync(args, Console.Out, Console.Error);
