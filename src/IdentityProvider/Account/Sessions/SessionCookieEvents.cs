using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdentityProvider.Account.Sessions;

/// <summary>
/// The session cookie's events. Every request that carries the cookie is checked against its server-side session
/// (replacing Identity's security stamp check every 5 minutes), and every sign-out, however it is reached, ends the
/// session on the server too.
/// </summary>
internal static class SessionCookieEvents
{
    public static async Task ValidatePrincipalAsync(CookieValidatePrincipalContext context)
    {
        var principal = context.Principal;
        var services = context.HttpContext.RequestServices;
        var stampClaim = services.GetRequiredService<IOptions<IdentityOptions>>().Value.ClaimsIdentity.SecurityStampClaimType;
        var session = await services.GetRequiredService<UserSessions>().ValidateAsync(
            context.HttpContext,
            UserSessions.IdOf(principal),
            principal?.FindFirst(Claims.Subject)?.Value,
            principal?.FindFirst(stampClaim)?.Value,
            context.HttpContext.RequestAborted);
        if (session is null)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
        }
    }

    public static async Task SigningOutAsync(CookieSigningOutContext context)
    {
        var principal = context.HttpContext.User;
        var sessionId = UserSessions.IdOf(principal);
        var userId = principal.FindFirst(Claims.Subject)?.Value;
        if (sessionId is not null && userId is not null)
        {
            await context.HttpContext.RequestServices.GetRequiredService<UserSessions>().EndAsync(userId, sessionId, context.HttpContext.RequestAborted);
        }
    }
}
