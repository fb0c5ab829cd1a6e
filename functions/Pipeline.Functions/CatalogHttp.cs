using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Pipeline.Workflows.Promotion;

namespace Pipeline.Functions;

/// <summary>The look-up routes (docs/api.md): the datasets, and a dataset's images by what the pipeline knows of them.</summary>
public sealed class CatalogHttp(CatalogApi api)
{
    [Function(nameof(ListAllDatasets))]
    public async Task<IActionResult> ListAllDatasets(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "datasets")] HttpRequest request, CancellationToken cancellationToken) =>
        DatasetHttp.Translate(await api.ListDatasetsAsync(cancellationToken));

    [Function(nameof(QueryCatalog))]
    public async Task<IActionResult> QueryCatalog(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "datasets/{dataset}/catalog")] HttpRequest request, string dataset, CancellationToken cancellationToken) =>
        DatasetHttp.Translate(await api.QueryAsync(
            dataset, Query(request, "batch"), Query(request, "status"), Query(request, "finding"), Query(request, "label"), Query(request, "limit"), cancellationToken));

    private static string? Query(HttpRequest request, string name) => request.Query[name].FirstOrDefault();
}
