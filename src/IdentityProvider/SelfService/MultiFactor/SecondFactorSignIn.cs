using System.Security.Claims;
using IdentityProvider.Account;
using IdentityProvider.Account.Sessions;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdentityProvider.SelfService.MultiFactor;

/// <summary>A sign-in waiting for its second factor: whose, and what was proven so far.</summary>
/// <param name="User">The user signing in.</param>
/// <param name="RememberMe">"Keep me signed in".</param>
/// <param name="Methods">The <c>amr</c> values proven so far.</param>
/// <param name="StepUp">True for a signed-in user asked for a second factor by an app (no pending cookie: the session gains the method).</param>
public sealed record PendingSecondFactor(ApplicationUser User, bool RememberMe, IReadOnlyList<string> Methods, bool StepUp);

/// <summary>
/// The half-way state between a right password and a session while a second factor is asked. The right password
/// earns only a short-lived pending cookie (10 minutes) that the second-factor page accepts; it names the user, the
/// security stamp at the time (any credential change since voids it) and the methods proven. A signed-in user asked
/// for more (an app's <c>acr_values</c>) goes through the same page in step-up mode.
/// </summary>
public sealed class PendingSecondFactors(UserManager<ApplicationUser> users, AuditLog audit)
{
    public const string Scheme = "PendingSecondFactor";
    public const string PagePath = "/Account/SecondFactor";
    private const string RememberMeClaim = "remember_me";
    private const string StampClaim = "stamp";

    /// <summary>Holds the sign-in in the pending cookie and answers the second-factor page to go to.</summary>
    public async Task<SignInStepRedirect> HoldAsync(SignInStepContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        await context.Http.SignInAsync(Scheme, new ClaimsPrincipal(new ClaimsIdentity(
            [
                new Claim(Claims.Subject, context.User.Id),
                new Claim(RememberMeClaim, context.RememberMe ? "true" : "false"),
                new Claim(StampClaim, context.User.SecurityStamp ?? string.Empty),
                .. context.MethodsProven.Select(method => new Claim(Claims.AuthenticationMethodReference, method)),
            ],
            Scheme)));
        await audit.WriteAsync(AuditEventTypes.SecondFactorRequested, context.User.Id, AuditLog.Success, cancellationToken: context.Http.RequestAborted);
        return new(PageUrl(context.ReturnUrl), "The user must prove a second factor interactively.");
    }

    /// <summary>The second-factor page for a sign-in resuming at <paramref name="returnUrl"/>.</summary>
    public static string PageUrl(string returnUrl, SignInMethod? method = null) =>
        PagePath + "?returnUrl=" + Uri.EscapeDataString(ReturnUrls.Sanitize(returnUrl)) + (method is { } m ? "&method=" + m : string.Empty);

    /// <summary>
    /// The sign-in waiting for a second factor in this browser: the pending cookie's (when its user still exists, is
    /// enabled and has not changed credentials since), else the signed-in session's (step-up), else null.
    /// </summary>
    public async Task<PendingSecondFactor?> PendingAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var result = await http.AuthenticateAsync(Scheme);
        if (result.Succeeded)
        {
            var userId = result.Principal!.FindFirst(Claims.Subject)?.Value;
            var user = userId is null ? null : await users.FindByIdAsync(userId);
            var stamp = result.Principal.FindFirst(StampClaim)?.Value;
            if (user is not null && user.IsEnabled && string.Equals(stamp, user.SecurityStamp, StringComparison.Ordinal))
            {
                return new(
                    user,
                    result.Principal.FindFirst(RememberMeClaim)?.Value == "true",
                    [.. result.Principal.FindAll(Claims.AuthenticationMethodReference).Select(c => c.Value)],
                    StepUp: false);
            }
        }

        var session = await http.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        if (session.Succeeded && UserSessions.Current(http) is { } current && await users.FindByIdAsync(current.UserId) is { IsEnabled: true } signedIn)
        {
            return new(signedIn, current.Persistent, current.MethodList, StepUp: true);
        }

        return null;
    }
}

/// <summary>
/// The end of the second step: the factor was proven, and the sign-in goes on (or, in step-up mode, the session gains
/// the method). Every way of proving it (a code on the second-factor page, a passkey) ends here.
/// </summary>
public sealed class SecondFactorSignIn(
    PendingSecondFactors pending,
    UserSessions sessions,
    SignInCompletion completion,
    RememberedBrowsers browsers,
    StoredPolicy<MultiFactorPolicySettings> policies,
    ApplicationDbContext db,
    AuditLog audit)
{
    /// <summary>The sign-in waiting for a second factor in this browser (see <see cref="PendingSecondFactors.PendingAsync"/>).</summary>
    public Task<PendingSecondFactor?> PendingAsync(HttpContext http) => pending.PendingAsync(http);

    /// <summary>
    /// The second factor was proven: audited, the grace period ends, the browser is remembered if asked (and the
    /// policy offers it), and the sign-in goes on with the method added (or, in step-up mode, the session gains it).
    /// Returns the local URL to go to.
    /// </summary>
    public async Task<string> PassedAsync(HttpContext http, PendingSecondFactor pending, SignInMethod method, string amr, bool rememberBrowser, string returnUrl)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(pending);
        var user = pending.User;
        audit.Add(AuditEventTypes.SecondFactorPassed, user.Id, AuditLog.Success, pending.StepUp ? "step-up" : null, method.ToString());
        await audit.SaveAsync(http.RequestAborted);
        if (user.MultiFactorGraceStartedAt is not null)
        {
            await db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.MultiFactorGraceStartedAt, (DateTimeOffset?)null), http.RequestAborted);
        }

        var policy = await policies.GetAsync(http.RequestAborted);
        if (rememberBrowser && policy.RememberBrowserDays > 0)
        {
            browsers.Remember(http, user, policy.RememberBrowserDays);
        }

        var next = ReturnUrls.Sanitize(returnUrl);
        if (pending.StepUp)
        {
            await sessions.AuthenticatedAsync(http, amr, http.RequestAborted);
            return next;
        }

        await http.SignOutAsync(PendingSecondFactors.Scheme);
        return await completion.ContinueAsync(http, user, pending.RememberMe, [.. pending.Methods.Where(m => m != amr), amr], next);
    }
}
