using IdentityProvider.Account.Sessions;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.SelfService.MultiFactor;
using IdentityProvider.SelfService.Passkeys;
using Microsoft.EntityFrameworkCore;

namespace IdentityProvider.Admin.Users.Actions;

/// <summary>
/// Removes one of the user's passkeys (a lost or stolen device): it no longer signs in or counts as a second factor.
/// The user is told by email.
/// </summary>
public sealed class RemovePasskeyAction(AdminActionGuard guard, ApplicationDbContext db, UserSessions sessions, SecondFactorNotice notice, AuditLog audit)
{
    /// <summary><see cref="AdminActionResult.Invalid"/> when the user has no passkey with that id.</summary>
    public async Task<AdminActionResult> RunAsync(AdminActor actor, ApplicationUser target, Guid passkeyId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(target);
        if (!await guard.MayActOnAsync(actor, target, AccountAction.ManageSignInMethods))
        {
            return AdminActionResult.NotAllowed;
        }

        var passkey = await db.Set<PasskeyCredential>().FirstOrDefaultAsync(p => p.Id == passkeyId && p.UserId == target.Id, cancellationToken);
        if (passkey is null)
        {
            return AdminActionResult.Invalid;
        }

        // A lost key may be in someone else's hands: every session ends and remembered browsers are forgotten.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await sessions.EndAllAsync(target, keepSessionId: null, cancellationToken);
        db.Remove(passkey);
        audit.Add(AuditEventTypes.AdminSecondFactorChanged, target.Id, AuditLog.Success, $"by {actor.Id}: passkey \"{passkey.Name}\" removed", nameof(SignInMethod.Passkey));
        notice.Add(target, $"passkey \"{passkey.Name}\"", "removed by an administrator");
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return AdminActionResult.Done;
    }
}
