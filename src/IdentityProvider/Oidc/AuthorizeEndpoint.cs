using System.Security.Claims;
using IdentityProvider.Account;
using IdentityProvider.Account.Sessions;
using IdentityProvider.Data;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdentityProvider.Oidc;

/// <summary>
/// The authorization endpoint (passthrough; OpenIddict has validated the request). A list of small named checks runs
/// in order; the first that has an answer (a redirect, a challenge or a protocol error) ends the request, and when none
/// has one the code is issued:
/// <list type="number">
/// <item><see cref="SignedInAsync"/>: a valid session for a user who may receive tokens, fresh enough for
/// <c>max_age</c>, not overridden by <c>prompt=login</c> or a <c>sub</c> claims request for someone else.</item>
/// <item><see cref="ApplicationActionAsync"/>: an app-initiated "change your password, then come back".</item>
/// <item><see cref="SignInStepsAsync"/>: the sign-in steps modules registered that must be done before an app gets a code.</item>
/// <item><see cref="ConsentAsync"/>: explicit or systematic consent, asked once and remembered.</item>
/// <item><see cref="AuthenticationLevelAsync"/>: an essential <c>acr</c> the session does not reach.</item>
/// </list>
/// </summary>
internal sealed class AuthorizeEndpoint(
    UserManager<ApplicationUser> users,
    UserSessions sessions,
    UserClaimsFactory claimsFactory,
    IOpenIddictApplicationManager applications,
    IOpenIddictAuthorizationManager authorizations,
    IOpenIddictScopeManager scopes,
    SignInSteps steps,
    TimeProvider time)
{
    /// <summary>What the checks learn about the request, in the order they learn it.</summary>
    private sealed class Authorization(HttpContext http, OpenIddictRequest request, ClaimsRequest claimsRequest)
    {
        public HttpContext Http { get; } = http;

        public OpenIddictRequest Request { get; } = request;

        public ClaimsRequest ClaimsRequest { get; } = claimsRequest;

        public UserSession Session { get; set; } = null!;

        public ApplicationUser User { get; set; } = null!;

        public object Application { get; set; } = null!;

        public string ApplicationId { get; set; } = string.Empty;

        public List<object> Consents { get; set; } = [];

        /// <summary>This same authorization request, to come back to after a page (without the parameters of a step already taken).</summary>
        public string Resume => Http.Request.PathBase + Http.Request.Path + QueryString.Create(OidcEndpoints.RequestParameters(Http));
    }

    public async Task<IResult> HandleAsync(HttpContext http)
    {
        var request = http.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("The OpenID Connect request cannot be retrieved.");
        if (!ClaimsRequest.TryParse(request.Claims, out var claimsRequest))
        {
            return OidcEndpoints.Forbid(Errors.InvalidRequest, "The 'claims' parameter is not a valid claims request (OpenID Connect Core 5.5).");
        }

        var authorization = new Authorization(http, request, claimsRequest);
        Func<Authorization, Task<IResult?>>[] checks = [SignedInAsync, ApplicationActionAsync, SignInStepsAsync, ConsentAsync, AuthenticationLevelAsync];
        foreach (var check in checks)
        {
            if (await check(authorization) is { } answer)
            {
                return answer;
            }
        }

        return await IssueAsync(authorization);
    }

    /// <summary>
    /// The cookie is checked against its server-side session; <c>auth_time</c> and <c>max_age</c> follow the session's
    /// last real authentication, not the cookie (which is re-issued without anyone authenticating).
    /// </summary>
    private async Task<IResult?> SignedInAsync(Authorization authorization)
    {
        var (http, request) = (authorization.Http, authorization.Request);
        var result = await http.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        var session = result.Succeeded ? UserSessions.Current(http) : null;
        var user = session is null ? null : await users.FindByIdAsync(session.UserId);
        var tooOld = request.MaxAge is { } maxAge && session is not null
            && time.GetUtcNow() - session.AuthenticatedAt > TimeSpan.FromSeconds(maxAge);
        // A claims request for a specific sub is answered only for that user (OpenID Connect Core 3.1.2.2).
        var otherUser = user is not null && authorization.ClaimsRequest.Find(Claims.Subject).Any(c => c.Claim.Values.Count > 0 && !c.Claim.Values.Contains(user.Id));

        if (user is not null && await claimsFactory.CanReceiveTokensAsync(user) && !request.HasPromptValue(PromptValues.Login) && !tooOld && !otherUser)
        {
            (authorization.Session, authorization.User) = (session!, user);
            return null;
        }

        if (request.HasPromptValue(PromptValues.None))
        {
            return OidcEndpoints.Forbid(Errors.LoginRequired, "The user must sign in.");
        }

        if (result.Succeeded && user is null)
        {
            await http.SignOutAsync(IdentityConstants.ApplicationScheme);
        }

        // Come back here after sign-in, without prompt=login so the user is not asked again.
        var parameters = OidcEndpoints.RequestParameters(http).Where(p => p.Key != Parameters.Prompt).ToList();
        var prompt = string.Join(' ', request.GetPromptValues().Remove(PromptValues.Login));
        if (prompt.Length > 0)
        {
            parameters.Add(new(Parameters.Prompt, prompt));
        }

        return Results.Challenge(
            new AuthenticationProperties { RedirectUri = http.Request.PathBase + http.Request.Path + QueryString.Create(parameters) },
            [IdentityConstants.ApplicationScheme]);
    }

    /// <summary>Application-initiated action: "change your password, then come back" before any code is issued.</summary>
    private Task<IResult?> ApplicationActionAsync(Authorization authorization)
    {
        var (http, request) = (authorization.Http, authorization.Request);
        if (request.GetParameter(OidcEndpoints.ActionParameter)?.ToString() is not { } action)
        {
            return Task.FromResult<IResult?>(null);
        }

        if (action != OidcEndpoints.ChangePasswordAction)
        {
            return Task.FromResult<IResult?>(OidcEndpoints.Forbid(Errors.InvalidRequest,
                $"The action '{action}' is not supported; the supported action is '{OidcEndpoints.ChangePasswordAction}'."));
        }

        var actionResult = http.Request.Query[OidcEndpoints.ActionResultParameter].ToString();
        if (actionResult == "cancelled")
        {
            return Task.FromResult<IResult?>(OidcEndpoints.Forbid(Errors.AccessDenied, "The user cancelled the password change."));
        }

        var justChanged = authorization.User.PasswordChangedAt is { } changedAt && time.GetUtcNow() - changedAt < TimeSpan.FromMinutes(10);
        if (actionResult == "changed" && justChanged)
        {
            return Task.FromResult<IResult?>(null);
        }

        if (request.HasPromptValue(PromptValues.None))
        {
            return Task.FromResult<IResult?>(OidcEndpoints.Forbid(Errors.InteractionRequired, "The user must change their password interactively."));
        }

        var here = http.Request.PathBase + http.Request.Path;
        var done = here + QueryString.Create([.. OidcEndpoints.RequestParameters(http), new(OidcEndpoints.ActionResultParameter, "changed")]);
        var cancel = here + QueryString.Create([.. OidcEndpoints.RequestParameters(http), new(OidcEndpoints.ActionResultParameter, "cancelled")]);
        return Task.FromResult<IResult?>(Results.Redirect("/Account/ChangePassword?returnUrl=" + Uri.EscapeDataString(done) + "&cancelUrl=" + Uri.EscapeDataString(cancel)));
    }

    /// <summary>
    /// The sign-in steps modules registered that must be done before an app gets a code (e.g. registration the policy
    /// does not let users skip); the user comes back to this same request.
    /// </summary>
    private async Task<IResult?> SignInStepsAsync(Authorization authorization)
    {
        var context = new SignInStepContext(
            authorization.Http, authorization.User, authorization.Resume, RememberMe: false, SignInMoment.Authorization,
            authorization.Session.MethodList, Demand(authorization));
        if (await steps.NextAsync(SignInStage.AfterSession, context, authorization.Http.RequestAborted) is not { } step)
        {
            return null;
        }

        return authorization.Request.HasPromptValue(PromptValues.None)
            ? OidcEndpoints.Forbid(Errors.InteractionRequired, step.InteractionRequired)
            : Results.Redirect(step.Url);
    }

    /// <summary>
    /// What the app asked of the authentication: a second factor when <c>acr_values</c> or an essential <c>acr</c>
    /// claim names only multi-factor levels (<c>2</c> or <c>mfa</c>); <c>max_age</c> then bounds how old it may be.
    /// </summary>
    private static AuthenticationDemand? Demand(Authorization authorization)
    {
        var wanted = AuthenticationContext.Requested(authorization.Request.AcrValues, authorization.ClaimsRequest);
        var multiFactor = wanted.Count > 0 && wanted.All(AuthenticationContext.NeedsMultipleFactors);
        var maxAge = authorization.Request.MaxAge is { } seconds ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
        return multiFactor || maxAge is not null ? new AuthenticationDemand(multiFactor, maxAge) : null;
    }

    /// <summary>Explicit (and systematic) consent: ask once, remember the answer as a permanent authorization.</summary>
    private async Task<IResult?> ConsentAsync(Authorization authorization)
    {
        var (http, request) = (authorization.Http, authorization.Request);
        authorization.Application = await applications.FindByClientIdAsync(request.ClientId!)
            ?? throw new InvalidOperationException("The client application cannot be found.");
        authorization.ApplicationId = await applications.GetIdAsync(authorization.Application) ?? string.Empty;
        authorization.Consents = await authorizations.FindAsync(
            subject: authorization.User.Id, client: authorization.ApplicationId, status: Statuses.Valid, type: AuthorizationTypes.Permanent,
            scopes: request.GetScopes()).ToListAsync();

        if (http.Request.Query.ContainsKey(OidcEndpoints.ConsentDeniedParameter))
        {
            return OidcEndpoints.Forbid(Errors.AccessDenied, "The user declined to share the requested information.");
        }

        var consentType = await applications.GetConsentTypeAsync(authorization.Application);
        if (consentType is not (ConsentTypes.Explicit or ConsentTypes.Systematic)
            || (authorization.Consents.Count > 0 && !request.HasPromptValue(PromptValues.Consent)))
        {
            return null;
        }

        if (request.HasPromptValue(PromptValues.None))
        {
            return OidcEndpoints.Forbid(Errors.ConsentRequired, "The user must consent before this application can sign them in.");
        }

        var afterConsent = OidcEndpoints.RequestParameters(http).Where(p => p.Key != Parameters.Prompt).ToList();
        var remainingPrompt = string.Join(' ', request.GetPromptValues().Remove(PromptValues.Consent));
        if (remainingPrompt.Length > 0)
        {
            afterConsent.Add(new(Parameters.Prompt, remainingPrompt));
        }

        var returnUrl = http.Request.PathBase + http.Request.Path + QueryString.Create(afterConsent);
        return Results.Redirect("/Account/Consent?returnUrl=" + Uri.EscapeDataString(returnUrl));
    }

    /// <summary>What this session proved: an essential <c>acr</c> it does not reach fails (OpenID Connect Core 5.5.1.1).</summary>
    private Task<IResult?> AuthenticationLevelAsync(Authorization authorization)
    {
        var acr = AuthenticationContext.Acr(AuthenticationContext.Amr(authorization.Session.MethodList));
        var unmet = authorization.ClaimsRequest.Find(Claims.AuthenticationContextReference)
            .Any(c => c.Claim.Essential && c.Claim.Values.Count > 0 && !c.Claim.Values.Any(v => AuthenticationContext.Satisfies(acr, v)));
        return Task.FromResult(unmet
            ? OidcEndpoints.Forbid(OidcEndpoints.UnmetAuthenticationRequirements, "The sign-in does not reach the authentication level the app requires.")
            : null);
    }

    /// <summary>
    /// The code: <c>amr</c> per method and <c>acr</c> from the table, the session's <c>auth_time</c> and id, the claims
    /// the request asked for. Consent is remembered by the permanent authorization; the tokens hang on an authorization
    /// of this session, so signing the session out revokes them.
    /// </summary>
    private async Task<IResult> IssueAsync(Authorization authorization)
    {
        var (request, user, session) = (authorization.Request, authorization.User, authorization.Session);
        var methods = AuthenticationContext.Amr(session.MethodList);
        var acr = AuthenticationContext.Acr(methods);
        var extra = new List<Claim>
        {
            new(Claims.AuthenticationContextReference, AuthenticationContext.Answer(acr, AuthenticationContext.Requested(request.AcrValues, authorization.ClaimsRequest))),
            new(Claims.AuthenticationTime, session.AuthenticatedAt.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), ClaimValueTypes.Integer64),
            new(CustomClaims.SessionId, session.Id),
        };
        extra.AddRange(methods.Select(method => new Claim(Claims.AuthenticationMethodReference, method)));

        if (authorization.ClaimsRequest.IdToken.Count > 0)
        {
            extra.Add(new Claim(CustomClaims.IdTokenClaims, string.Join(' ', authorization.ClaimsRequest.IdToken.Keys)));
        }

        if (authorization.ClaimsRequest.UserInfo.Count > 0)
        {
            extra.Add(new Claim(CustomClaims.UserInfoClaims, string.Join(' ', authorization.ClaimsRequest.UserInfo.Keys)));
        }

        var identity = await claimsFactory.CreateAsync(user, request.GetScopes(), extra);
        identity.SetResources(await scopes.ListResourcesAsync(identity.GetScopes()).ToListAsync());

        if (authorization.Consents.Count == 0)
        {
            await authorizations.CreateAsync(identity, user.Id, authorization.ApplicationId, AuthorizationTypes.Permanent, identity.GetScopes());
        }

        var sessionAuthorization = await sessions.FindAuthorizationAsync(session.Id, request.ClientId!) is { } linked
            && await authorizations.FindByIdAsync(linked) is { } found && await authorizations.HasStatusAsync(found, Statuses.Valid)
            && (await authorizations.GetScopesAsync(found)).ToHashSet(StringComparer.Ordinal).IsSupersetOf(identity.GetScopes())
                ? found
                : await authorizations.CreateAsync(identity, user.Id, authorization.ApplicationId, AuthorizationTypes.AdHoc, identity.GetScopes());
        var authorizationId = await authorizations.GetIdAsync(sessionAuthorization);
        await sessions.LinkAuthorizationAsync(session.Id, authorizationId!, request.ClientId!, authorization.Http.RequestAborted);
        identity.SetAuthorizationId(authorizationId);
        identity.SetDestinations(ClaimDestinations.For);

        return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }
}
