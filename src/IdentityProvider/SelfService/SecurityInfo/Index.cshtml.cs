using IdentityProvider.Account;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace IdentityProvider.SelfService.SecurityInfo;

/// <summary>
/// The signed-in user's recovery methods ("security info"): each method with its state, where adding or changing one
/// starts (on the method's own page: <see cref="EmailModel"/>, <see cref="PhoneModel"/>, <see cref="QuestionsModel"/>,
/// <see cref="AuthenticatorModel"/>), and whether they can reset their password on their own. Also the registration
/// step of sign-in (<c>?step=register</c> or <c>?step=reconfirm</c>, with the sign-in's return URL).
/// </summary>
[Authorize]
public sealed class IndexModel(
    UserManager<ApplicationUser> users,
    StoredPolicy<SelfServicePolicySettings> policies,
    SelfServiceEligibilityEvaluator eligibility,
    Account.Sessions.UserSessions sessions,
    SecurityInfoChanges changes,
    SecurityQuestions questions,
    MultiFactor.MultiFactorRequirement multiFactor,
    MultiFactor.BackupCodes backupCodes,
    TimeProvider time,
    Passkeys.PasskeyCredentials passkeys,
    StoredPolicy<MultiFactor.MultiFactorPolicySettings> multiFactorPolicies,
    AuditLog audit,
    Microsoft.Extensions.Localization.IStringLocalizer<SecurityInfoText> texts) : SecurityInfoPageModel(users, policies, eligibility, sessions, texts)
{
    public const string Path = "/Account/SecurityInfo";

    [BindProperty]
    public RecoveryMethod? Method { get; set; }

    /// <summary>IT staff need an authenticator app for the admin step-up, whatever self-service allows.</summary>
    public bool IsStaff => StaffRoles.All.Any(User.IsInRole);

    public int AnsweredQuestions => RegisteredQuestions.Count;

    /// <summary>The security questions the user answered, in the reader's language.</summary>
    public IReadOnlyList<string> RegisteredQuestions { get; private set; } = [];

    /// <summary>The user's passkeys (oldest first).</summary>
    public IReadOnlyList<Passkeys.PasskeyCredential> PasskeyList { get; private set; } = [];

    /// <summary>Passkeys are shown when either policy allows them or the user has one.</summary>
    public bool PasskeysOffered { get; private set; }

    /// <summary>Where the user came from (e.g. the admin step-up), to go on once a method is set up.</summary>
    public string? ContinueUrl => Step is null && ReturnUrls.Sanitize(ReturnUrl) is var next && next != "/" ? next : null;

    /// <summary>A new mobile number may be checked by text message (not for administrators, unless configured).</summary>
    public bool TextOffered { get; private set; }

    public string? Skippable =>
        (Step == "register" && Policy.RegistrationSkippable) || (Step == MultiFactorStep && SecondFactorDeferrable)
            ? ReturnUrls.Sanitize(ReturnUrl)
            : null;

    /// <summary>The sign-in step that asks for a second factor to be registered.</summary>
    public const string MultiFactorStep = "mfa";

    /// <summary>The second-factor methods the user has that sign-in counts (empty when none).</summary>
    public IReadOnlyList<MultiFactor.SignInMethod> SecondFactors { get; private set; } = [];

    /// <summary>Whether sign-in asks this user for a second factor.</summary>
    public bool SecondFactorRequired { get; private set; }

    /// <summary>When the grace period for registering a second factor ends, for a user who must and has none.</summary>
    public DateTimeOffset? SecondFactorGraceEnds { get; private set; }

    /// <summary>The grace period has not ended: registering a second factor may be put off.</summary>
    public bool SecondFactorDeferrable { get; private set; }

    public int BackupCodesLeft { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        await LoadAsync();
        ShowProblems();
        return Page();
    }

    /// <summary>
    /// Removes the alternate email, the mobile number or the security questions. The authenticator app is removed on
    /// its own page, with a code from the app.
    /// </summary>
    public async Task<IActionResult> OnPostRemoveAsync()
    {
        if (await GuardAsync() is { } stop)
        {
            return stop;
        }

        if (Method is not (RecoveryMethod.AlternateEmail or RecoveryMethod.MobileText or RecoveryMethod.SecurityQuestions))
        {
            return Problem(Texts["That method can't be removed here."]);
        }

        await changes.RemoveAsync(Profile, Method.Value, HttpContext.RequestAborted);
        return Done(Method switch
        {
            RecoveryMethod.AlternateEmail => Texts["Your alternate email address is removed."],
            RecoveryMethod.MobileText => Texts["Your mobile phone number is removed."],
            _ => Texts["Your security questions are removed."],
        });
    }

    /// <summary>Re-confirm at sign-in: "my methods are still right".</summary>
    public async Task<IActionResult> OnPostConfirmAsync()
    {
        await LoadAsync();
        await changes.ConfirmStillRightAsync(Profile, HttpContext.RequestAborted);
        return LocalRedirect(ReturnUrls.Sanitize(ReturnUrl));
    }

    /// <summary>Registration at sign-in, skipped where the policy allows: the user is asked again next time.</summary>
    public async Task<IActionResult> OnPostSkipAsync()
    {
        await LoadAsync();
        if (Skippable is null && Step is "register" or MultiFactorStep)
        {
            return Retry(Texts["Your organisation asks you to register before you go on."]);
        }

        await audit.WriteAsync(AuditEventTypes.SecurityInfoSkipped, Profile.Id, AuditLog.Success, Step, cancellationToken: HttpContext.RequestAborted);
        return LocalRedirect(ReturnUrls.Sanitize(ReturnUrl));
    }

    public static string QueryString(string? step, string? returnUrl)
    {
        var parts = new List<string>();
        if (!string.IsNullOrEmpty(step))
        {
            parts.Add("step=" + Uri.EscapeDataString(step));
        }

        if (!string.IsNullOrEmpty(returnUrl))
        {
            parts.Add("returnUrl=" + Uri.EscapeDataString(ReturnUrls.Sanitize(returnUrl)));
        }

        return parts.Count == 0 ? string.Empty : "?" + string.Join('&', parts);
    }

    protected override async Task LoadAsync()
    {
        await base.LoadAsync();
        var available = questions.Available;
        RegisteredQuestions = [.. (await questions.RegisteredAsync(Profile.Id, HttpContext.RequestAborted)).Select(id => available.GetValueOrDefault(id, Texts["A question no longer offered"]))];
        PasskeyList = await passkeys.ListAsync(Profile.Id, HttpContext.RequestAborted);
        PasskeysOffered = PasskeyList.Count > 0 || Policy.Methods.Contains(RecoveryMethod.Passkey)
            || (await multiFactorPolicies.GetAsync(HttpContext.RequestAborted)).Methods.Contains(MultiFactor.SignInMethod.Passkey);
        TextOffered = await PhoneModel.TextOfferedAsync(Evaluator, Profile);
        SecondFactors = await multiFactor.MethodsAsync(Profile, HttpContext.RequestAborted);
        SecondFactorRequired = await multiFactor.AppliesAsync(Profile, HttpContext.RequestAborted);
        SecondFactorGraceEnds = Step == MultiFactorStep && SecondFactorRequired && SecondFactors.Count == 0
            ? await multiFactor.GraceEndsAsync(Profile, HttpContext.RequestAborted)
            : null;
        SecondFactorDeferrable = SecondFactorGraceEnds > time.GetUtcNow();
        BackupCodesLeft = await backupCodes.RemainingAsync(Profile.Id, HttpContext.RequestAborted);
    }
}
