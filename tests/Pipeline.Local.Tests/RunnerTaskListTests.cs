using System.Collections;
using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Functions;
using Pipeline.Workflows;

namespace Pipeline.Local.Tests;

/// <summary>
/// One list of tasks, proven on what the runner actually registers with its worker: every orchestration and
/// activity has a function-app adapter of the same name with the same input and output types, and vice versa.
/// </summary>
public sealed class RunnerTaskListTests
{
    /// <summary>(name, kind, input, output) of every task in a registry, read from the tasks it would create.</summary>
    private static List<TaskDescriptor> Registered(DurableTaskRegistry registry)
    {
        var tasks = new List<TaskDescriptor>();
        var provider = new ServiceCollection().BuildServiceProvider();
        foreach (var property in typeof(DurableTaskRegistry).GetProperties(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public))
        {
            // The registry keeps its factories in internal dictionaries (keyed by name, or by name and version).
            if (property.GetValue(registry) is not IDictionary dictionary || !property.PropertyType.IsGenericType
                || property.PropertyType.GetGenericArguments()[1] is not { } factory
                || (factory != typeof(Func<IServiceProvider, ITaskActivity>) && factory != typeof(Func<IServiceProvider, ITaskOrchestrator>)))
            {
                continue;
            }

            foreach (DictionaryEntry entry in dictionary)
            {
                var created = ((Delegate)entry.Value!).DynamicInvoke(provider);
                var key = entry.Key is TaskName taskName ? taskName : entry.Key.GetType().GetProperty("Name")!.GetValue(entry.Key);
                var name = key is TaskName n ? n.Name : key!.ToString()!;
                tasks.Add(created switch
                {
                    ITaskOrchestrator o => new TaskDescriptor(name, TaskKind.Orchestration, o.InputType, o.OutputType),
                    ITaskActivity a => new TaskDescriptor(name, TaskKind.Activity, a.InputType, a.OutputType),
                    _ => throw new InvalidOperationException($"{name}: {created?.GetType()}"),
                });
            }
        }

        return tasks;
    }

    private static TaskDescriptor? Adapter(MethodInfo method)
    {
        var name = method.GetCustomAttribute<FunctionAttribute>()?.Name;
        var output = method.ReturnType.IsGenericType ? method.ReturnType.GetGenericArguments()[0] : typeof(void);
        foreach (var parameter in method.GetParameters())
        {
            if (parameter.GetCustomAttribute<ActivityTriggerAttribute>() is not null)
            {
                return new TaskDescriptor(name!, TaskKind.Activity, parameter.ParameterType, output);
            }

            if (parameter.GetCustomAttribute<OrchestrationTriggerAttribute>() is not null)
            {
                return new TaskDescriptor(name!, TaskKind.Orchestration, method.GetParameters().Single(p => p != parameter).ParameterType, output);
            }
        }

        return null;
    }

    [Fact]
    public void The_runner_registers_exactly_the_tasks_the_function_app_adapts_with_the_same_types()
    {
        var registry = LocalRunner.RegisterWorkflows(new DurableTaskRegistry(), new ServiceCollection().BuildServiceProvider());
        var adapters = typeof(IngestFunctions).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Select(Adapter).OfType<TaskDescriptor>().ToList();

        var registered = Registered(registry);

        Assert.Equal(WorkflowRegistry.Tasks.Count, registered.Count);
        Assert.Equal(adapters.OrderBy(t => t.Name), registered.OrderBy(t => t.Name));
    }
}
