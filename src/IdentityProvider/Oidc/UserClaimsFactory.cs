using System.Collections.Immutable;
using System.Globalization;
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
    /// <summary>The standard claims each scope releases (OpenID Connect Core 5.4); <c>roles</c> is this server's own.</summary>
    private static readonly Dictionary<string, string> ScopeOfClaim = new(StringComparer.Ordinal)
    {
        [Claims.Name] = Scopes.Profile,
        [Claims.PreferredUsername] = Scopes.Profile,
        [Claims.GivenName] = Scopes.Profile,
        [Claims.FamilyName] = Scopes.Profile,
        [Claims.UpdatedAt] = Scopes.Profile,
        [Claims.Locale] = Scopes.Profile,
        [Claims.Zoneinfo] = Scopes.Profile,
        [Claims.Email] = Scopes.Email,
        [Claims.EmailVerified] = Scopes.Email,
        [Claims.PhoneNumber] = Scopes.Phone,
        [Claims.PhoneNumberVerified] = Scopes.Phone,
        [Claims.Role] = CustomScopes.Roles,
    };

    /// <summary>The scope that releases a claim about the user, or null for claims no scope releases.</summary>
    public static string? ScopeOf(string claimType) => ScopeOfClaim.GetValueOrDefault(claimType);

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
            .SetClaim(CustomClaims.StampDigest, StampDigest.Compute(user.SecurityStamp))
            .SetClaims(Claims.Role, [.. await users.GetRolesAsync(user)]);
        foreach (var (type, value) in Known(user))
        {
            identity.AddClaim(value switch
            {
                bool flag => new Claim(type, flag ? "true" : "false", ClaimValueTypes.Boolean),
                long number => new Claim(type, number.ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer64),
                _ => new Claim(type, (string)value),
            });
        }

        if (user.PasswordChangedAt is { } changed)
        {
            identity.AddClaim(new Claim(CustomClaims.PasswordChangedAt, changed.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer64));
        }

        foreach (var claim in extra ?? [])
        {
            identity.AddClaim(claim);
        }

        identity.SetScopes(scopes);
        return identity;
    }

    /// <summary>
    /// The userinfo response: <c>sub</c>, the claims the granted scopes release, and those asked for by name in the
    /// <c>claims</c> request parameter's <c>userinfo</c> member (carried by the access token).
    /// </summary>
    public static Dictionary<string, object> UserInfo(ApplicationUser user, ClaimsPrincipal principal, IList<string> roles)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(principal);
        var asked = CustomClaims.Names(principal.GetClaim(CustomClaims.UserInfoClaims));
        bool Released(string type) => asked.Contains(type) || principal.HasScope(ScopeOfClaim[type]);

        var claims = new Dictionary<string, object>(StringComparer.Ordinal) { [Claims.Subject] = user.Id };
        foreach (var (type, value) in Known(user))
        {
            if (Released(type))
            {
                claims[type] = value;
            }
        }

        if (Released(Claims.Role))
        {
            claims[Claims.Role] = roles;
        }

        return claims;
    }

    /// <summary>What the server knows about the user, claim by claim (absent values are left out).</summary>
    private static IEnumerable<(string Type, object Value)> Known(ApplicationUser user)
    {
        yield return (Claims.Name, user.DisplayName);
        foreach (var (type, value) in new[]
        {
            (Claims.PreferredUsername, user.UserName),
            (Claims.GivenName, user.GivenName),
            (Claims.FamilyName, user.FamilyName),
            (Claims.Locale, user.Locale),
            (Claims.Zoneinfo, user.TimeZone),
        })
        {
            if (!string.IsNullOrEmpty(value))
            {
                yield return (type, value);
            }
        }

        if (user.ProfileUpdatedAt is { } updated)
        {
            yield return (Claims.UpdatedAt, updated.ToUnixTimeSeconds());
        }

        if (!string.IsNullOrEmpty(user.Email))
        {
            yield return (Claims.Email, user.Email);
            yield return (Claims.EmailVerified, user.EmailConfirmed);
        }

        // The mobile number counts only once proven by a code sent to it (or set by the organisation's staff).
        if (!string.IsNullOrEmpty(user.MobilePhone))
        {
            yield return (Claims.PhoneNumber, user.MobilePhone);
            yield return (Claims.PhoneNumberVerified, true);
        }
    }
}
