using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace IdentityProvider.Admin;

/// <summary>
/// Admin pages need a recent proof with the account's strongest method: an authenticator code when the admin has an
/// app, otherwise the password. The proof lives 15 minutes in a cookie (time-limited Data Protection payload).
/// </summary>
public sealed class AdminStepUp(IDataProtectionProvider protection, TimeProvider time)
{
    public const string CookieName = "idp.admin";
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);

    private readonly ITimeLimitedDataProtector protector = protection.CreateProtector("IdentityProvider.Admin.StepUp").ToTimeLimitedDataProtector();

    public void Mark(HttpContext http, string userId)
    {
        ArgumentNullException.ThrowIfNull(http);
        http.Response.Cookies.Append(CookieName, protector.Protect(userId, time.GetUtcNow().Add(Window)), new CookieOptions
        {
            HttpOnly = true,
            Secure = http.Request.IsHttps,
            SameSite = SameSiteMode.Strict,
            Path = "/admin",
            MaxAge = Window,
            IsEssential = true,
        });
    }

    public bool IsFresh(HttpContext http, string? userId)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (userId is null || !http.Request.Cookies.TryGetValue(CookieName, out var value) || string.IsNullOrEmpty(value) || value.Length > 2000)
        {
            return false;
        }

        try
        {
            return protector.Unprotect(value, out var expires) == userId && expires > time.GetUtcNow();
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return false;
        }
    }
}

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
