namespace Pipeline.Cli;

/// <summary>The files a command works on: one file, or every file under a folder (hidden ones left out), in a stable order.</summary>
internal static class FileSet
{
    /// <summary>Side files that are neither images nor annotations.</summary>
    private static readonly HashSet<string> Skipped = new(StringComparer.OrdinalIgnoreCase) { ".jsonl", ".csv", ".md", ".html", ".pdf" };

    /// <summary>The images, the annotation files (COCO .json, VOC .xml, YOLO .txt with classes.txt or data.yaml), and how many other files were left out.</summary>
    public static (List<(string FullPath, string RelativePath)> Images, List<(string FullPath, string RelativePath)> Labels, int Skipped) Collect(string path)
    {
        if (File.Exists(path))
        {
            List<(string, string)> one = [(Path.GetFullPath(path), Path.GetFileName(path))];
            return Pipeline.Core.Labels.LabelFiles.IsLabelFile(path) ? ([], one, 0) : (one, [], 0);
        }

        var root = Path.GetFullPath(path);
        var images = new List<(string, string)>();
        var labels = new List<(string, string)>();
        var skipped = 0;
        foreach (var file in Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.Hidden }))
        {
            var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
            if (relative.Split('/').Any(segment => segment.StartsWith('.')))
            {
                continue;
            }

            if (Skipped.Contains(Path.GetExtension(file)))
            {
                skipped++;
                continue;
            }

            (Pipeline.Core.Labels.LabelFiles.IsLabelFile(file) ? labels : images).Add((file, relative));
        }

        images.Sort((a, b) => string.CompareOrdinal(a.Item2, b.Item2));
        labels.Sort((a, b) => string.CompareOrdinal(a.Item2, b.Item2));
        return (images, labels, skipped);
    }
}
