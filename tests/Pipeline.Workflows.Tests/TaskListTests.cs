using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Pipeline.Functions;

namespace Pipeline.Workflows.Tests;

/// <summary>One list of tasks: every orchestration and activity the workers register has a Functions adapter of the same name and types, and vice versa.</summary>
public sealed class TaskListTests
{
    private static readonly IReadOnlyList<TaskDescriptor> Adapters =
    [
        .. typeof(IngestFunctions).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Select(Describe)
            .OfType<TaskDescriptor>(),
    ];

    private static TaskDescriptor? Describe(MethodInfo method)
    {
        var name = method.GetCustomAttribute<FunctionAttribute>()?.Name;
        if (name is null)
        {
            return null;
        }

        var output = method.ReturnType.IsGenericType ? method.ReturnType.GetGenericArguments()[0] : typeof(void);
        foreach (var parameter in method.GetParameters())
        {
            if (parameter.GetCustomAttribute<ActivityTriggerAttribute>() is not null)
            {
                return new TaskDescriptor(name, TaskKind.Activity, parameter.ParameterType, output);
            }

            if (parameter.GetCustomAttribute<OrchestrationTriggerAttribute>() is not null)
            {
                Assert.Equal(typeof(TaskOrchestrationContext), parameter.ParameterType);
                var input = method.GetParameters().Single(p => p != parameter).ParameterType;
                return new TaskDescriptor(name, TaskKind.Orchestration, input, output);
            }
        }

        return null;
    }

    [Fact]
    public void Every_registered_task_has_an_adapter_with_the_same_name_and_types_and_vice_versa()
    {
        Assert.NotEmpty(WorkflowRegistry.Tasks);
        Assert.Equal(WorkflowRegistry.Tasks.OrderBy(t => t.Name), Adapters.OrderBy(t => t.Name));
    }
}
