using IdentityProvider.Data;

namespace IdentityProvider.Admin.Users;

/// <summary>The one user search of the admin page and the API: username, email or name contains the term, any case.</summary>
internal static class UserSearch
{
    public static IQueryable<ApplicationUser> Filter(IQueryable<ApplicationUser> users, string? term)
    {
        if (string.IsNullOrWhiteSpace(term))
        {
            return users;
        }

        var upper = term.Trim().ToUpperInvariant();
#pragma warning disable CA1304, CA1311, CA1862 // Translated to SQL UPPER(...) LIKE; no .NET culture is involved.
        return users.Where(u => u.NormalizedUserName!.Contains(upper) || u.NormalizedEmail!.Contains(upper)
            || ((u.GivenName ?? string.Empty) + " " + (u.FamilyName ?? string.Empty)).ToUpper().Contains(upper));
#pragma warning restore CA1304, CA1311, CA1862
    }
}
