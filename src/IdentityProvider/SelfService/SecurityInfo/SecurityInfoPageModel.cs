using System.Text.Json;
using IdentityProvider.Data;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;

namespace IdentityProvider.SelfService.SecurityInfo;

/// <summary>
/// What every security-info page needs: the signed-in user, the policy and whether they can reset on their own (the
/// layout shows it); the registration step of sign-in they may be in (<c>?step=register</c> or <c>?step=reconfirm</c>,
/// with the sign-in's return URL), which every form and link carries along; a sign-in within the last 5 minutes before
/// any change; and the way back to the overview, with what was saved (shown once, on the page right after the save)
/// or what went wrong (under the field it is about). What the user typed, except secrets, comes back with them: after
/// a problem, and after they were sent to enter their password again.
/// </summary>
[Authorize]
public abstract class SecurityInfoPageModel : PageModel
{
    private const string SavedKey = "saved";
    private const string ProblemsKey = "problems";
    private const string DraftKey = "draft";

    private readonly StoredPolicy<SelfServicePolicySettings> policies;
    private readonly Account.Sessions.UserSessions sessions;

    private Dictionary<string, string> draft = [];

    protected SecurityInfoPageModel(
        UserManager<ApplicationUser> users,
        StoredPolicy<SelfServicePolicySettings> policies,
        SelfServiceEligibilityEvaluator eligibility,
        Account.Sessions.UserSessions sessions,
        IStringLocalizer<SecurityInfoText> texts)
    {
        Users = users;
        Evaluator = eligibility;
        Texts = texts;
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

    /// <summary>What the last change saved: read (and so forgotten) by the page right after the save only.</summary>
    public string? SavedMessage { get; private set; }

    protected UserManager<ApplicationUser> Users { get; }

    protected SelfServiceEligibilityEvaluator Evaluator { get; }

    /// <summary>Security info's texts in the reader's language.</summary>
    protected IStringLocalizer<SecurityInfoText> Texts { get; }

    /// <summary>
    /// The page (path and query) whose form the user fills: where they come back to after entering their password again.
    /// </summary>
    protected virtual string FormPage => Overview;

    /// <summary>The form fields kept when the user must enter their password again or is sent back with a problem: never secrets.</summary>
    protected virtual IReadOnlyCollection<string> KeptFields => [];

    /// <summary>What the user typed in <paramref name="field"/> before they were sent away (re-authentication, a problem), or null.</summary>
    public string? Kept(string field) => draft.GetValueOrDefault(field);

    /// <summary>The address a form posts to: a security-info page's handler, keeping the sign-in step and return URL.</summary>
    public string HandlerUrl(string path, string handler) =>
        path + "?handler=" + handler + IndexModel.QueryString(Step, ReturnUrl).Replace("?", "&", StringComparison.Ordinal);

    protected virtual async Task LoadAsync()
    {
        Profile = await Users.GetUserAsync(User) ?? throw new InvalidOperationException("The signed-in user no longer exists.");
        Policy = await policies.GetAsync(HttpContext.RequestAborted);
        Eligibility = await Evaluator.EvaluateAsync(Profile, HttpContext.RequestAborted);
        if (HttpMethods.IsGet(Request.Method))
        {
            SavedMessage = TempData[SavedKey] as string;
            draft = TempData[DraftKey] is string kept ? JsonSerializer.Deserialize<Dictionary<string, string>>(kept) ?? [] : [];
        }
    }

    /// <summary>Loads the page's data; a change needs a recent sign-in, otherwise the password is asked again.</summary>
    protected async Task<IActionResult?> GuardAsync()
    {
        await LoadAsync();
        if (!sessions.IsRecentlyAuthenticated(HttpContext, Profile))
        {
            KeepDraft();
            return LocalRedirect(ReauthenticateModel.Path + "?returnUrl=" + Uri.EscapeDataString(FormPage));
        }

        if (ModelState.IsValid)
        {
            return null;
        }

        KeepDraft();
        return Problem([.. ModelState.Where(e => e.Value is { Errors.Count: > 0 }).SelectMany(e => e.Value!.Errors.Select(error => (e.Key, error.ErrorMessage)))]);
    }

    /// <summary>Back to the overview, which says what was saved.</summary>
    protected RedirectResult Done(string message)
    {
        TempData[SavedKey] = message;
        return Redirect(Overview);
    }

    /// <summary>Back to the overview, which shows what went wrong above the methods, where the user starts again.</summary>
    protected RedirectResult Problem(params string[] messages) => Problem([.. messages.Select(m => (string.Empty, m))]);

    /// <summary>
    /// Back to the page of the form, which shows each problem under its field (or above the form for "") with what
    /// the user typed (except secrets).
    /// </summary>
    protected RedirectResult Problem(params (string Field, string Message)[] problems)
    {
        KeepDraft();
        TempData[ProblemsKey] = JsonSerializer.Serialize(problems.Select(p => new[] { p.Field, p.Message }));
        return Redirect(FormPage);
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
        var problems = TempData[ProblemsKey] is string json ? JsonSerializer.Deserialize<string[][]>(json) ?? [] : [];
        foreach (var problem in problems.Where(p => p.Length == 2))
        {
            ModelState.AddModelError(problem[0], problem[1]);
        }
    }

    /// <summary>Keeps the posted values of <see cref="KeptFields"/> for the next page that shows the form.</summary>
    private void KeepDraft()
    {
        if (!Request.HasFormContentType || KeptFields.Count == 0)
        {
            return;
        }

        var kept = Request.Form.Where(f => KeptFields.Contains(f.Key) && f.Value.ToString().Length <= 256)
            .ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal);
        if (kept.Count > 0)
        {
            TempData[DraftKey] = JsonSerializer.Serialize(kept);
        }
    }
}
