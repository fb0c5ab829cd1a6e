using System.ComponentModel.DataAnnotations;

namespace Pipeline.Core.Health;

/// <summary>What one dataset is expected to do; any value left null takes the default from <see cref="HealthOptions"/>.</summary>
public sealed class DatasetExpectations
{
    /// <summary>New accepted images (and annotation files) are expected at least this often, in hours.</summary>
    [Range(0.1, 24 * 366)]
    public double? CadenceHours { get; set; }

    /// <summary>Whether annotation files are expected to keep arriving (false for a dataset labelled elsewhere).</summary>
    public bool? ExpectLabels { get; set; }

    /// <summary>The volume window, in hours.</summary>
    [Range(1, 24 * 31)]
    public int? VolumeWindowHours { get; set; }
}

/// <summary>
/// The data health pillars, bound from <c>Pipeline:Health</c>. Each pillar has a threshold that raises a
/// finding; <see cref="Datasets"/> overrides the expectations per dataset
/// (<c>Pipeline:Health:Datasets:{name}:CadenceHours</c>).
/// </summary>
public sealed class HealthOptions : IValidatableObject
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Pipeline:Health";

    /// <summary>Freshness: the default expected cadence of new data, in hours.</summary>
    [Range(0.1, 24 * 366)]
    public double CadenceHours { get; set; } = 24;

    /// <summary>Freshness: whether annotation files are expected to keep arriving, by default.</summary>
    public bool ExpectLabels { get; set; } = true;

    /// <summary>Volume: the window compared with the ones before it, in hours.</summary>
    [Range(1, 24 * 31)]
    public int VolumeWindowHours { get; set; } = 24;

    /// <summary>Volume: how many earlier windows make the baseline (their median).</summary>
    [Range(3, 90)]
    public int BaselineWindows { get; set; } = 7;

    /// <summary>Volume: a window below this fraction of the baseline is a drop.</summary>
    [Range(0.0, 1.0)]
    public double VolumeDropRatio { get; set; } = 0.5;

    /// <summary>Volume: a window above this multiple of the baseline is a spike.</summary>
    [Range(1.0, 1000.0)]
    public double VolumeSpikeRatio { get; set; } = 3;

    /// <summary>Volume: a baseline below this many images per window is too thin to judge.</summary>
    [Range(1, int.MaxValue)]
    public int MinBaselineImages { get; set; } = 20;

    /// <summary>Distribution: a population stability index at or above this is drift (0.25 is the usual "act on it").</summary>
    [Range(0.0, 10.0)]
    public double DriftPsi { get; set; } = 0.25;

    /// <summary>Distribution: drift must also be unlikely to be chance: a chi-square p-value below this.</summary>
    [Range(0.0, 1.0)]
    public double DriftPValue { get; set; } = 0.01;

    /// <summary>Distribution: a batch with fewer images awaiting promotion than this is not compared.</summary>
    [Range(1, int.MaxValue)]
    public int DriftMinImages { get; set; } = 30;

    /// <summary>Lineage: accepted images waiting for promotion longer than this, in hours, are a finding.</summary>
    [Range(1, 24 * 366)]
    public double PromotionLagHours { get; set; } = 7 * 24;

    /// <summary>Orchestrations running or pending longer than this, in hours, are counted as stuck.</summary>
    [Range(1, 24 * 31)]
    public double StuckAfterHours { get; set; } = 6;

    /// <summary>How often the timer checks every dataset (the function's schedule is hourly; the local runner uses this).</summary>
    [Range(1, 24 * 60)]
    public int IntervalMinutes { get; set; } = 60;

    /// <summary>Per dataset overrides.</summary>
    public Dictionary<string, DatasetExpectations> Datasets { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Validates the per-dataset overrides too (data annotations do not look inside a dictionary).</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (dataset, expectations) in Datasets)
        {
            var results = new List<ValidationResult>();
            if (!Validator.TryValidateObject(expectations, new ValidationContext(expectations), results, validateAllProperties: true))
            {
                foreach (var result in results)
                {
                    yield return new ValidationResult($"Datasets:{dataset}: {result.ErrorMessage}", [.. result.MemberNames.Select(m => $"{nameof(Datasets)}:{dataset}:{m}")]);
                }
            }
        }
    }

    /// <summary>The expectations of one dataset, defaults filled in.</summary>
    public (double CadenceHours, bool ExpectLabels, int WindowHours) For(string dataset)
    {
        var own = Datasets.GetValueOrDefault(dataset);
        return (own?.CadenceHours ?? CadenceHours, own?.ExpectLabels ?? ExpectLabels, own?.VolumeWindowHours ?? VolumeWindowHours);
    }
}
