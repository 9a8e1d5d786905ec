using IdentityProvider.Account.Sessions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace IdentityProvider.Admin;

/// <summary>
/// Admin pages need a recent second factor in this session (the step-up, <c>/admin/verify</c>): a code from the staff
/// member's authenticator app, never the password again. It lasts <see cref="UserSessionOptions.StepUpWindow"/> (15
/// minutes) and is kept on the server-side session, so it ends with the session.
/// </summary>
internal sealed class AdminStepUpFilter : IAsyncPageFilter
{
    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var http = context.HttpContext;
        var sessions = http.RequestServices.GetRequiredService<UserSessions>();
        var userId = http.User.FindFirst(OpenIddict.Abstractions.OpenIddictConstants.Claims.Subject)?.Value;
        if (!sessions.HasFreshSecondFactor(http, userId))
        {
            var here = http.Request.PathBase + http.Request.Path + (HttpMethods.IsGet(http.Request.Method) ? http.Request.QueryString.Value : string.Empty);
            context.Result = new LocalRedirectResult("/admin/verify?returnUrl=" + Uri.EscapeDataString(here));
            return;
        }

        await next();
    }
}
