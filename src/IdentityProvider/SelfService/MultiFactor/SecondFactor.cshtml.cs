using System.ComponentModel.DataAnnotations;
using IdentityProvider.Account;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.Lockout;
using IdentityProvider.Messaging;
using IdentityProvider.SelfService.Recovery;
using IdentityProvider.SelfService.Verification;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;

namespace IdentityProvider.SelfService.MultiFactor;

/// <summary>
/// "Verify it's you": the second step of sign-in (after the password, held by the pending cookie) and the step-up of
/// a signed-in user an app asked for more. The strongest method the user has comes first; "use another way" lists the
/// rest. Wrong codes count on the user's second-factor counter (apart from the password's, and apart for the user's
/// familiar browser); codes sent by text, call or email share the self-service throttles and the verification-code
/// machinery (8 digits, 5 minutes, single use).
/// </summary>
[Microsoft.AspNetCore.Authorization.AllowAnonymous]
public sealed class SecondFactorModel(
    SecondFactorSignIn signIn,
    MultiFactorRequirement requirement,
    StoredPolicy<MultiFactorPolicySettings> policies,
    SecondFactorCheck check,
    AuthenticatorCodes authenticator,
    BackupCodes backupCodes,
    VerificationCodes codes,
    RecoveryThrottle throttle,
    FamiliarDevices familiarDevices,
    Outbox outbox,
    MessageTemplates templates,
    ApplicationDbContext db,
    AuditLog audit,
    Localization.LocalTimes times,
    IStringLocalizer<SelfServiceText> texts) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    /// <summary>The method asked for (<c>?method=</c>); the strongest the user has when absent or not theirs.</summary>
    [BindProperty(SupportsGet = true)]
    public SignInMethod? Method { get; set; }

    [BindProperty]
    [StringLength(40, ErrorMessage = "That code is too long.")]
    public string? Code { get; set; }

    /// <summary>The code sent by text, call or email that <see cref="Code"/> answers.</summary>
    [BindProperty]
    public Guid? CodeId { get; set; }

    [BindProperty]
    [Display(Name = "Don't ask again on this browser")]
    public bool RememberBrowser { get; set; }

    /// <summary>The methods the user can use, strongest first.</summary>
    public IReadOnlyList<SignInMethod> Methods { get; private set; } = [];

    public SignInMethod? Chosen { get; private set; }

    public PendingSecondFactor? Pending { get; private set; }

    /// <summary>How many days "don't ask again" lasts (0: not offered).</summary>
    public int RememberBrowserDays { get; private set; }

    /// <summary>Where the code was sent (masked), once it was.</summary>
    public string? SentTo { get; private set; }

    /// <summary>Set while wrong codes paused second-factor checks for this user from this browser: until when.</summary>
    public DateTimeOffset? PausedUntil { get; private set; }

    public string LoginUrl => "/Account/Login?returnUrl=" + Uri.EscapeDataString(ReturnUrls.Sanitize(ReturnUrl));

    public bool SendsCode => Chosen is SignInMethod.MobileText or SignInMethod.MobileCall or SignInMethod.AlternateEmail;

    public async Task<IActionResult> OnGetAsync() => await LoadAsync() ? Page() : LocalRedirect(LoginUrl);

    /// <summary>"Sign in as someone else": the sign-in waiting here is dropped (a step-up keeps its session).</summary>
    public async Task<IActionResult> OnPostCancelAsync()
    {
        ReturnUrl = ReturnUrls.Sanitize(ReturnUrl);
        await HttpContext.SignOutAsync(PendingSecondFactors.Scheme);
        return LocalRedirect(LoginUrl);
    }

    /// <summary>Sends a code by text, call or email (counted by the self-service throttles).</summary>
    public async Task<IActionResult> OnPostSendAsync()
    {
        if (!await LoadAsync())
        {
            return LocalRedirect(LoginUrl);
        }

        if (!SendsCode || Chosen is not { } method)
        {
            return Page();
        }

        var user = Pending!.User;
        var kind = method == SignInMethod.AlternateEmail ? RecoveryThrottle.Email
            : RecoveryThrottle.Gate(method == SignInMethod.MobileText ? RecoveryMethod.MobileText : RecoveryMethod.MobileCall);
        if (await throttle.RecordAsync(user.Id, kind, user.Id, HttpContext.RequestAborted) is { } blocked)
        {
            ModelState.AddModelError(string.Empty, texts["Too many codes were sent. Try again after {0}, or use another way.", times.Format(blocked, Localization.TimeFormat.Time)]);
            return Status(StatusCodes.Status429TooManyRequests);
        }

        var (id, code) = await codes.IssueAsync(user.Id, Purpose(method), HttpContext.RequestAborted);
        var culture = System.Globalization.CultureInfo.CurrentUICulture;
        _ = method switch
        {
            SignInMethod.AlternateEmail => outbox.Email(user.AlternateEmail!, templates.VerificationCode(code, VerificationCodes.Lifetime, culture, user.UserName ?? user.Id, CodePurpose.SignIn), "mfa-code"),
            SignInMethod.MobileText => outbox.SmsCode(user.MobilePhone!, code, culture),
            _ => outbox.VoiceCode(user.MobilePhone!, code, culture),
        };
        audit.Add(AuditEventTypes.SecondFactorCodeSent, user.Id, AuditLog.Success, method: method.ToString());
        await db.SaveChangesAsync(HttpContext.RequestAborted);
        CodeId = id;
        SentTo = Destination(user, method);
        return Page();
    }

    /// <summary>Checks a code from the app, one sent, or a backup code.</summary>
    public async Task<IActionResult> OnPostVerifyAsync()
    {
        if (!await LoadAsync())
        {
            return LocalRedirect(LoginUrl);
        }

        if (Chosen is not { } method)
        {
            // No method left (removed meanwhile): the page says so.
            return Status(StatusCodes.Status400BadRequest);
        }

        var user = Pending!.User;
        if (SendsCode && CodeId is not null)
        {
            SentTo = Destination(user, method);
        }

        if (!ModelState.IsValid)
        {
            return Status(StatusCodes.Status400BadRequest);
        }

        if (method == SignInMethod.Passkey)
        {
            return Page();
        }

        if (string.IsNullOrWhiteSpace(Code) || (SendsCode && CodeId is null))
        {
            ModelState.AddModelError(nameof(Code), SendsCode && CodeId is null ? texts["Send a code first."] : texts["Enter the code."]);
            return Status(StatusCodes.Status400BadRequest);
        }

        var familiar = familiarDevices.IsFamiliar(HttpContext, user.Id);
        var result = await check.VerifyAsync(user, familiar, ct => VerifyCodeAsync(user, method, ct), HttpContext.RequestAborted);
        Code = null;
        switch (result)
        {
            case SecondFactorResult.Passed:
                return LocalRedirect(await signIn.PassedAsync(HttpContext, Pending, method, MultiFactorRequirement.Amr(method), RememberBrowser, ReturnUrls.Sanitize(ReturnUrl)));
            case SecondFactorResult.Paused:
                PausedUntil = check.PausedUntil;
                await audit.WriteAsync(AuditEventTypes.SecondFactorFailed, user.Id, AuditLog.Failure, "paused", HttpContext.RequestAborted);
                return Status(StatusCodes.Status429TooManyRequests);
            default:
                audit.Add(AuditEventTypes.SecondFactorFailed, user.Id, AuditLog.Failure, check.LockedNow ? "wrong-code:paused" : "wrong-code", method.ToString());
                await audit.SaveAsync(HttpContext.RequestAborted);
                if (check.LockedNow)
                {
                    PausedUntil = check.PausedUntil;
                }

                ModelState.AddModelError(nameof(Code), method == SignInMethod.BackupCode
                    ? texts["That backup code is not right, or it was used already."]
                    : texts["That code is not right, or it expired. Check it and try again."]);
                return Status(StatusCodes.Status400BadRequest);
        }
    }

    /// <summary>The verification-code purpose of a method's codes: they prove nothing anywhere else.</summary>
    public static string Purpose(SignInMethod method) => "mfa:" + method;

    /// <summary>A method as the page names it, in the reader's language.</summary>
    public string Label(SignInMethod method) => method switch
    {
        SignInMethod.Passkey => texts["Use a passkey or security key"],
        SignInMethod.AuthenticatorApp => texts["Enter a code from your authenticator app"],
        SignInMethod.MobileText => texts["Text a code to your mobile"],
        SignInMethod.MobileCall => texts["Call your mobile"],
        SignInMethod.AlternateEmail => texts["Email a code to your alternate address"],
        _ => texts["Enter a backup code"],
    };

    public string MethodUrl(SignInMethod method) => PendingSecondFactors.PageUrl(ReturnUrl ?? "/", method);

    private async Task<bool> VerifyCodeAsync(ApplicationUser user, SignInMethod method, CancellationToken cancellationToken) => method switch
    {
        SignInMethod.AuthenticatorApp => await authenticator.VerifyAsync(user, Code, cancellationToken),
        SignInMethod.BackupCode => await backupCodes.VerifyAsync(user.Id, Code, cancellationToken),
        _ => await codes.VerifyAsync(CodeId!.Value, user.Id, Purpose(method), Code, cancellationToken) == VerificationResult.Passed,
    };

    private async Task<bool> LoadAsync()
    {
        ReturnUrl = ReturnUrls.Sanitize(ReturnUrl);
        Pending = await signIn.PendingAsync(HttpContext);
        if (Pending is null)
        {
            return false;
        }

        Methods = await requirement.MethodsAsync(Pending.User, HttpContext.RequestAborted);
        Chosen = Method is { } asked && Methods.Contains(asked) ? asked : Methods.Count > 0 ? Methods[0] : null;
        RememberBrowserDays = (await policies.GetAsync(HttpContext.RequestAborted)).RememberBrowserDays;
        return true;
    }

    private PageResult Status(int status)
    {
        Response.StatusCode = status;
        return Page();
    }

    private static string Destination(ApplicationUser user, SignInMethod method) =>
        method == SignInMethod.AlternateEmail ? Masking.Email(user.AlternateEmail ?? string.Empty) : Masking.Phone(user.MobilePhone ?? string.Empty);
}
