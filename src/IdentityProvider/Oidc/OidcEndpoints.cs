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

    private static async Task<IResult> AuthorizeAsync(
        HttpContext context,
        UserManager<ApplicationUser> users,
        UserSessions sessions,
        UserClaimsFactory claimsFactory,
        IOpenIddictApplicationManager applications,
        IOpenIddictAuthorizationManager authorizations,
        IOpenIddictScopeManager scopes,
        SignInSteps steps,
        TimeProvider time)
    {
        var request = context.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("The OpenID Connect request cannot be retrieved.");

        if (!ClaimsRequest.TryParse(request.Claims, out var claimsRequest))
        {
            return Forbid(Errors.InvalidRequest, "The 'claims' parameter is not a valid claims request (OpenID Connect Core 5.5).");
        }

        // The cookie is checked against its server-side session; auth_time and max_age follow the session's last real
        // authentication, not the cookie (which is re-issued without anyone authenticating).
        var result = await context.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        var session = result.Succeeded ? UserSessions.Current(context) : null;
        var user = session is null ? null : await users.FindByIdAsync(session.UserId);
        var tooOld = request.MaxAge is { } maxAge && session is not null
            && time.GetUtcNow() - session.AuthenticatedAt > TimeSpan.FromSeconds(maxAge);
        // A claims request for a specific sub is answered only for that user (OpenID Connect Core 3.1.2.2).
        var otherUser = user is not null && claimsRequest.Find(Claims.Subject).Any(c => c.Claim.Values.Count > 0 && !c.Claim.Values.Contains(user.Id));

        if (user is null || !await claimsFactory.CanReceiveTokensAsync(user) || request.HasPromptValue(PromptValues.Login) || tooOld || otherUser)
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Forbid(Errors.LoginRequired, "The user must sign in.");
            }

            if (result.Succeeded && user is null)
            {
                await context.SignOutAsync(IdentityConstants.ApplicationScheme);
            }

            // Come back here after sign-in, without prompt=login so the user is not asked again.
            var parameters = RequestParameters(context).Where(p => p.Key != Parameters.Prompt).ToList();
            var prompt = string.Join(' ', request.GetPromptValues().Remove(PromptValues.Login));
            if (prompt.Length > 0)
            {
                parameters.Add(new(Parameters.Prompt, prompt));
            }

            return Results.Challenge(
                new AuthenticationProperties { RedirectUri = context.Request.PathBase + context.Request.Path + QueryString.Create(parameters) },
                [IdentityConstants.ApplicationScheme]);
        }

        // Application-initiated action: "change your password, then come back" before any code is issued.
        if (request.GetParameter(ActionParameter)?.ToString() is { } action)
        {
            if (action != ChangePasswordAction)
            {
                return Forbid(Errors.InvalidRequest, $"The action '{action}' is not supported; the supported action is '{ChangePasswordAction}'.");
            }

            var actionResult = context.Request.Query[ActionResultParameter].ToString();
            if (actionResult == "cancelled")
            {
                return Forbid(Errors.AccessDenied, "The user cancelled the password change.");
            }

            var justChanged = user.PasswordChangedAt is { } changedAt && time.GetUtcNow() - changedAt < TimeSpan.FromMinutes(10);
            if (actionResult != "changed" || !justChanged)
            {
                if (request.HasPromptValue(PromptValues.None))
                {
                    return Forbid(Errors.InteractionRequired, "The user must change their password interactively.");
                }

                var here = context.Request.PathBase + context.Request.Path;
                var done = here + QueryString.Create([.. RequestParameters(context), new(ActionResultParameter, "changed")]);
                var cancel = here + QueryString.Create([.. RequestParameters(context), new(ActionResultParameter, "cancelled")]);
                return Results.Redirect("/Account/ChangePassword?returnUrl=" + Uri.EscapeDataString(done) + "&cancelUrl=" + Uri.EscapeDataString(cancel));
            }
        }

        // The sign-in steps modules registered that must be done before an app gets a code (e.g. registration the
        // policy does not let users skip); the user comes back to this same request.
        var resume = context.Request.PathBase + context.Request.Path + QueryString.Create(RequestParameters(context));
        if (await steps.NextAsync(SignInStage.AfterSession, new(context, user, resume, RememberMe: false, SignInMoment.Authorization), context.RequestAborted) is { } step)
        {
            return request.HasPromptValue(PromptValues.None)
                ? Forbid(Errors.InteractionRequired, step.InteractionRequired)
                : Results.Redirect(step.Url);
        }

        var application = await applications.FindByClientIdAsync(request.ClientId!)
            ?? throw new InvalidOperationException("The client application cannot be found.");
        var applicationId = await applications.GetIdAsync(application);
        var requestedScopes = request.GetScopes();

        var existing = await authorizations.FindAsync(
            subject: user.Id, client: applicationId, status: Statuses.Valid, type: AuthorizationTypes.Permanent,
            scopes: requestedScopes).ToListAsync();

        if (context.Request.Query.ContainsKey(ConsentDeniedParameter))
        {
            return Forbid(Errors.AccessDenied, "The user declined to share the requested information.");
        }

        // Explicit (and systematic) consent: ask once, remember the answer as a permanent authorization.
        var consentType = await applications.GetConsentTypeAsync(application);
        if (consentType is ConsentTypes.Explicit or ConsentTypes.Systematic
            && (existing.Count == 0 || request.HasPromptValue(PromptValues.Consent)))
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Forbid(Errors.ConsentRequired, "The user must consent before this application can sign them in.");
            }

            var afterConsent = RequestParameters(context).Where(p => p.Key != Parameters.Prompt).ToList();
            var remainingPrompt = string.Join(' ', request.GetPromptValues().Remove(PromptValues.Consent));
            if (remainingPrompt.Length > 0)
            {
                afterConsent.Add(new(Parameters.Prompt, remainingPrompt));
            }

            var returnUrl = context.Request.PathBase + context.Request.Path + QueryString.Create(afterConsent);
            return Results.Redirect("/Account/Consent?returnUrl=" + Uri.EscapeDataString(returnUrl));
        }

        // What this session proved: amr per method, acr from the table; an essential acr it does not reach fails.
        var acr = AuthenticationContext.Acr(AuthenticationContext.Amr(session!.MethodList));
        if (claimsRequest.Find(Claims.AuthenticationContextReference).Any(c => c.Claim.Essential && c.Claim.Values.Count > 0 && !c.Claim.Values.Any(v => AuthenticationContext.Satisfies(acr, v))))
        {
            return Forbid(UnmetAuthenticationRequirements, "The sign-in does not reach the authentication level the app requires.");
        }

        var extra = new List<Claim>
        {
            new(Claims.AuthenticationContextReference, acr),
            new(Claims.AuthenticationTime, session.AuthenticatedAt.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), ClaimValueTypes.Integer64),
            new(CustomClaims.SessionId, session.Id),
        };
        extra.AddRange(AuthenticationContext.Amr(session.MethodList).Select(method => new Claim(Claims.AuthenticationMethodReference, method)));

        if (claimsRequest.IdToken.Count > 0)
        {
            extra.Add(new Claim(CustomClaims.IdTokenClaims, string.Join(' ', claimsRequest.IdToken.Keys)));
        }

        if (claimsRequest.UserInfo.Count > 0)
        {
            extra.Add(new Claim(CustomClaims.UserInfoClaims, string.Join(' ', claimsRequest.UserInfo.Keys)));
        }

        var identity = await claimsFactory.CreateAsync(user, requestedScopes, extra);
        identity.SetResources(await scopes.ListResourcesAsync(identity.GetScopes()).ToListAsync());

        // Consent is remembered by the permanent authorization; the tokens hang on an authorization of this session, so
        // signing the session out revokes them.
        if (existing.Count == 0)
        {
            await authorizations.CreateAsync(identity, user.Id, applicationId!, AuthorizationTypes.Permanent, identity.GetScopes());
        }

        var sessionAuthorization = await sessions.FindAuthorizationAsync(session.Id, request.ClientId!) is { } linked
            && await authorizations.FindByIdAsync(linked) is { } found && await authorizations.HasStatusAsync(found, Statuses.Valid)
            && (await authorizations.GetScopesAsync(found)).ToHashSet(StringComparer.Ordinal).IsSupersetOf(identity.GetScopes())
                ? found
                : await authorizations.CreateAsync(identity, user.Id, applicationId!, AuthorizationTypes.AdHoc, identity.GetScopes());
        var authorizationId = await authorizations.GetIdAsync(sessionAuthorization);
        await sessions.LinkAuthorizationAsync(session.Id, authorizationId!, request.ClientId!, context.RequestAborted);
        identity.SetAuthorizationId(authorizationId);
        identity.SetDestinations(ClaimDestinations.For);

        return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

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

    private static IResult Forbid(string error, string description) =>
        Results.Forbid(
            new AuthenticationProperties(new Dictionary<string, string?>
            {
                [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
                [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
            }),
            [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);

    private static List<KeyValuePair<string, StringValues>> RequestParameters(HttpContext context) =>
        context.Request.HasFormContentType
            ? [.. context.Request.Form.Where(p => p.Key != "__RequestVerificationToken")]
            : [.. context.Request.Query.Where(p => p.Key is not ConsentDeniedParameter and not ActionResultParameter)];
}
