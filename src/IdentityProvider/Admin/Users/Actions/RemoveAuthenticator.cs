using IdentityProvider.Account.Sessions;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.SelfService;
using IdentityProvider.SelfService.MultiFactor;
using IdentityProvider.SelfService.SecurityInfo;

namespace IdentityProvider.Admin.Users.Actions;

/// <summary>
/// Removes a lost authenticator app so the user can set up a new one (which otherwise needs a code from the old one).
/// The user is told by email, as for any change of their recovery methods.
/// </summary>
public sealed class RemoveAuthenticatorAction(AdminActionGuard guard, SecurityInfoChanges securityInfo, ApplicationDbContext db, UserSessions sessions, AuditLog audit)
{
    public async Task<AdminActionResult> RunAsync(AdminActor actor, ApplicationUser target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(target);
        if (!await guard.MayActOnAsync(actor, target, AccountAction.RemoveAuthenticator))
        {
            return AdminActionResult.NotAllowed;
        }

        if (target.AuthenticatorSecretProtected is null)
        {
            return AdminActionResult.Done;
        }

        // A lost phone may be in someone else's hands: every session ends and remembered browsers are forgotten.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await sessions.EndAllAsync(target, keepSessionId: null, cancellationToken);
        audit.Add(AuditEventTypes.AdminSecondFactorChanged, target.Id, AuditLog.Success, $"by {actor.Id}: authenticator app removed", nameof(SignInMethod.AuthenticatorApp));
        await securityInfo.RemoveAsync(target, RecoveryMethod.AuthenticatorApp, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return AdminActionResult.Done;
    }
}
