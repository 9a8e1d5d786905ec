using IdentityProvider.Hosting;
using Microsoft.AspNetCore.DataProtection;

namespace IdentityProvider.SelfService.SecurityInfo;

/// <summary>
/// "Signed in within the last 5 minutes": set by the sign-in page and by re-entering the password; changing recovery
/// methods needs it.
/// </summary>
public sealed class RecentSignIn(IDataProtectionProvider protection, TimeProvider time)
    : ProofCookie(protection, time, "IdentityProvider.SelfService.RecentSignIn", "idp.recent", "/", SameSiteMode.Lax, TimeSpan.FromMinutes(5));
