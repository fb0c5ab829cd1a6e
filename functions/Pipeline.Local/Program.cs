await Pipeline.Local.LocalRunner.RunAsync(args);
