using IdentityProvider.Data;
using IdentityProvider.SelfService;
using IdentityProvider.SelfService.MultiFactor;
using IdentityProvider.SelfService.Passkeys;
using Microsoft.EntityFrameworkCore;

namespace IdentityProvider.Admin.Users;

/// <summary>
/// A user's second-factor methods as staff see them on the user's page and through the API: what is registered, when,
/// and when it was last used; contact data masked; never a secret, a key or a code.
/// </summary>
/// <param name="AuthenticatorApp">The authenticator app, or null when none is registered.</param>
/// <param name="Passkeys">Each passkey or security key, newest first.</param>
/// <param name="BackupCodes">The one-time backup codes: how many are left, when they were generated and last used.</param>
/// <param name="MobilePhone">The verified mobile (texts and calls), masked, or null.</param>
/// <param name="AlternateEmail">The verified alternate email address, masked, or null.</param>
/// <param name="RegistrationRequiredSince">
/// When the user was first asked to register a method (by a sign-in, or by staff requiring re-registration): the
/// multi-factor policy's grace period counts from here. Null when nothing is pending.
/// </param>
public sealed record SignInMethodsView(
    AuthenticatorAppView? AuthenticatorApp,
    IReadOnlyList<PasskeyView> Passkeys,
    BackupCodesView BackupCodes,
    ContactMethodView? MobilePhone,
    ContactMethodView? AlternateEmail,
    DateTimeOffset? RegistrationRequiredSince)
{
    /// <summary>Whether anything an administrator can remove here is registered (app, passkeys, backup codes).</summary>
    public bool HasRemovable => AuthenticatorApp is not null || Passkeys.Count > 0 || BackupCodes.Total > 0;

    /// <summary>Reads the methods of <paramref name="user"/>.</summary>
    public static async Task<SignInMethodsView> LoadAsync(ApplicationDbContext db, ApplicationUser user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(user);
        var passkeys = await db.Set<PasskeyCredential>().AsNoTracking().Where(p => p.UserId == user.Id)
            .OrderByDescending(p => p.CreatedAt).ThenBy(p => p.Id)
            .Select(p => new PasskeyView(p.Id, p.Name, p.CreatedAt, p.LastUsedAt, p.BackupEligible))
            .ToListAsync(cancellationToken);
        var codes = await db.Set<BackupCode>().AsNoTracking().Where(c => c.UserId == user.Id)
            .Select(c => new { c.CreatedAt, c.UsedAt }).ToListAsync(cancellationToken);
        var backup = new BackupCodesView(
            codes.Count(c => c.UsedAt is null),
            codes.Count,
            codes.Count == 0 ? null : codes.Max(c => c.CreatedAt),
            codes.Max(c => c.UsedAt));
        var app = user.AuthenticatorSecretProtected is null
            ? null
            : new AuthenticatorAppView(user.AuthenticatorRegisteredAt, user.AuthenticatorLastStep is { } step ? DateTimeOffset.FromUnixTimeSeconds(step * 30) : null);
        return new SignInMethodsView(
            app,
            passkeys,
            backup,
            user.MobilePhone is null ? null : new ContactMethodView(Masking.Phone(user.MobilePhone), user.MobilePhoneRegisteredAt),
            user.AlternateEmail is null ? null : new ContactMethodView(Masking.Email(user.AlternateEmail), user.AlternateEmailRegisteredAt),
            user.MultiFactorGraceStartedAt);
    }
}

/// <summary>The authenticator app: when it was registered and when a code from it was last accepted.</summary>
public sealed record AuthenticatorAppView(DateTimeOffset? RegisteredAt, DateTimeOffset? LastUsedAt);

/// <summary>A passkey or security key: the name the user gave it, when registered and last used, whether it syncs between devices.</summary>
public sealed record PasskeyView(Guid Id, string Name, DateTimeOffset RegisteredAt, DateTimeOffset? LastUsedAt, bool Synced);

/// <summary>Backup codes: how many are unused (<paramref name="Left"/>) of those generated, when generated and when one was last used.</summary>
public sealed record BackupCodesView(int Left, int Total, DateTimeOffset? GeneratedAt, DateTimeOffset? LastUsedAt);

/// <summary>A mobile number or an alternate email address, masked, and when it was verified (or set by staff).</summary>
public sealed record ContactMethodView(string Masked, DateTimeOffset? RegisteredAt);
