using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.Lockout;
using IdentityProvider.Passwords;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace IdentityProvider.Admin.Policies;

/// <summary>The password policy (with the organisation's banned terms) and the lockout policy; each change audited old → new.</summary>
[Authorize(Policy = AdminPolicies.SettingsPolicy)]
public sealed class PasswordsModel(
    StoredPolicy<PasswordPolicySettings> passwords,
    PolicyEditor<PasswordPolicySettings> passwordEditor,
    StoredPolicy<LockoutPolicySettings> lockout,
    PolicyEditor<LockoutPolicySettings> lockoutEditor,
    Microsoft.Extensions.Localization.IStringLocalizer<AdminText> texts) : PageModel
{
    public PasswordPolicySettings Password { get; set; } = new();

    public LockoutPolicySettings Lockout { get; set; } = new();

    public string? Saved { get; private set; }

    public async Task OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnPostPasswordAsync()
    {
        var posted = new PasswordPolicySettings();
        if (!await TryUpdateModelAsync(posted, nameof(Password)))
        {
            await LoadAsync();
            Password = posted;
            return Page();
        }

        await passwordEditor.SaveAsync(posted, HttpContext.RequestAborted);
        await LoadAsync();
        Saved = texts["The password policy is saved."];
        return Page();
    }

    public async Task<IActionResult> OnPostLockoutAsync()
    {
        var posted = new LockoutPolicySettings();
        if (!await TryUpdateModelAsync(posted, nameof(Lockout)))
        {
            await LoadAsync();
            Lockout = posted;
            return Page();
        }

        await lockoutEditor.SaveAsync(posted, HttpContext.RequestAborted);
        await LoadAsync();
        Saved = texts["The lockout policy is saved."];
        return Page();
    }

    private async Task LoadAsync()
    {
        Password = await passwords.GetAsync(HttpContext.RequestAborted);
        Lockout = await lockout.GetAsync(HttpContext.RequestAborted);
    }
}
