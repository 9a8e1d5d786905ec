using IdentityProvider.Account;
using IdentityProvider.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace IdentityProvider.SelfService.Recovery;

/// <summary>The new password, once every gate is passed: the one password policy, a message per broken rule, the meter.</summary>
public sealed class PasswordModel(RecoveryJourneys journeys, StoredPolicy<SelfServicePolicySettings> policies, RecoveryCompletion completion, UserManager<ApplicationUser> users) : RecoveryPageModel(journeys, policies)
{
    protected override IReadOnlySet<RecoveryStep> Steps { get; } = new HashSet<RecoveryStep> { RecoveryStep.Password };

    [BindProperty]
    public Passwords.NewPasswordInput Input { get; set; } = new();

    public Passwords.NewPasswordFields PasswordFields { get; } = new("Input.NewPassword", "Input.ConfirmPassword");

    public string SignInUrl => SignInLink(Journey.ReturnUrl, TypedUserId);

    public IActionResult OnGet() => Page();

    public async Task<IActionResult> OnPostAsync()
    {
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
            ModelState.AddModelError("Input.NewPassword", error.Description);
        }

        return Again();
    }

    private PageResult Again()
    {
        Input = new Passwords.NewPasswordInput();
        return Page();
    }
}
