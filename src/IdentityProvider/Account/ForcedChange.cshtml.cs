using System.Security.Claims;
using IdentityProvider.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdentityProvider.Account;

/// <summary>
/// The password was right but must be changed first (an administrator's temporary password, or an expired one).
/// Only the short-lived pending cookie from the sign-in page gets here; no session or token exists until the new
/// password is set.
/// </summary>
public sealed class ForcedChangeModel(
    UserManager<ApplicationUser> users, SignInCompletion completion, PasswordChanger changer, TemporaryPasswords temporaryPasswords) : PageModel
{
    [BindProperty]
    public Passwords.NewPasswordInput Input { get; set; } = new();

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public bool Expired { get; private set; }

    /// <summary>The methods proven before the change was required (the password, and a second factor if one was asked).</summary>
    private List<string> Methods { get; set; } = [];

    public Passwords.NewPasswordFields PasswordFields { get; } = new("Input.NewPassword", "Input.ConfirmPassword");

    public async Task<IActionResult> OnGetAsync() => await PendingUserAsync() is null ? SignInAgain() : Page();

    public async Task<IActionResult> OnPostAsync()
    {
        var pending = await PendingUserAsync();
        if (pending is null)
        {
            return SignInAgain();
        }

        if (!ModelState.IsValid)
        {
            return Page();
        }

        var (user, rememberMe) = pending.Value;
        var result = await changer.ChangeAsync(user, currentPassword: null, Input.NewPassword, Expired ? "forced:expired" : "forced:required");
        if (!result.Succeeded)
        {
            foreach (var error in result.Errors)
            {
                ModelState.AddModelError("Input.NewPassword", error.Description);
            }

            return Page();
        }

        await HttpContext.SignOutAsync(PendingPasswordChange.Scheme);
        return LocalRedirect(await completion.ContinueAsync(HttpContext, user, rememberMe, Methods, ReturnUrls.Sanitize(ReturnUrl)));
    }

    private async Task<(ApplicationUser User, bool RememberMe)?> PendingUserAsync()
    {
        var result = await HttpContext.AuthenticateAsync(PendingPasswordChange.Scheme);
        var userId = result.Principal?.FindFirst(Claims.Subject)?.Value;
        var user = userId is null ? null : await users.FindByIdAsync(userId);
        var stamp = result.Principal?.FindFirst(PendingPasswordChange.StampClaim)?.Value;
        if (user is null || !user.IsEnabled || stamp is null || !string.Equals(stamp, user.SecurityStamp, StringComparison.Ordinal)
            || temporaryPasswords.HasExpired(user))
        {
            // Gone, disabled, its credentials changed since the password was verified, or an expired temporary
            // password (the sign-in page says so to whoever types it): sign in again.
            return null;
        }

        Expired = result.Principal!.FindFirst(PendingPasswordChange.ReasonClaim)?.Value == PendingPasswordChange.ReasonExpired;
        Methods = [.. result.Principal!.FindAll(Claims.AuthenticationMethodReference).Select(c => c.Value)];
        return (user, result.Principal!.FindFirst(PendingPasswordChange.RememberMeClaim)?.Value == "true");
    }

    private LocalRedirectResult SignInAgain() => LocalRedirect("/Account/Login?returnUrl=" + Uri.EscapeDataString(ReturnUrls.Sanitize(ReturnUrl)));
}
