using Pipeline.Core.Findings;

namespace Pipeline.Core.Images;

/// <summary>
/// Duplicates within one set of images inspected together (a folder given to <c>pipeline validate</c>): the
/// first image (in the given order) of each group is the original; every later one gets a finding naming it.
/// Exact: equal SHA-256 or equal decoded pixels. Near: perceptual hashes within the configured distance, found
/// with the same <see cref="NearDuplicateIndex"/> ingest uses (in memory here), so a folder of a million images
/// is not compared pair by pair.
/// </summary>
public static class FolderDuplicates
{
    /// <summary>The extra findings per index into <paramref name="images"/>.</summary>
    /// <param name="images">Each image's path and inspection, in the order that decides which is first.</param>
    /// <param name="nearDistance">Largest Hamming distance between pHashes that counts as a near duplicate.</param>
    /// <param name="cancellationToken">Stops the search.</param>
    public static async Task<Dictionary<int, List<Finding>>> FindAsync(IReadOnlyList<(string Path, ImageInspection Inspection)> images, int nearDistance, CancellationToken cancellationToken)
    {
        var findings = new Dictionary<int, List<Finding>>();
        void Add(int index, Finding finding) => (findings.TryGetValue(index, out var list) ? list : findings[index] = []).Add(finding);

        var firstBySha = new Dictionary<string, string>(StringComparer.Ordinal);
        var firstByPixels = new Dictionary<string, string>(StringComparer.Ordinal);
        var near = new NearDuplicateIndex(new InMemoryNearHashStore());
        for (var i = 0; i < images.Count; i++)
        {
            var (path, inspection) = images[i];
            if (inspection.Status != InspectionStatus.Accepted)
            {
                continue;
            }

            if (firstBySha.TryGetValue(inspection.Sha256, out var sameBytes))
            {
                Add(i, new Finding(FindingCodes.ImageExactDuplicate, Severity.Warning, null, null, $"The same bytes as '{sameBytes}'.", sameBytes));
                continue;
            }

            firstBySha[inspection.Sha256] = path;
            if (inspection.Quality is not { } quality)
            {
                continue;
            }

            if (firstByPixels.TryGetValue(quality.PixelHash, out var samePixels))
            {
                Add(i, new Finding(FindingCodes.ImageExactDuplicate, Severity.Warning, null, null, $"The same pixels as '{samePixels}' (in a different file).", samePixels));
                continue;
            }

            firstByPixels[quality.PixelHash] = path;
            if (await near.AddAndFindAsync(string.Empty, NearDuplicates.ParseHash(quality.PerceptualHash), inspection.Sha256, path, nearDistance, cancellationToken) is { } match)
            {
                Add(i, new Finding(FindingCodes.ImageNearDuplicate, Severity.Warning, match.Distance, nearDistance, $"Nearly the same picture as '{match.Name}' ({match.Distance} of 64 hash bits differ).", match.Name));
            }
        }

        return findings;
    }
}
