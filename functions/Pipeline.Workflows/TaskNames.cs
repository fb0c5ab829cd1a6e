namespace Pipeline.Workflows;

/// <summary>
/// The one list of orchestrations and activities. Both hosts register exactly these names (the function
/// app through its adapters, the local runner and tests through <see cref="WorkflowRegistry"/>); a test
/// holds the two lists equal.
/// </summary>
public static class TaskNames
{
    public const string ReconcileBatch = nameof(ReconcileBatch);

    public const string FindUnjudgedBlobs = nameof(FindUnjudgedBlobs);

    public const string IngestIncomingBlob = nameof(IngestIncomingBlob);

    public const string LabelQa = nameof(LabelQa);

    public const string LabelQaUnits = nameof(LabelQaUnits);

    public const string PlanLabelQa = nameof(PlanLabelQa);

    public const string CheckLabelUnit = nameof(CheckLabelUnit);

    public const string FinishLabelQa = nameof(FinishLabelQa);

    public const string Promote = nameof(Promote);

    public const string PromoteChunks = nameof(PromoteChunks);

    public const string PlanPromotion = nameof(PlanPromotion);

    public const string PromoteChunk = nameof(PromoteChunk);

    public const string WriteVersion = nameof(WriteVersion);

    public const string PublishVersion = nameof(PublishVersion);

    public const string FinishPromotion = nameof(FinishPromotion);

    public const string EmitLineage = nameof(EmitLineage);

    public const string CheckHealth = nameof(CheckHealth);

    public const string ListDatasets = nameof(ListDatasets);

    public const string CheckDatasetHealth = nameof(CheckDatasetHealth);

    public const string Backfill = nameof(Backfill);

    public const string PlanBackfill = nameof(PlanBackfill);

    public const string CheckBackfillChunk = nameof(CheckBackfillChunk);

    public const string FinishBackfill = nameof(FinishBackfill);
}
