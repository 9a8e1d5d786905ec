using IdentityProvider.Account;
using IdentityProvider.Data;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace IdentityProvider.SelfService.SecurityInfo;

/// <summary>
/// What every security-info page needs: the signed-in user, the policy and whether they can reset on their own (the
/// layout shows it); the registration step of sign-in they may be in (<c>?step=register</c> or <c>?step=reconfirm</c>,
/// with the sign-in's return URL), which every form and link carries along; a sign-in within the last 5 minutes before
/// any change; and the way back to the overview, with what was saved or what went wrong.
/// </summary>
[Authorize]
public abstract class SecurityInfoPageModel : PageModel
{
    private const string SavedKey = "saved";
    private const string ProblemsKey = "problems";

    private readonly StoredPolicy<SelfServicePolicySettings> policies;
    private readonly Account.Sessions.UserSessions sessions;

    protected SecurityInfoPageModel(UserManager<ApplicationUser> users, StoredPolicy<SelfServicePolicySettings> policies, SelfServiceEligibilityEvaluator eligibility, Account.Sessions.UserSessions sessions)
    {
        Users = users;
        Evaluator = eligibility;
        this.policies = policies;
        this.sessions = sessions;
    }

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    /// <summary><c>register</c> or <c>reconfirm</c> when sign-in sent the user here.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Step { get; set; }

    public ApplicationUser Profile { get; private set; } = null!;

    public SelfServicePolicySettings Policy { get; private set; } = null!;

    public SelfServiceEligibility Eligibility { get; private set; } = null!;

    /// <summary>The overview, keeping the sign-in step and return URL.</summary>
    public string Overview => IndexModel.Path + IndexModel.QueryString(Step, ReturnUrl);

    public string? SavedMessage => TempData.Peek(SavedKey) as string;

    protected UserManager<ApplicationUser> Users { get; }

    protected SelfServiceEligibilityEvaluator Evaluator { get; }

    /// <summary>The address a form posts to: a security-info page's handler, keeping the sign-in step and return URL.</summary>
    public string HandlerUrl(string path, string handler) =>
        path + "?handler=" + handler + IndexModel.QueryString(Step, ReturnUrl).Replace("?", "&", StringComparison.Ordinal);

    protected virtual async Task LoadAsync()
    {
        Profile = await Users.GetUserAsync(User) ?? throw new InvalidOperationException("The signed-in user no longer exists.");
        Policy = await policies.GetAsync(HttpContext.RequestAborted);
        Eligibility = await Evaluator.EvaluateAsync(Profile, HttpContext.RequestAborted);
    }

    /// <summary>Loads the page's data; a change needs a recent sign-in, otherwise the password is asked again.</summary>
    protected async Task<IActionResult?> GuardAsync()
    {
        await LoadAsync();
        if (!sessions.IsRecentlyAuthenticated(HttpContext, Profile))
        {
            return LocalRedirect(ReauthenticateModel.Path + "?returnUrl=" + Uri.EscapeDataString(Overview));
        }

        return ModelState.IsValid ? null : Problem([.. ModelState.Values.SelectMany(v => v.Errors).Select(e => e.ErrorMessage)]);
    }

    /// <summary>Back to the overview, which says what was saved.</summary>
    protected RedirectResult Done(string message)
    {
        TempData[SavedKey] = message;
        return Redirect(Overview);
    }

    /// <summary>Back to the overview, which shows what went wrong above the methods, where the user starts again.</summary>
    protected RedirectResult Problem(params string[] messages)
    {
        TempData[ProblemsKey] = messages;
        return Redirect(Overview);
    }

    /// <summary>This page again, for another try, saying what was wrong.</summary>
    protected PageResult Retry(string message)
    {
        ModelState.AddModelError(string.Empty, message);
        return Page();
    }

    /// <summary>The problems a page sent the user back to the overview with, shown as this page's errors.</summary>
    protected void ShowProblems()
    {
        foreach (var message in TempData[ProblemsKey] as string[] ?? [])
        {
            ModelState.AddModelError(string.Empty, message);
        }
    }
}
