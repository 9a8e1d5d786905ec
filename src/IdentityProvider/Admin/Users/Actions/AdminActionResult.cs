namespace IdentityProvider.Admin.Users.Actions;

/// <summary>
/// How an account action ended, the one result of every action in this folder (an action that also hands back a value,
/// such as a temporary password or the created user, returns it next to this).
/// </summary>
public enum AdminActionResult
{
    Done,

    /// <summary>The staff permission table does not allow this actor this action on this account (see <see cref="StaffPermissions"/>).</summary>
    NotAllowed,

    /// <summary>The last enabled administrator cannot be disabled.</summary>
    LastAdministrator,

    /// <summary>The request was invalid; nothing was changed.</summary>
    Invalid,

    Failed,
}
