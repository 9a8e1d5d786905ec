using Microsoft.AspNetCore.DataProtection;

namespace IdentityProvider.SelfService.SecurityInfo;

/// <summary>
/// What is being verified (the new address and the code id, or the new authenticator secret) travels in a hidden
/// field, protected and valid for 10 minutes, so nothing half-registered is stored.
/// </summary>
public sealed class PendingChanges(IDataProtectionProvider protection)
{
    private readonly ITimeLimitedDataProtector protector = protection.CreateProtector("IdentityProvider.SelfService.SecurityInfo.Pending").ToTimeLimitedDataProtector();

    public string Protect(params string?[] parts) => protector.Protect(string.Join('\n', parts), TimeSpan.FromMinutes(10));

    /// <summary>The parts, or null when the field is empty, forged or ran out.</summary>
    public string[]? Read(string? pending)
    {
        if (string.IsNullOrEmpty(pending))
        {
            return null;
        }

        try
        {
            return protector.Unprotect(pending).Split('\n');
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }
}
