using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pipeline.Storage;
using Pipeline.Workflows.Ingest;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddPipelineIngest(builder.Configuration);
builder.Services.AddSingleton<ReconcileActivities>();
builder.Services.AddSingleton<Pipeline.Workflows.Labels.LabelQaActivities>();
builder.Services.AddSingleton<Pipeline.Workflows.Promotion.PromotionActivities>();
builder.Services.AddSingleton<Pipeline.Workflows.Promotion.DatasetApi>();
builder.Services.AddOptions<ReconcileOptions>().Bind(builder.Configuration.GetSection(ReconcileOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddSingleton<ReconcileScheduler>();
builder.Services.AddPipelineTelemetry(builder.Configuration).UseFunctionsWorkerDefaults();
builder.Build().Run();
