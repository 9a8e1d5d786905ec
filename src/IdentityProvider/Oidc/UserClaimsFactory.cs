using System.Collections.Immutable;
using System.Security.Claims;
using IdentityProvider.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdentityProvider.Oidc;

/// <summary>
/// Builds the identity that goes into tokens for a user, from the database (never from the cookie), and
/// decides whether the user may receive tokens at all.
/// </summary>
internal sealed class UserClaimsFactory(UserManager<ApplicationUser> users)
{
    /// <summary>A user gets tokens only while enabled, not locked out, not due to change their password, and with the same security stamp as when signed in.</summary>
    public async Task<bool> CanReceiveTokensAsync(ApplicationUser? user, ClaimsPrincipal? principal = null)
    {
        if (user is null || !user.IsEnabled || user.MustChangePassword || await users.IsLockedOutAsync(user))
        {
            return false;
        }

        return principal is null || StampDigest.Matches(principal.GetClaim(CustomClaims.StampDigest), user.SecurityStamp);
    }

    public async Task<ClaimsIdentity> CreateAsync(ApplicationUser user, ImmutableArray<string> scopes, IEnumerable<Claim>? extra = null)
    {
        var identity = new ClaimsIdentity(
            authenticationType: TokenValidationParameters.DefaultAuthenticationType,
            nameType: Claims.Name,
            roleType: Claims.Role);

        identity.SetClaim(Claims.Subject, user.Id)
            .SetClaim(Claims.Name, user.DisplayName)
            .SetClaim(Claims.PreferredUsername, user.UserName)
            .SetClaim(Claims.GivenName, user.GivenName)
            .SetClaim(Claims.FamilyName, user.FamilyName)
            .SetClaim(Claims.Email, user.Email)
            .SetClaim(Claims.PhoneNumber, user.PhoneNumber)
            .SetClaim(CustomClaims.StampDigest, StampDigest.Compute(user.SecurityStamp))
            .SetClaims(Claims.Role, [.. await users.GetRolesAsync(user)]);

        if (user.PasswordChangedAt is { } changed)
        {
            identity.AddClaim(new Claim(CustomClaims.PasswordChangedAt, changed.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), ClaimValueTypes.Integer64));
        }

        if (user.Email is not null)
        {
            identity.AddClaim(new Claim(Claims.EmailVerified, user.EmailConfirmed ? "true" : "false", ClaimValueTypes.Boolean));
        }

        if (user.PhoneNumber is not null)
        {
            identity.AddClaim(new Claim(Claims.PhoneNumberVerified, user.PhoneNumberConfirmed ? "true" : "false", ClaimValueTypes.Boolean));
        }

        foreach (var claim in extra ?? [])
        {
            identity.AddClaim(claim);
        }

        identity.SetScopes(scopes);
        return identity;
    }

    /// <summary>The userinfo response: the claims the granted scopes allow.</summary>
    public static Dictionary<string, object> UserInfo(ApplicationUser user, ClaimsPrincipal principal, IList<string> roles)
    {
        var claims = new Dictionary<string, object>(StringComparer.Ordinal) { [Claims.Subject] = user.Id };
        if (principal.HasScope(Scopes.Profile))
        {
            claims[Claims.Name] = user.DisplayName;
            AddIfPresent(claims, Claims.PreferredUsername, user.UserName);
            AddIfPresent(claims, Claims.GivenName, user.GivenName);
            AddIfPresent(claims, Claims.FamilyName, user.FamilyName);
        }

        if (principal.HasScope(Scopes.Email) && user.Email is not null)
        {
            claims[Claims.Email] = user.Email;
            claims[Claims.EmailVerified] = user.EmailConfirmed;
        }

        if (principal.HasScope(Scopes.Phone) && user.PhoneNumber is not null)
        {
            claims[Claims.PhoneNumber] = user.PhoneNumber;
            claims[Claims.PhoneNumberVerified] = user.PhoneNumberConfirmed;
        }

        if (principal.HasScope(CustomScopes.Roles))
        {
            claims[Claims.Role] = roles;
        }

        return claims;
    }

    private static void AddIfPresent(Dictionary<string, object> claims, string type, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            claims[type] = value;
        }
    }
}
