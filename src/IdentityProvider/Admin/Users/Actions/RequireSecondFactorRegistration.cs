using IdentityProvider.Account.Sessions;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.Passwords;
using IdentityProvider.SelfService.MultiFactor;
using IdentityProvider.SelfService.Passkeys;
using Microsoft.EntityFrameworkCore;

namespace IdentityProvider.Admin.Users.Actions;

/// <summary>
/// Starts the user's second factor over (a phone and its passkeys lost together, or methods someone else may hold):
/// removes the authenticator app, every passkey and every backup code, and marks the account as having to register a
/// method, so the next sign-in asks for one (within the multi-factor policy's grace days, counted from now). The
/// verified mobile and alternate email stay: they are contact data, changed in the profile. Every session ends and
/// every remembered browser is forgotten, so whoever holds the old methods is out. The user is told by email.
/// </summary>
public sealed class RequireSecondFactorRegistrationAction(
    AdminActionGuard guard, ApplicationUserManager users, ApplicationDbContext db, UserSessions sessions, SecondFactorNotice notice, AuditLog audit, TimeProvider time)
{
    public async Task<AdminActionResult> RunAsync(AdminActor actor, ApplicationUser target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(target);
        if (!await guard.MayActOnAsync(actor, target, AccountAction.ManageSignInMethods))
        {
            return AdminActionResult.NotAllowed;
        }

        // Whoever held the old methods is signed out everywhere and their remembered browsers are forgotten (a new stamp).
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await sessions.EndAllAsync(target, keepSessionId: null, cancellationToken);
        var passkeys = await db.Set<PasskeyCredential>().Where(p => p.UserId == target.Id).ToListAsync(cancellationToken);
        var codes = await db.Set<BackupCode>().Where(c => c.UserId == target.Id).ToListAsync(cancellationToken);
        var removed = new List<string>();
        if (target.AuthenticatorSecretProtected is not null)
        {
            removed.Add("authenticator app");
        }

        if (passkeys.Count > 0)
        {
            removed.Add(passkeys.Count == 1 ? "1 passkey" : $"{passkeys.Count} passkeys");
        }

        if (codes.Count > 0)
        {
            removed.Add("backup codes");
        }

        (target.AuthenticatorSecretProtected, target.AuthenticatorRegisteredAt, target.AuthenticatorLastStep) = (null, null, null);
        target.MultiFactorGraceStartedAt = time.GetUtcNow();
        db.RemoveRange(passkeys);
        db.RemoveRange(codes);
        audit.Add(AuditEventTypes.AdminSecondFactorChanged, target.Id, AuditLog.Success,
            $"by {actor.Id}: re-registration required; removed: {(removed.Count == 0 ? "nothing" : string.Join(", ", removed))}");
        notice.Add(target, "second factor", "reset by an administrator: you will be asked to set one up at your next sign-in");

        // Saves the user (concurrency-checked) and, with it, the removals, the audit event and the notice.
        var result = await users.UpdateAsync(target);
        if (!result.Succeeded)
        {
            return AdminActionResult.Failed;
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return AdminActionResult.Done;
    }
}
