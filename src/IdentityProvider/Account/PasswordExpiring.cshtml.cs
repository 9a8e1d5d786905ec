using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace IdentityProvider.Account;

/// <summary>Shown after sign-in inside the expiry warning period; "later" continues where the user was going.</summary>
public sealed class PasswordExpiringModel : PageModel
{
    [BindProperty(SupportsGet = true)]
    public int Days { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string LaterUrl => ReturnUrls.Sanitize(ReturnUrl);

    public string ChangeUrl => "/Account/ChangePassword?returnUrl=" + Uri.EscapeDataString(LaterUrl) + "&cancelUrl=" + Uri.EscapeDataString(LaterUrl);

    public void OnGet() => Days = Math.Clamp(Days, 1, 365);
}
