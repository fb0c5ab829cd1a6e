using Pipeline.Testing;

namespace Pipeline.Infra.Tests;

/// <summary>The GitHub workflows shipped for users: tests on every change, and a keyless azd deployment.</summary>
public sealed class WorkflowFileTests
{
    private static string Read(string name) => File.ReadAllText(Path.Combine(RepositoryPaths.Root, ".github", "workflows", name));

    [Fact]
    public void Build_workflow_runs_the_readme_test_command()
    {
        Assert.Contains("run: scripts/test.sh", Read("build.yml"), StringComparison.Ordinal);
    }

    [Fact]
    public void Deploy_workflow_signs_in_with_federated_credentials_and_holds_no_secret()
    {
        var deploy = Read("deploy.yml");

        Assert.Contains("id-token: write", deploy, StringComparison.Ordinal);
        Assert.Contains("--federated-credential-provider github", deploy, StringComparison.Ordinal);
        Assert.Contains("azd provision --no-prompt", deploy, StringComparison.Ordinal);
        Assert.Contains("azd deploy --no-prompt", deploy, StringComparison.Ordinal);
        Assert.Contains("AZURE_PRINCIPAL_TYPE: ServicePrincipal", deploy, StringComparison.Ordinal);
        Assert.DoesNotContain("secrets.", deploy, StringComparison.Ordinal);
        Assert.DoesNotContain("client-secret", deploy, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("creds:", deploy, StringComparison.Ordinal);
    }
}
