using IdentityProvider.Account;
using IdentityProvider.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace IdentityProvider.SelfService.Recovery;

/// <summary>The new password, once every gate is passed: the one password policy, a message per broken rule, the meter.</summary>
public sealed class PasswordModel(RecoveryJourneys journeys, RecoveryCompletion completion, UserManager<ApplicationUser> users) : RecoveryPageModel(journeys)
{
    [BindProperty]
    public Passwords.NewPasswordInput Input { get; set; } = new();

    public Passwords.NewPasswordFields PasswordFields { get; } = new("Input.NewPassword", "Input.ConfirmPassword");

    public string SignInUrl => IdentityProvider.Account.ReturnUrls.SignInLink(Journey.ReturnUrl);

    public async Task<IActionResult> OnGetAsync() => await LoadAsync() ?? Page();

    public async Task<IActionResult> OnPostAsync()
    {
        if (await LoadAsync() is { } elsewhere)
        {
            return elsewhere;
        }

        if (!ModelState.IsValid)
        {
            return Again();
        }

        var user = await users.FindByIdAsync(Journey.UserId!);
        if (user is null)
        {
            return LocalRedirect(StartPath);
        }

        var result = await completion.ResetAsync(Journey, user, Input.NewPassword, HttpContext.RequestAborted);
        if (result.Succeeded || result.Errors.Any(e => e.Code == RecoveryCompletion.AlreadyDone))
        {
            // A parallel submission may have won: the done page tells what happened either way.
            return LocalRedirect(DonePath);
        }

        foreach (var error in result.Errors)
        {
            ModelState.AddModelError(string.Empty, error.Description);
        }

        return Again();
    }

    private PageResult Again()
    {
        Input = new Passwords.NewPasswordInput();
        return Page();
    }

    private async Task<IActionResult?> LoadAsync()
    {
        if (await LoadJourneyAsync() is { } elsewhere)
        {
            return elsewhere;
        }

        return Journey.GatesPassed ? null : LocalRedirect(Journey.Reason is null ? ReasonPath : VerifyPath);
    }
}
