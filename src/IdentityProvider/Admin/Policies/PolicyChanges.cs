using System.Globalization;

namespace IdentityProvider.Admin.Policies;

/// <summary>Copies edited settings onto a stored policy and lists each change as "area.Setting: old → new" for the audit trail.</summary>
internal sealed class PolicyChanges(string area)
{
    private readonly List<string> changes = [];

    public IReadOnlyList<string> All => changes;

    public void Set<T>(string name, T before, T after, Action<T> assign)
    {
        if (!EqualityComparer<T>.Default.Equals(before, after))
        {
            changes.Add(string.Create(CultureInfo.InvariantCulture, $"{area}.{name}: {Show(before)} → {Show(after)}"));
            assign(after);
        }
    }

    private static string Show<T>(T value) => value is null ? "none" : string.Create(CultureInfo.InvariantCulture, $"{value}");
}
