using IdentityProvider.Hosting;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace IdentityProvider.Admin;

/// <summary>
/// Admin pages need a recent proof with the account's strongest method: an authenticator code when the admin has an
/// app, otherwise the password. The proof lasts 15 minutes, in a cookie sent only to <c>/admin</c>.
/// </summary>
public sealed class AdminStepUp(IDataProtectionProvider protection, TimeProvider time)
    : ProofCookie(protection, time, "IdentityProvider.Admin.StepUp", "idp.admin", "/admin", SameSiteMode.Strict, TimeSpan.FromMinutes(15));

/// <summary>Sends an admin page's visitor to <c>/admin/verify</c> first when their step-up is missing or old.</summary>
internal sealed class AdminStepUpFilter : IAsyncPageFilter
{
    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var http = context.HttpContext;
        var stepUp = http.RequestServices.GetRequiredService<AdminStepUp>();
        var userId = http.User.FindFirst(OpenIddict.Abstractions.OpenIddictConstants.Claims.Subject)?.Value;
        if (!stepUp.IsFresh(http, userId))
        {
            var here = http.Request.PathBase + http.Request.Path + (HttpMethods.IsGet(http.Request.Method) ? http.Request.QueryString.Value : string.Empty);
            context.Result = new LocalRedirectResult("/admin/verify?returnUrl=" + Uri.EscapeDataString(here));
            return;
        }

        await next();
    }
}
