using System.Reflection;
using System.Reflection.Emit;
using Microsoft.AspNetCore.Razor.Hosting;

namespace IdentityProvider.UnitTests.Architecture;

/// <summary>
/// Reads, by reflection, every type a compiled type depends on: its base type and interfaces, the types of its
/// fields, properties, events and method signatures, its attributes, its local variables, and every type, method
/// and field its method bodies name (read from the IL). Compiler-generated types (lambdas, async state machines)
/// are nested in the type that wrote them, so their dependencies count for that type. Constants are inlined by the
/// compiler and cannot be seen.
/// </summary>
internal static class TypeDependencies
{
    private const BindingFlags Everything =
        BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(field => (OpCode)field.GetValue(null)!)
        .ToDictionary(code => code.Value);

    /// <summary>The module a type belongs to: the folder of its Razor file for a compiled view, else its namespace.</summary>
    public static string? NamespaceOf(Type type, IReadOnlyDictionary<Type, string> viewNamespaces)
    {
        var outer = type;
        while (outer.DeclaringType is not null)
        {
            outer = outer.DeclaringType;
        }

        return viewNamespaces.TryGetValue(outer, out var viewNamespace) ? viewNamespace : outer.Namespace;
    }

    /// <summary>
    /// Compiled Razor views and pages, each named by the namespace of the folder its file lives in. The layout
    /// and partials in <c>Shared/</c> are the host's frame around every page, so they count as the root.
    /// </summary>
    public static IReadOnlyDictionary<Type, string> ViewNamespaces(Assembly assembly, string rootNamespace) =>
        assembly.GetCustomAttributes<RazorCompiledItemAttribute>().ToDictionary(
            item => item.Type,
            item =>
            {
                var folders = item.Identifier.Trim('/').Split('/')[..^1];
                return folders.Length == 0 || folders[0] == "Shared" ? rootNamespace : rootNamespace + "." + string.Join('.', folders);
            });

    /// <summary>Every type <paramref name="type"/> names, with a word on where, for a readable failure.</summary>
    public static IEnumerable<(Type Dependency, string Where)> Of(Type type)
    {
        var found = new List<(Type, string)>();
        void Add(Type? dependency, string where)
        {
            foreach (var each in Unwrap(dependency))
            {
                found.Add((each, where));
            }
        }

        Add(type.BaseType, "base type");
        foreach (var contract in type.GetInterfaces())
        {
            Add(contract, "interface");
        }

        AddAttributes(type.CustomAttributes, "attribute", Add);
        foreach (var field in type.GetFields(Everything))
        {
            Add(field.FieldType, $"field {field.Name}");
        }

        foreach (var property in type.GetProperties(Everything))
        {
            Add(property.PropertyType, $"property {property.Name}");
            AddAttributes(property.CustomAttributes, $"property {property.Name}", Add);
        }

        foreach (var @event in type.GetEvents(Everything))
        {
            Add(@event.EventHandlerType, $"event {@event.Name}");
        }

        foreach (var method in type.GetMethods(Everything).Cast<MethodBase>().Concat(type.GetConstructors(Everything)))
        {
            var where = method.Name;
            if (method is MethodInfo info)
            {
                Add(info.ReturnType, where);
            }

            foreach (var parameter in method.GetParameters())
            {
                Add(parameter.ParameterType, where);
                AddAttributes(parameter.CustomAttributes, where, Add);
            }

            AddAttributes(method.CustomAttributes, where, Add);
            AddBody(method, where, Add);
        }

        return found;
    }

    private static void AddAttributes(IEnumerable<CustomAttributeData> attributes, string where, Action<Type?, string> add)
    {
        foreach (var attribute in attributes)
        {
            add(attribute.AttributeType, where);
            foreach (var argument in attribute.ConstructorArguments.Concat(attribute.NamedArguments.Select(named => named.TypedValue)))
            {
                if (argument.Value is Type named)
                {
                    add(named, where);
                }
            }
        }
    }

    private static void AddBody(MethodBase method, string where, Action<Type?, string> add)
    {
        var body = method.GetMethodBody();
        if (body is null)
        {
            return;
        }

        foreach (var local in body.LocalVariables)
        {
            add(local.LocalType, where);
        }

        var il = body.GetILAsByteArray() ?? [];
        var module = method.Module;
        Type[]? typeArguments = method.DeclaringType?.IsGenericType == true ? method.DeclaringType.GetGenericArguments() : null;
        Type[]? methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (var position = 0; position < il.Length;)
        {
            var value = (short)il[position++];
            if (value == 0xFE)
            {
                value = unchecked((short)(0xFE00 | il[position++]));
            }

            var code = OpCodesByValue[value];
            switch (code.OperandType)
            {
                case OperandType.InlineMethod:
                case OperandType.InlineField:
                case OperandType.InlineType:
                case OperandType.InlineTok:
                    var token = BitConverter.ToInt32(il, position);
                    var member = Resolve(module, token, typeArguments, methodArguments);
                    if (member is Type named)
                    {
                        add(named, where);
                    }
                    else if (member is not null)
                    {
                        add(member.DeclaringType, where);
                        if (member is MethodInfo called)
                        {
                            add(called.ReturnType, where);
                            foreach (var argument in called.IsGenericMethod ? called.GetGenericArguments() : [])
                            {
                                add(argument, where);
                            }
                        }
                        else if (member is FieldInfo field)
                        {
                            add(field.FieldType, where);
                        }
                    }

                    position += 4;
                    break;
                case OperandType.InlineSwitch:
                    var count = BitConverter.ToInt32(il, position);
                    position += 4 + (4 * count);
                    break;
                default:
                    position += OperandSize(code.OperandType);
                    break;
            }
        }
    }

    private static MemberInfo? Resolve(Module module, int token, Type[]? typeArguments, Type[]? methodArguments)
    {
        try
        {
            return module.ResolveMember(token, typeArguments, methodArguments);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static int OperandSize(OperandType operand) => operand switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        _ => 4,
    };

    private static IEnumerable<Type> Unwrap(Type? type)
    {
        if (type is null || type.IsGenericParameter)
        {
            yield break;
        }

        if (type.HasElementType)
        {
            foreach (var element in Unwrap(type.GetElementType()))
            {
                yield return element;
            }

            yield break;
        }

        if (type.IsGenericType && !type.IsGenericTypeDefinition)
        {
            yield return type.GetGenericTypeDefinition();
            foreach (var argument in type.GetGenericArguments().SelectMany(Unwrap))
            {
                yield return argument;
            }

            yield break;
        }

        yield return type;
    }
}
