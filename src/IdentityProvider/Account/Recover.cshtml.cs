using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace IdentityProvider.Account;

/// <summary>The entry point of self-service recovery, reached from "Can't access your account?". Keeps the return URL.</summary>
public sealed class RecoverModel : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string SignInUrl => "/Account/Login?returnUrl=" + Uri.EscapeDataString(ReturnUrls.Sanitize(ReturnUrl));

    public void OnGet()
    {
    }
}
