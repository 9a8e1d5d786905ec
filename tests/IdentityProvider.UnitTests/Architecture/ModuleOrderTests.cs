using System.Reflection;

namespace IdentityProvider.UnitTests.Architecture;

/// <summary>
/// The modules of the server depend in one direction: a module may use the modules before it in
/// <see cref="Order"/> and never one after it, so each can be read, changed and tested with only what comes
/// before it in mind. The composition root (<c>Program</c> and the pages at the root) may use every module.
/// </summary>
public sealed class ModuleOrderTests
{
    private const string Root = "IdentityProvider";

    /// <summary>The modules, each allowed to use only those before it.</summary>
    public static readonly string[] Order =
    [
        "Resilience", "Hosting", "Telemetry", "Localization", "Data", "Audit", "Messaging", "Passwords", "Lockout", "Account", "Directories", "Oidc",
        "SelfService", "Admin", "Demo", "Dev", "CompiledModels",
    ];

    private static readonly Assembly Server = typeof(IdentityProvider.Data.ApplicationDbContext).Assembly;

    [Fact]
    public void NoModule_UsesAModuleAfterIt()
    {
        var views = TypeDependencies.ViewNamespaces(Server, Root);
        var backward = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var type in Server.GetTypes())
        {
            var module = ModuleOf(TypeDependencies.NamespaceOf(type, views));
            if (module is null or Root)
            {
                continue;
            }

            var rank = Array.IndexOf(Order, module);
            foreach (var (dependency, where) in TypeDependencies.Of(type))
            {
                if (dependency.Assembly != Server)
                {
                    continue;
                }

                var used = ModuleOf(TypeDependencies.NamespaceOf(dependency, views));
                if (used is null || used == module)
                {
                    continue;
                }

                if (used == Root || Array.IndexOf(Order, used) > rank)
                {
                    backward.Add($"{module} -> {used}: {Describe(type, views)} ({where}) uses {dependency.FullName}");
                }
            }
        }

        Assert.True(backward.Count == 0,
            $"{backward.Count} uses of a later module (order: {string.Join(" → ", Order)}):\n" + string.Join('\n', backward));
    }

    [Fact]
    public void EveryModule_HasAPlaceInTheOrder()
    {
        var views = TypeDependencies.ViewNamespaces(Server, Root);
        var unplaced = Server.GetTypes()
            .Select(type => ModuleOf(TypeDependencies.NamespaceOf(type, views)))
            .Where(module => module is not null and not Root && !Order.Contains(module))
            .Distinct()
            .ToList();

        Assert.True(unplaced.Count == 0, "Modules missing from ModuleOrderTests.Order: " + string.Join(", ", unplaced));
    }

    [Fact]
    public void TheReader_SeesDependenciesInMethodBodies()
    {
        // The check above is only as good as its reading of method bodies: this type news up a StringBuilder
        // and calls a static method, neither of which appears in its signatures.
        var dependencies = TypeDependencies.Of(typeof(BodyOnly)).Select(found => found.Dependency).ToList();

        Assert.Contains(typeof(System.Text.StringBuilder), dependencies);
        Assert.Contains(typeof(Uri), dependencies);
    }

    private static string? ModuleOf(string? @namespace)
    {
        if (@namespace is null || (@namespace != Root && !@namespace.StartsWith(Root + ".", StringComparison.Ordinal)))
        {
            return null;
        }

        var parts = @namespace.Split('.');
        return parts.Length == 1 ? Root : parts[1];
    }

    private static string Describe(Type type, IReadOnlyDictionary<Type, string> views)
    {
        var outer = type;
        while (outer.DeclaringType is not null)
        {
            outer = outer.DeclaringType;
        }

        return views.ContainsKey(outer) ? "view " + outer.Name : outer.FullName ?? outer.Name;
    }

    private static class BodyOnly
    {
        public static string Build() => new System.Text.StringBuilder().Append(Uri.EscapeDataString("a b")).ToString();
    }
}
