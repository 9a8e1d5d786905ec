using IdentityProvider.Account.Sessions;
using IdentityProvider.Data;
using IdentityProvider.SelfService.MultiFactor;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace IdentityProvider.Admin;

/// <summary>
/// Admin pages need a recent second factor in this session (the step-up, <c>/admin/verify</c>): a code from the staff
/// member's authenticator app, never the password again. It lasts <see cref="UserSessionOptions.StepUpWindow"/> (15
/// minutes) and is kept on the server-side session, so it ends with the session. A sign-in within that window counts
/// as the step-up (<see cref="SignedInFreshly"/>), so nobody is asked for a code a second after signing in.
/// </summary>
internal sealed class AdminStepUpFilter : IAsyncPageFilter
{
    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var http = context.HttpContext;
        var sessions = http.RequestServices.GetRequiredService<UserSessions>();
        var userId = http.User.FindFirst(OpenIddict.Abstractions.OpenIddictConstants.Claims.Subject)?.Value;
        if (!sessions.HasFreshSecondFactor(http, userId) && !await SignedInFreshly(http, sessions, userId))
        {
            var here = http.Request.PathBase + http.Request.Path + (HttpMethods.IsGet(http.Request.Method) ? http.Request.QueryString.Value : string.Empty);
            context.Result = new LocalRedirectResult("/admin/verify?returnUrl=" + Uri.EscapeDataString(here));
            return;
        }

        await next();
    }

    /// <summary>
    /// True when this session signed in within the step-up window and that sign-in stood on more than the password:
    /// the browser was remembered after an earlier second factor (so the sign-in skipped it), or the staff member set
    /// up their authenticator app since (which took a code from the app, and for a first app a code by email). A
    /// password alone, or an older sign-in, still needs the step-up.
    /// </summary>
    internal static async Task<bool> SignedInFreshly(HttpContext http, UserSessions sessions, string? userId)
    {
        var time = http.RequestServices.GetRequiredService<TimeProvider>();
        if (UserSessions.Current(http) is not { } session || session.UserId != userId
            || time.GetUtcNow() - session.AuthenticatedAt > sessions.Options.StepUpWindow)
        {
            return false;
        }

        var user = await http.RequestServices.GetRequiredService<UserManager<ApplicationUser>>().FindByIdAsync(session.UserId);
        if (user is null || user.AuthenticatorSecretProtected is null)
        {
            return false;
        }

        if (user.AuthenticatorRegisteredAt >= session.AuthenticatedAt)
        {
            return true;
        }

        var policy = await http.RequestServices.GetRequiredService<StoredPolicy<MultiFactorPolicySettings>>().GetAsync(http.RequestAborted);
        return http.RequestServices.GetRequiredService<RememberedBrowsers>().IsRemembered(http, user, policy.RememberBrowserDays);
    }
}
