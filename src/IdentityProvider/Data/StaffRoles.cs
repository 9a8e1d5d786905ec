namespace IdentityProvider.Data;

/// <summary>
/// The staff roles an account can hold, kept with the user they describe. What each role may do is the admin
/// module's permission table; other modules only ask whether an account is staff (e.g. to demand more proof).
/// </summary>
public static class StaffRoles
{
    public const string Administrator = "Administrator";
    public const string Helpdesk = "Helpdesk";
    public const string Auditor = "Auditor";

    /// <summary>Every staff role, most privileged first.</summary>
    public static IReadOnlyList<string> All { get; } = [Administrator, Helpdesk, Auditor];

    /// <summary>The kind of an account holding <paramref name="roles"/>: its most privileged staff role.</summary>
    public static AccountKind KindOf(IEnumerable<string> roles)
    {
        ArgumentNullException.ThrowIfNull(roles);
        var held = roles.ToHashSet(StringComparer.Ordinal);
        return held.Contains(Administrator) ? AccountKind.Administrator
            : held.Contains(Helpdesk) ? AccountKind.Helpdesk
            : held.Contains(Auditor) ? AccountKind.Auditor
            : AccountKind.Ordinary;
    }
}

/// <summary>An account by the most privileged staff role it holds.</summary>
public enum AccountKind
{
    /// <summary>No staff role.</summary>
    Ordinary,
    Auditor,
    Helpdesk,
    Administrator,
}
