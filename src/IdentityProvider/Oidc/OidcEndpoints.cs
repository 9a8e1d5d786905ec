using System.Collections.Immutable;
using System.Security.Claims;
using IdentityProvider.Account;
using IdentityProvider.Account.Sessions;
using IdentityProvider.Data;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Primitives;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdentityProvider.Oidc;

/// <summary>
/// The passthrough protocol endpoints. OpenIddict validates each request before it reaches these handlers;
/// they decide who the user is, whether consent exists, and which claims go into the tokens.
/// </summary>
internal static class OidcEndpoints
{
    public const string ConsentDeniedParameter = "consent_denied";

    /// <summary>Authorization request parameter for application-initiated actions; <c>action=change_password</c>.</summary>
    public const string ActionParameter = "action";
    public const string ChangePasswordAction = "change_password";
    public const string ActionResultParameter = "action_result";

    /// <summary>The error for an essential <c>acr</c> the sign-in cannot reach (OpenID Connect Core Unmet Authentication Requirements 1.0).</summary>
    public const string UnmetAuthenticationRequirements = "unmet_authentication_requirements";

    public static IEndpointRouteBuilder MapOidcEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapMethods("connect/authorize", [HttpMethods.Get, HttpMethods.Post], (Delegate)AuthorizeAsync).DisableAntiforgery();
        app.MapPost("connect/token", (Delegate)TokenAsync).DisableAntiforgery();
        app.MapMethods("connect/userinfo", [HttpMethods.Get, HttpMethods.Post], (Delegate)UserInfoAsync).DisableAntiforgery();
        app.MapMethods("connect/endsession", [HttpMethods.Get, HttpMethods.Post], (Delegate)EndSessionAsync).DisableAntiforgery();
        return app;
    }

    /// <summary>The authorization endpoint: its checks, in order, then the code (<see cref="AuthorizeEndpoint"/>).</summary>
    private static Task<IResult> AuthorizeAsync(HttpContext context, AuthorizeEndpoint endpoint) => endpoint.HandleAsync(context);

    private static async Task<IResult> TokenAsync(
        HttpContext context,
        UserManager<ApplicationUser> users,
        UserClaimsFactory claimsFactory,
        IOpenIddictApplicationManager applications,
        IOpenIddictScopeManager scopes)
    {
        var request = context.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("The OpenID Connect request cannot be retrieved.");

        if (request.IsAuthorizationCodeGrantType() || request.IsRefreshTokenGrantType())
        {
            var result = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            var principal = result.Principal!;
            var user = await users.FindByIdAsync(principal.GetClaim(Claims.Subject)!);
            if (!await claimsFactory.CanReceiveTokensAsync(user, principal))
            {
                return Forbid(Errors.InvalidGrant, "The token is no longer valid.");
            }

            // Fresh claims from the database; keep what the original sign-in established.
            var kept = principal.Claims.Where(c => c.Type is Claims.AuthenticationMethodReference or Claims.AuthenticationTime
                or Claims.AuthenticationContextReference or CustomClaims.SessionId or CustomClaims.IdTokenClaims or CustomClaims.UserInfoClaims);
            var identity = await claimsFactory.CreateAsync(user!, principal.GetScopes(), kept);
            identity.SetResources(principal.GetResources());
            identity.SetAuthorizationId(principal.GetAuthorizationId());
            identity.SetDestinations(ClaimDestinations.For);
            return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        if (request.IsClientCredentialsGrantType())
        {
            var application = await applications.FindByClientIdAsync(request.ClientId!)
                ?? throw new InvalidOperationException("The client application cannot be found.");

            var identity = new ClaimsIdentity(
                Microsoft.IdentityModel.Tokens.TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
            identity.SetClaim(Claims.Subject, request.ClientId)
                .SetClaim(Claims.ClientId, request.ClientId)
                .SetClaim(Claims.Name, await applications.GetDisplayNameAsync(application));
            identity.SetScopes(request.GetScopes());
            identity.SetResources(await scopes.ListResourcesAsync(identity.GetScopes()).ToListAsync());
            identity.SetDestinations(claim => claim.Type is Claims.Subject or Claims.Name or Claims.ClientId ? [Destinations.AccessToken] : []);
            return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        return Forbid(Errors.UnsupportedGrantType, "The grant type is not supported.");
    }

    private static async Task<IResult> UserInfoAsync(HttpContext context, UserManager<ApplicationUser> users, UserClaimsFactory claimsFactory)
    {
        var result = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        var principal = result.Principal;
        var user = principal is null ? null : await users.FindByIdAsync(principal.GetClaim(Claims.Subject) ?? string.Empty);
        if (principal is null || user is null || !await claimsFactory.CanReceiveTokensAsync(user))
        {
            return Results.Challenge(
                new AuthenticationProperties(new Dictionary<string, string?>
                {
                    [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.InvalidToken,
                    [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = "The access token is no longer valid.",
                }),
                [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
        }

        return Results.Ok(UserClaimsFactory.UserInfo(user, principal, await users.GetRolesAsync(user)));
    }

    private static async Task<IResult> EndSessionAsync(HttpContext context)
    {
        // Sign out at once when nobody is signed in or the app proved who it signs out (a valid id_token_hint for
        // this user); otherwise ask the user first, so that a link elsewhere cannot sign them out.
        var session = await context.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        if (session.Succeeded)
        {
            var hint = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            var hinted = hint.Principal?.GetClaim(Claims.Subject);
            var current = session.Principal?.GetClaim(Claims.Subject);
            if (hinted is null || hinted != current)
            {
                var here = context.Request.PathBase + context.Request.Path + QueryString.Create(RequestParameters(context));
                return Results.Redirect("/Account/Logout?returnUrl=" + Uri.EscapeDataString(here));
            }
        }

        // Ends the server-side session too, and tells the apps it signed in to (back-channel logout).
        await context.SignOutAsync(IdentityConstants.ApplicationScheme);

        // OpenIddict redirects to the validated post_logout_redirect_uri when the request named its client
        // (EndSessionRedirectPolicy); otherwise the browser stays on the signed-out page.
        return Results.SignOut(
            new AuthenticationProperties { RedirectUri = "/Account/SignedOut" },
            [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
    }

    internal static IResult Forbid(string error, string description) =>
        Results.Forbid(
            new AuthenticationProperties(new Dictionary<string, string?>
            {
                [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
                [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
            }),
            [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);

    internal static List<KeyValuePair<string, StringValues>> RequestParameters(HttpContext context) =>
        context.Request.HasFormContentType
            ? [.. context.Request.Form.Where(p => p.Key != "__RequestVerificationToken")]
            : [.. context.Request.Query.Where(p => p.Key is not ConsentDeniedParameter and not ActionResultParameter)];
}
