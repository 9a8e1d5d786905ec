using System.Security.Claims;
using IdentityProvider.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdentityProvider.Account.Sessions;

/// <summary>
/// Identity's sign-in manager with server-side sessions: a sign-in starts (or re-authenticates) a session whose id the
/// cookie carries as <c>sid</c>; refreshing the cookie (after the user's own password change, say) keeps the session.
/// </summary>
public sealed class ApplicationSignInManager(
    UserManager<ApplicationUser> userManager,
    IHttpContextAccessor contextAccessor,
    IUserClaimsPrincipalFactory<ApplicationUser> claimsFactory,
    IOptions<IdentityOptions> optionsAccessor,
    ILogger<SignInManager<ApplicationUser>> logger,
    IAuthenticationSchemeProvider schemes,
    IUserConfirmation<ApplicationUser> confirmation,
    UserSessions sessions)
    : SignInManager<ApplicationUser>(userManager, contextAccessor, claimsFactory, optionsAccessor, logger, schemes, confirmation)
{
    public override async Task SignInWithClaimsAsync(ApplicationUser user, AuthenticationProperties? authenticationProperties, IEnumerable<Claim> additionalClaims)
    {
        ArgumentNullException.ThrowIfNull(user);
        var claims = additionalClaims.Where(c => c.Type != UserSessions.SessionIdClaim).ToList();
        var methods = claims.Where(c => c.Type == Claims.AuthenticationMethodReference).Select(c => c.Value).ToList();
        var sessionId = await sessions.SignInAsync(Context, user.Id, authenticationProperties?.IsPersistent == true, methods, Context.RequestAborted);
        claims.Add(new Claim(UserSessions.SessionIdClaim, sessionId));
        await base.SignInWithClaimsAsync(user, authenticationProperties, claims);
    }

    /// <summary>A new cookie for the same session (new security stamp and claims), with its session id and methods kept.</summary>
    public override async Task RefreshSignInAsync(ApplicationUser user)
    {
        var current = await Context.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        var sessionId = UserSessions.IdOf(current.Principal);
        if (!current.Succeeded || sessionId is null || current.Principal!.FindFirst(Claims.Subject)?.Value != user.Id)
        {
            await base.RefreshSignInAsync(user);
            return;
        }

        var kept = current.Principal.Claims.Where(c => c.Type is UserSessions.SessionIdClaim or Claims.AuthenticationMethodReference).ToList();
        await base.SignInWithClaimsAsync(user, current.Properties, kept);
    }
}
