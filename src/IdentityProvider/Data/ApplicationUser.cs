using Microsoft.AspNetCore.Identity;

namespace IdentityProvider.Data;

/// <summary>A person who signs in. Identity's columns plus the profile and state the product needs.</summary>
public sealed class ApplicationUser : IdentityUser
{
    public string? GivenName { get; set; }

    public string? FamilyName { get; set; }

    /// <summary>False when an administrator disabled the account: no sign-in and no new tokens.</summary>
    public bool IsEnabled { get; set; } = true;

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When the password was last set (not when it was merely rehashed).</summary>
    public DateTimeOffset? PasswordChangedAt { get; set; }

    /// <summary>Set by an administrator's reset (temporary password): the next sign-in must choose a new password.</summary>
    public bool MustChangePassword { get; set; }

    /// <summary>When a temporary password set by staff stops working (null: the password is not temporary).</summary>
    public DateTimeOffset? TemporaryPasswordExpiresAt { get; set; }

    /// <summary>The password lives in another directory: it cannot be reset or changed here.</summary>
    public bool PasswordManagedExternally { get; set; }

    /// <summary>
    /// The on-premises directory that manages this user (<c>Directories:Connections</c>' name), or null for a user of
    /// this product's own database. A directory user signs in with the directory's password (a bind); their contact data
    /// and groups come from the directory's sync.
    /// </summary>
    public string? DirectoryName { get; set; }

    /// <summary>The user's distinguished name in <see cref="DirectoryName"/>, as the directory last gave it.</summary>
    public string? DirectoryDn { get; set; }

    /// <summary>
    /// The directory entry's lasting identity (<c>entryUUID</c> / AD's <c>objectGUID</c>): a bind, a password write or an
    /// unlock goes to <see cref="DirectoryDn"/> only while the entry there still has it, so a new person given a departed
    /// person's DN never reaches the departed person's account here.
    /// </summary>
    public string? DirectoryObjectId { get; set; }

    /// <summary>Recovery method: an email address other than the primary one (verified, or set by an administrator).</summary>
    public string? AlternateEmail { get; set; }

    public DateTimeOffset? AlternateEmailRegisteredAt { get; set; }

    /// <summary>Recovery method: a mobile phone in E.164, for text messages and calls.</summary>
    public string? MobilePhone { get; set; }

    public DateTimeOffset? MobilePhoneRegisteredAt { get; set; }

    /// <summary>Recovery method: an office phone in E.164, set by administrators only, for calls.</summary>
    public string? OfficePhone { get; set; }

    /// <summary>Recovery method: the authenticator app's secret, encrypted with Data Protection.</summary>
    public string? AuthenticatorSecretProtected { get; set; }

    public DateTimeOffset? AuthenticatorRegisteredAt { get; set; }

    /// <summary>The last TOTP time step accepted for this user (a step is never accepted twice).</summary>
    public long? AuthenticatorLastStep { get; set; }

    /// <summary>
    /// When a sign-in first found that this user must prove a second factor but has no method to prove it with: the
    /// multi-factor policy's grace period counts from here. Cleared when a method is registered.
    /// </summary>
    public DateTimeOffset? MultiFactorGraceStartedAt { get; set; }

    /// <summary>When the user last confirmed (or changed) their recovery methods.</summary>
    public DateTimeOffset? SecurityInfoConfirmedAt { get; set; }

    /// <summary>
    /// When the profile the relying apps see last changed (names, username, emails, mobile number, locale, time zone):
    /// the <c>updated_at</c> claim. Set by <see cref="ProfileChangeStamp"/> whenever one of them is saved changed.
    /// </summary>
    public DateTimeOffset? ProfileUpdatedAt { get; set; }

    /// <summary>The user's preferred language as a BCP 47 tag (e.g. <c>fr-CA</c>): the <c>locale</c> claim.</summary>
    public string? Locale { get; set; }

    /// <summary>The user's time zone as an IANA name (e.g. <c>Europe/Paris</c>): the <c>zoneinfo</c> claim.</summary>
    public string? TimeZone { get; set; }

    public string DisplayName =>
        string.Join(' ', new[] { GivenName, FamilyName }.Where(part => !string.IsNullOrWhiteSpace(part))) is { Length: > 0 } name
            ? name
            : UserName ?? Id;
}
