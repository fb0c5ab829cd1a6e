namespace Pipeline.Cli;

/// <summary>The files a command works on: one file, or every file under a folder (hidden ones left out), in a stable order.</summary>
internal static class FileSet
{
    /// <summary>Annotation and side files: label QA checks these; the image guard does not.</summary>
    private static readonly HashSet<string> NotImages = new(StringComparer.OrdinalIgnoreCase)
    {
        ".json", ".jsonl", ".txt", ".xml", ".yaml", ".yml", ".csv", ".md",
    };

    public static (List<(string FullPath, string RelativePath)> Images, int Skipped) Collect(string path)
    {
        if (File.Exists(path))
        {
            return ([(Path.GetFullPath(path), Path.GetFileName(path))], 0);
        }

        var root = Path.GetFullPath(path);
        var images = new List<(string, string)>();
        var skipped = 0;
        foreach (var file in Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.Hidden }))
        {
            var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
            if (relative.Split('/').Any(segment => segment.StartsWith('.')))
            {
                continue;
            }

            if (NotImages.Contains(Path.GetExtension(file)))
            {
                skipped++;
                continue;
            }

            images.Add((file, relative));
        }

        images.Sort((a, b) => string.CompareOrdinal(a.Item2, b.Item2));
        return (images, skipped);
    }
}
