using System.ComponentModel.DataAnnotations;
using System.Globalization;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.Lockout;
using IdentityProvider.SelfService.Captcha;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;

namespace IdentityProvider.SelfService.Recovery;

/// <summary>
/// "Can't access your account?": the user ID and a CAPTCHA. After the CAPTCHA the account checks run in the
/// specified order and a journey starts; an unknown user ID gets exactly what a user without methods gets.
/// </summary>
public sealed partial class StartModel(
    UserManager<ApplicationUser> users,
    CaptchaService captcha,
    StoredPolicy<SelfServicePolicySettings> policies,
    SelfServiceEligibilityEvaluator eligibility,
    RecoveryJourneys journeys,
    RecoveryThrottle throttle,
    IdentityProvider.Account.ReturnUrls returnUrls,
    RequestThrottle requestThrottle,
    Directories.DirectoryAccounts directories,
    AuditLog audit,
    Microsoft.Extensions.Options.IOptions<SelfServiceOptions> options,
    IStringLocalizer<SelfServiceText> texts,
    ILogger<StartModel> logger) : PageModel
{
    [BindProperty]
    public StartInput Input { get; set; } = new();

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    /// <summary>The user ID typed on the sign-in page (or on an earlier journey), when it sent the user here; fills the field.</summary>
    [BindProperty(SupportsGet = true, Name = "userName")]
    public string? UserIdHint { get; set; }

    /// <summary>The same, as the sign-in page's older links name it (<c>userId</c>).</summary>
    [BindProperty(SupportsGet = true, Name = "userId")]
    public string? OlderUserIdHint { get; set; }

    /// <summary><c>unlock</c> when the user came from the locked-account page: "I know my password" is chosen for them.</summary>
    [BindProperty(SupportsGet = true, Name = "reason")]
    public string? ReasonHint { get; set; }

    /// <summary><c>question</c> asks a sum in words instead of showing the picture.</summary>
    [BindProperty(SupportsGet = true, Name = "captcha")]
    public string? CaptchaMode { get; set; }

    /// <summary>
    /// Set by the CAPTCHA's own buttons, which submit the form without starting: <c>new</c> shows a new challenge of the same
    /// kind, <c>question</c> or <c>image</c> switches. The typed user ID stays in its field.
    /// </summary>
    [BindProperty(Name = "change")]
    public string? CaptchaChange { get; set; }

    /// <summary>A journey already open in this browser (another tab), which starting again replaces: where it is, and for which ID.</summary>
    public string? OpenJourneyUrl { get; private set; }

    public string? OpenJourneyUserId { get; private set; }

    /// <summary>Who can help when self-service is blocked: the organisation's help page, if it has one.</summary>
    public Uri? ContactUrl { get; private set; }

    public CaptchaChallengeView Captcha { get; private set; } = null!;

    /// <summary>Self-service is switched off for everyone.</summary>
    public bool Unavailable { get; private set; }

    public int? RetryAfterSeconds { get; private set; }

    public DateTimeOffset? BlockedUntil { get; private set; }

    public string SignInUrl => RecoveryPageModel.SignInLink(ReturnUrl ?? "/", string.IsNullOrWhiteSpace(Input.UserId) ? null : Input.UserId.Trim());

    private CaptchaKind CaptchaKindWanted => CaptchaMode == "question" ? CaptchaKind.Question : CaptchaKind.Image;

    public async Task<IActionResult> OnGetAsync()
    {
        ReturnUrl = await returnUrls.ValidateAsync(ReturnUrl, HttpContext.RequestAborted);
        if ((await policies.GetAsync(HttpContext.RequestAborted)).Scope == SelfServiceScope.None)
        {
            Unavailable = true;
            return Page();
        }

        if ((UserIdHint ?? OlderUserIdHint) is { Length: > 0 and <= 256 } hint && !hint.Any(char.IsControl))
        {
            Input.UserId = hint.Trim();
        }

        var open = await journeys.FindAsync(HttpContext, HttpContext.RequestAborted);
        if (open is { State: JourneyState.Open, Journey: { } journey })
        {
            OpenJourneyUrl = RecoveryPageModel.PathOf(journey.NextStep((await policies.GetAsync(HttpContext.RequestAborted)).AllowUnlockWithoutReset));
            OpenJourneyUserId = journeys.TypedUserId(HttpContext);
        }

        Captcha = await captcha.IssueAsync(CaptchaKindWanted, HttpContext.RequestAborted);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var cancellationToken = HttpContext.RequestAborted;
        ReturnUrl = await returnUrls.ValidateAsync(ReturnUrl, cancellationToken);
        CaptchaMode = Input.CaptchaKind == CaptchaKind.Question ? "question" : null;
        var policy = await policies.GetAsync(cancellationToken);
        if (policy.Scope == SelfServiceScope.None)
        {
            Unavailable = true;
            return Page();
        }

        if (CaptchaChange is "new" or "question" or "image")
        {
            // The CAPTCHA's own buttons: a new challenge, the typed user ID kept, nothing checked or counted.
            ModelState.Clear();
            Captcha = await captcha.IssueAsync(
                CaptchaChange switch { "question" => CaptchaKind.Question, "image" => CaptchaKind.Image, _ => Input.CaptchaKind }, cancellationToken);
            CaptchaMode = Captcha.Kind == CaptchaKind.Question ? "question" : null;
            Input.CaptchaAnswer = string.Empty;
            return Page();
        }

        if (await requestThrottle.CheckAsync(HttpContext, RequestThrottle.RecoveryStart, cancellationToken) is { } wait)
        {
            RetryAfterSeconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            Response.Headers.RetryAfter = RetryAfterSeconds.Value.ToString(CultureInfo.InvariantCulture);
            return await AgainAsync();
        }

        if (!ModelState.IsValid)
        {
            return await AgainAsync();
        }

        if (!await captcha.VerifyAsync(Input.CaptchaId, Input.CaptchaAnswer, cancellationToken))
        {
            await audit.WriteAsync(AuditEventTypes.RecoveryCaptchaFailed, null, AuditLog.Failure, "captcha", cancellationToken: cancellationToken);
            ModelState.AddModelError("Input.CaptchaAnswer", Input.CaptchaKind == CaptchaKind.Question
                ? texts["That answer is not right. Answer the new question below."]
                : texts["Those characters did not match the picture. Type the characters of the new picture below."]);
            return await AgainAsync();
        }

        // From here on the answer depends on whether the account exists: answer no sooner than the floor.
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var userId = Input.UserId.Trim();
        var user = await users.FindByNameOrEmailAsync(userId);
        if (user is null && directories.Any && userId.Length <= 256)
        {
            // A directory user who never signed in here yet (just-in-time import, as at sign-in); with the directory
            // unreachable the ID counts as unknown, so the answer doesn't tell that it is no local account.
            try
            {
                user = await directories.ImportAsync(userId, cancellationToken);
            }
            catch (Resilience.UpstreamUnavailableException exception)
            {
                LogLookupFailed(logger, exception.Message);
            }
        }

        var subject = user?.Id ?? await throttle.UnknownSubjectAsync(userId, cancellationToken);
        var blocked = await throttle.BlockedUntilAsync(subject, cancellationToken)
            ?? await throttle.RecordAsync(subject, RecoveryThrottle.Start, user?.Id, cancellationToken);
        if (blocked is not null)
        {
            BlockedUntil = blocked;
            ContactUrl = policy.ContactUrl;
            await FloorAsync(started);
            return Page();
        }

        var result = await eligibility.EvaluateAsync(user, cancellationToken);
        audit.Add(AuditEventTypes.RecoveryStarted, user?.Id, AuditLog.Success, user is null ? "unknown-user" : null);
        audit.Add(AuditEventTypes.RecoveryOutcome, user?.Id, result.Outcome == EligibilityOutcome.Eligible ? AuditLog.Success : AuditLog.Failure,
            user is null ? "unknown-user" : RecoveryTexts.Code(result.Outcome));
        await journeys.StartAsync(HttpContext, user?.Id, result, ReturnUrl, userId, cancellationToken);
        LogStarted(logger, user?.Id ?? "(unknown)", result.Outcome);
        await FloorAsync(started);
        return LocalRedirect(result.Outcome != EligibilityOutcome.Eligible ? RecoveryPageModel.OutcomePath
            : ReasonHint == "unlock" ? RecoveryPageModel.ReasonPath + "?choice=Unlock"
            : RecoveryPageModel.ReasonPath);
    }

    /// <summary>Waits out the rest of <see cref="SelfServiceOptions.StartMinimumDuration"/> (wall-clock time, whatever the app's clock).</summary>
    private async Task FloorAsync(long started)
    {
        var remaining = options.Value.StartMinimumDuration - System.Diagnostics.Stopwatch.GetElapsedTime(started);
        if (remaining > TimeSpan.Zero)
        {
            await Task.Delay(remaining, HttpContext.RequestAborted);
        }
    }

    private async Task<IActionResult> AgainAsync()
    {
        // The answer field and the challenge id are written without model state, so the new challenge shows empty.
        Captcha = await captcha.IssueAsync(Input.CaptchaKind, HttpContext.RequestAborted);
        return Page();
    }

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "A user ID unknown here could not be looked up in the directories ({Failure}); it counts as unknown.")]
    private static partial void LogLookupFailed(ILogger logger, string failure);

    [LoggerMessage(EventId = 5000, Level = LogLevel.Information, Message = "Self-service journey started for {UserId}: {Outcome}.")]
    private static partial void LogStarted(ILogger logger, string userId, EligibilityOutcome outcome);
}

public sealed class StartInput
{
    [Required(ErrorMessage = "Enter your username or email address.")]
    [StringLength(256, ErrorMessage = "The username or email address is too long.")]
    [Display(Name = "Username or email")]
    public string UserId { get; set; } = string.Empty;

    public Guid CaptchaId { get; set; }

    public CaptchaKind CaptchaKind { get; set; }

    [Required(ErrorMessage = "Type the characters you see in the picture, or answer the question.")]
    [StringLength(32, ErrorMessage = "That answer is too long.")]
    public string CaptchaAnswer { get; set; } = string.Empty;
}
