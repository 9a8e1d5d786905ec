using IdentityProvider.Account.Sessions;
using IdentityProvider.Audit;
using IdentityProvider.Data;

namespace IdentityProvider.Admin.Users.Actions;

/// <summary>Signs the user out everywhere: every session ends, the security stamp is renewed and tokens are revoked.</summary>
public sealed class RevokeSessionsAction(AdminActionGuard guard, UserSessions sessions, ApplicationDbContext db, AuditLog audit)
{
    public async Task<AdminActionResult> RunAsync(AdminActor actor, ApplicationUser target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(target);
        if (!await guard.MayActOnAsync(actor, target, AccountAction.RevokeSessions))
        {
            return AdminActionResult.NotAllowed;
        }

        await sessions.EndAllAsync(target, keepSessionId: null, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await audit.WriteAsync(AuditEventTypes.AdminSessionsRevoked, target.Id, AuditLog.Success, $"by {actor.Id}", cancellationToken: cancellationToken);
        return AdminActionResult.Done;
    }
}
