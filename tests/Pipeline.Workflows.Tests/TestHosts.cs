namespace Pipeline.Workflows.Tests;

/// <summary>The in-process Durable Task engine for these tests (see <see cref="Pipeline.Testing.DurableTestHosts"/>).</summary>
internal static class TestHosts
{
    /// <summary>For tests that run no label QA: the registry needs a factory, which must then never be called.</summary>
    public static Labels.LabelQaActivities NoLabelQa() => throw new InvalidOperationException("This test runs no label QA.");

    /// <summary>For tests that run no promotion (nor label QA, whose lineage events go through these activities).</summary>
    public static Promotion.PromotionActivities NoPromotion() => throw new InvalidOperationException("This test runs no promotion.");

    public static Maintenance.MaintenanceActivities NoMaintenance() => throw new InvalidOperationException("This test runs no health check or backfill.");

    public static Task<Microsoft.DurableTask.Testing.DurableTaskTestHost> StartAsync(Action<Microsoft.DurableTask.DurableTaskRegistry> configure, CancellationToken cancellationToken) =>
        Pipeline.Testing.DurableTestHosts.StartAsync(configure, cancellationToken);
}
