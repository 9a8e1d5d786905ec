using IdentityProvider.Data;

namespace IdentityProvider.Admin.Users;

/// <summary>What staff do to an account in the admin pages and the admin API.</summary>
public enum AccountAction
{
    /// <summary>Open the account's details: state, roles, groups, contact data, recovery methods (masked). Audited.</summary>
    View,

    /// <summary>Create an account (it starts without a staff role).</summary>
    Create,

    /// <summary>Change the name and the contact and recovery data (primary and alternate email, mobile, office phone).</summary>
    EditProfile,

    ResetPassword,
    Unlock,
    RevokeSessions,

    /// <summary>Disable or enable the account.</summary>
    SetEnabled,

    /// <summary>Remove a lost authenticator app, so the user can set up a new one (the user is told by email).</summary>
    RemoveAuthenticator,

    /// <summary>
    /// Remove a lost passkey, delete the backup codes, or require the second factor to be registered again (the user is
    /// told by email).
    /// </summary>
    ManageSignInMethods,

    SetRoles,
    SetGroups,
    SetPasswordManagedExternally,
}

/// <summary>
/// Least privilege as one table: what each staff role may do to which kind of account. The helpdesk acts only on
/// accounts without any staff role; auditors act on no account; administrators act on every account; nobody acts on an
/// account with more privilege than their own. Roles, groups and "managed elsewhere" are administrators' alone.
/// Every account action asks this table first (<see cref="Actions.AdminActionGuard"/>), for the pages and the API alike; Admin/README.md
/// shows it as a table.
/// </summary>
public static class StaffPermissions
{
    private static readonly HashSet<AccountAction> HelpdeskActions =
    [
        AccountAction.View, AccountAction.Create, AccountAction.EditProfile, AccountAction.ResetPassword,
        AccountAction.Unlock, AccountAction.RevokeSessions, AccountAction.SetEnabled, AccountAction.RemoveAuthenticator,
        AccountAction.ManageSignInMethods,
    ];

    /// <summary>Whether <paramref name="actor"/> may do <paramref name="action"/> to an account of kind <paramref name="target"/>.</summary>
    public static bool Allows(AdminActor actor, AccountKind target, AccountAction action)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return actor.IsAdministrator
            || (actor.IsHelpdesk && target == AccountKind.Ordinary && HelpdeskActions.Contains(action));
    }
}
