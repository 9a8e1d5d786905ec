using IdentityProvider.Data;
using IdentityProvider.SelfService.Passkeys;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace IdentityProvider.SelfService.MultiFactor;

/// <summary>
/// Applies the multi-factor policy to one user: whether they must prove a second factor at sign-in (staff always;
/// otherwise the policy's scope, nested groups included) and which of their registered methods count, strongest first.
/// </summary>
public sealed class MultiFactorRequirement(ApplicationDbContext db, UserManager<ApplicationUser> users, StoredPolicy<MultiFactorPolicySettings> policies, TimeProvider time)
{
    private static readonly SignInMethod[] Strength =
        [SignInMethod.Passkey, SignInMethod.AuthenticatorApp, SignInMethod.MobileText, SignInMethod.MobileCall, SignInMethod.AlternateEmail, SignInMethod.BackupCode];

    private (string UserId, bool Applies)? known;

    /// <summary>
    /// Whether <paramref name="user"/> must prove a second factor at sign-in. Answered once per request (the steps
    /// before and after the session both ask).
    /// </summary>
    public async Task<bool> AppliesAsync(ApplicationUser user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (known is { } answer && answer.UserId == user.Id)
        {
            return answer.Applies;
        }

        var applies = await DecideAsync(user, cancellationToken);
        known = (user.Id, applies);
        return applies;
    }

    private async Task<bool> DecideAsync(ApplicationUser user, CancellationToken cancellationToken)
    {
        var policy = await policies.GetAsync(cancellationToken);
        if (policy.Scope == MultiFactorScope.All)
        {
            return true;
        }

        var roles = await users.GetRolesAsync(user);
        if (roles.Any(StaffRoles.All.Contains))
        {
            return true;
        }

        if (policy.Scope != MultiFactorScope.Selected || policy.Groups.Count == 0)
        {
            return false;
        }

        return await GroupTree.IsMemberAsync(db, user.Id, policy.Groups, cancellationToken);
    }

    /// <summary>
    /// The methods <paramref name="user"/> can prove now that the policy counts, strongest first. Backup codes count
    /// only beside another method.
    /// </summary>
    public async Task<IReadOnlyList<SignInMethod>> MethodsAsync(ApplicationUser user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        var policy = await policies.GetAsync(cancellationToken);
        var hasPasskey = policy.Methods.Contains(SignInMethod.Passkey)
            && await db.Set<PasskeyCredential>().AnyAsync(p => p.UserId == user.Id, cancellationToken);
        var hasBackupCodes = policy.Methods.Contains(SignInMethod.BackupCode)
            && await db.Set<BackupCode>().AnyAsync(c => c.UserId == user.Id && c.UsedAt == null, cancellationToken);
        List<SignInMethod> methods = [.. Strength.Where(policy.Methods.Contains).Where(method => method switch
        {
            SignInMethod.Passkey => hasPasskey,
            SignInMethod.AuthenticatorApp => !string.IsNullOrEmpty(user.AuthenticatorSecretProtected),
            SignInMethod.MobileText or SignInMethod.MobileCall => !string.IsNullOrEmpty(user.MobilePhone),
            SignInMethod.AlternateEmail => !string.IsNullOrEmpty(user.AlternateEmail),
            SignInMethod.BackupCode => hasBackupCodes,
            _ => false,
        })];

        // Backup codes are a fallback beside a real method, never the only one: ten sign-ins and nothing is left.
        return methods is [SignInMethod.BackupCode] ? [] : methods;
    }

    /// <summary>The <c>amr</c> value (RFC 8176) a method records; a passkey's depends on the key (see <see cref="PasskeyCredential.BackupEligible"/>).</summary>
    public static string Amr(SignInMethod method) => method switch
    {
        SignInMethod.MobileText => Account.SignInMethods.TextMessage,
        SignInMethod.MobileCall => Account.SignInMethods.Telephone,
        SignInMethod.Passkey => Account.SignInMethods.HardwareKey,
        _ => Account.SignInMethods.OneTimePassword,
    };

    /// <summary>
    /// When the user's grace period for registering a second factor ends (<see cref="MultiFactorPolicySettings.GraceDays"/>
    /// after the first sign-in that asked; it starts now if it had not).
    /// </summary>
    public async Task<DateTimeOffset> GraceEndsAsync(ApplicationUser user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        var policy = await policies.GetAsync(cancellationToken);
        if (user.MultiFactorGraceStartedAt is not { } started)
        {
            started = time.GetUtcNow();
            user.MultiFactorGraceStartedAt = started;
            await db.Users.Where(u => u.Id == user.Id && u.MultiFactorGraceStartedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(u => u.MultiFactorGraceStartedAt, started), cancellationToken);
        }

        return started.AddDays(policy.GraceDays);
    }
}
