using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Hosting;
using Pipeline.Storage;
using Pipeline.Workflows;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddPipelineWorkflows(builder.Configuration);
builder.Services.AddPipelineTelemetry(builder.Configuration).UseFunctionsWorkerDefaults();
builder.Build().Run();
