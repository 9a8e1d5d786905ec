using IdentityProvider.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using OtpNet;

namespace IdentityProvider.SelfService.Verification;

/// <summary>
/// Authenticator-app codes: TOTP (RFC 6238) with SHA-1, 30-second steps, 6 digits, one step of clock skew either
/// way. The secret is stored encrypted with Data Protection. A time step, once accepted, is never accepted again for
/// the same user: the user's last accepted step is moved forward by one atomic update.
/// </summary>
public sealed class AuthenticatorCodes(ApplicationDbContext db, IDataProtectionProvider protection, TimeProvider time)
{
    private readonly IDataProtector protector = protection.CreateProtector("IdentityProvider.SelfService.Authenticator");

    /// <summary>A new random secret (160 bits) in Base32, for the QR code and manual entry.</summary>
    public static string NewSecret() => Base32Encoding.ToString(KeyGeneration.GenerateRandomKey(20));

    public string Protect(string base32Secret) => protector.Protect(base32Secret);

    /// <summary>The <c>otpauth://</c> URI an authenticator app reads from a QR code.</summary>
    public static string ProvisioningUri(string base32Secret, string issuer, string account) =>
        $"otpauth://totp/{Uri.EscapeDataString(issuer)}:{Uri.EscapeDataString(account)}?secret={base32Secret}&issuer={Uri.EscapeDataString(issuer)}&algorithm=SHA1&digits=6&period=30";

    /// <summary>Checks a code against a secret not stored yet (the first code when enrolling).</summary>
    public bool Matches(string base32Secret, string? code) => Step(base32Secret, code) is not null;

    /// <summary>Checks the user's code and spends its time step. False for a wrong code or a step already used.</summary>
    public async Task<bool> VerifyAsync(ApplicationUser user, string? code, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (string.IsNullOrEmpty(user.AuthenticatorSecretProtected))
        {
            return false;
        }

        var step = Step(protector.Unprotect(user.AuthenticatorSecretProtected), code);
        if (step is not { } matched)
        {
            return false;
        }

        var spent = await db.Users.Where(u => u.Id == user.Id && (u.AuthenticatorLastStep == null || u.AuthenticatorLastStep < matched))
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.AuthenticatorLastStep, matched), cancellationToken);
        return spent == 1;
    }

    private long? Step(string base32Secret, string? code)
    {
        var digits = new string([.. (code ?? string.Empty).Where(char.IsAsciiDigit)]);
        if (digits.Length != 6)
        {
            return null;
        }

        var totp = new Totp(Base32Encoding.ToBytes(base32Secret), step: 30, mode: OtpHashMode.Sha1, totpSize: 6);
        return totp.VerifyTotp(time.GetUtcNow().UtcDateTime, digits, out var matched, new VerificationWindow(previous: 1, future: 1)) ? matched : null;
    }
}
