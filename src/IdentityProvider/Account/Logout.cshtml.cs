using IdentityProvider.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace IdentityProvider.Account;

/// <summary>Sign-out asks first (GET) and acts only on a form post with an anti-forgery token.</summary>
public sealed class LogoutModel(SignInManager<ApplicationUser> signIn, Oidc.BackChannelLogout backChannel, ApplicationDbContext db) : PageModel
{
    /// <summary>Where to continue after signing out: only the end-session endpoint (to return to the app that asked).</summary>
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public IActionResult OnGet() => User.Identity?.IsAuthenticated == true ? Page() : Continue();

    public async Task<IActionResult> OnPostAsync()
    {
        // The apps this browser signed in to end their sessions too (back-channel logout).
        if (User.FindFirst(OpenIddict.Abstractions.OpenIddictConstants.Claims.Subject)?.Value is { } userId)
        {
            await backChannel.QueueAsync(userId, User.FindFirst(Oidc.CustomClaims.SessionId)?.Value, HttpContext.RequestAborted);
            await db.SaveChangesAsync(HttpContext.RequestAborted);
        }

        await signIn.SignOutAsync();
        return Continue();
    }

    private IActionResult Continue()
    {
        var next = ReturnUrls.Sanitize(ReturnUrl);
        return next.StartsWith("/connect/endsession", StringComparison.OrdinalIgnoreCase) ? LocalRedirect(next) : RedirectToPage("/Account/SignedOut");
    }
}
