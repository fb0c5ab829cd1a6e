using Pipeline.Core.Labels;

namespace Pipeline.Cli;

/// <summary>The files of a folder sorted by role: images, annotation files, and the rest (layout files and files nothing recognises), each with its relative path.</summary>
internal sealed record CollectedFiles(
    List<(string FullPath, string RelativePath)> Images,
    List<(string FullPath, string RelativePath)> Labels,
    List<(string FullPath, string RelativePath, FileKind Kind)> Others)
{
    /// <summary>What an upload sends: images, annotation files and layout files (split lists, class lists, configs keep the dataset's layout); not unrecognised files.</summary>
    public List<(string FullPath, string RelativePath)> ToUpload() =>
        [.. Images, .. Labels, .. Others.Where(o => o.Kind.Role == FileRole.Layout).Select(o => (o.FullPath, o.RelativePath))];
}

/// <summary>The files a command works on: one file, or every file under a folder (hidden ones left out), in a stable order.</summary>
internal static class FileSet
{
    /// <summary>The files under <paramref name="path"/> by role (<see cref="DatasetFiles.ByName"/>); a text file's lines are read later.</summary>
    public static CollectedFiles Collect(string path)
    {
        var collected = new CollectedFiles([], [], []);
        if (File.Exists(path))
        {
            Add(collected, Path.GetFullPath(path), Path.GetFileName(path));
            return collected;
        }

        var root = Path.GetFullPath(path);
        foreach (var file in Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.Hidden }))
        {
            var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
            if (!relative.Split('/').Any(segment => segment.StartsWith('.')))
            {
                Add(collected, file, relative);
            }
        }

        collected.Images.Sort((a, b) => string.CompareOrdinal(a.RelativePath, b.RelativePath));
        collected.Labels.Sort((a, b) => string.CompareOrdinal(a.RelativePath, b.RelativePath));
        collected.Others.Sort((a, b) => string.CompareOrdinal(a.RelativePath, b.RelativePath));
        return collected;
    }

    private static void Add(CollectedFiles collected, string full, string relative)
    {
        var kind = DatasetFiles.ByName(relative);
        switch (kind.Role)
        {
            case FileRole.Image:
                collected.Images.Add((full, relative));
                break;
            case FileRole.Annotations:
                collected.Labels.Add((full, relative));
                break;
            default:
                collected.Others.Add((full, relative, kind));
                break;
        }
    }
}
