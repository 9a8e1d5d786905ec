using System.ComponentModel.DataAnnotations;
using System.Globalization;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.Lockout;
using IdentityProvider.SelfService.Captcha;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

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
    ILogger<StartModel> logger) : PageModel
{
    [BindProperty]
    public StartInput Input { get; set; } = new();

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    /// <summary>The user ID typed on the sign-in page, when it sent the user here; fills the field.</summary>
    [BindProperty(SupportsGet = true, Name = "userId")]
    public string? UserIdHint { get; set; }

    /// <summary><c>question</c> asks a sum in words instead of showing the picture.</summary>
    [BindProperty(SupportsGet = true, Name = "captcha")]
    public string? CaptchaMode { get; set; }

    public CaptchaChallengeView Captcha { get; private set; } = null!;

    /// <summary>Self-service is switched off for everyone.</summary>
    public bool Unavailable { get; private set; }

    public int? RetryAfterSeconds { get; private set; }

    public DateTimeOffset? BlockedUntil { get; private set; }

    public string SignInUrl => IdentityProvider.Account.ReturnUrls.SignInLink(ReturnUrl ?? "/");

    public string OtherCaptchaUrl => StartUrl(CaptchaKindWanted == CaptchaKind.Image ? "question" : null);

    public string RefreshCaptchaUrl => StartUrl(CaptchaMode == "question" ? "question" : null);

    private CaptchaKind CaptchaKindWanted => CaptchaMode == "question" ? CaptchaKind.Question : CaptchaKind.Image;

    public async Task<IActionResult> OnGetAsync()
    {
        ReturnUrl = await returnUrls.ValidateAsync(ReturnUrl, HttpContext.RequestAborted);
        if ((await policies.GetAsync(HttpContext.RequestAborted)).Scope == SelfServiceScope.None)
        {
            Unavailable = true;
            return Page();
        }

        if (UserIdHint is { Length: > 0 and <= 256 } hint && !hint.Any(char.IsControl))
        {
            Input.UserId = hint.Trim();
        }

        Captcha = await captcha.IssueAsync(CaptchaKindWanted, HttpContext.RequestAborted);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var cancellationToken = HttpContext.RequestAborted;
        ReturnUrl = await returnUrls.ValidateAsync(ReturnUrl, cancellationToken);
        CaptchaMode = Input.CaptchaKind == CaptchaKind.Question ? "question" : null;
        if ((await policies.GetAsync(cancellationToken)).Scope == SelfServiceScope.None)
        {
            Unavailable = true;
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
                ? "That answer is not right. Answer the new question below."
                : "Those characters did not match the picture. Type the characters of the new picture below.");
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
            await FloorAsync(started);
            return Page();
        }

        var result = await eligibility.EvaluateAsync(user, cancellationToken);
        audit.Add(AuditEventTypes.RecoveryStarted, user?.Id, AuditLog.Success, user is null ? "unknown-user" : null);
        audit.Add(AuditEventTypes.RecoveryOutcome, user?.Id, result.Outcome == EligibilityOutcome.Eligible ? AuditLog.Success : AuditLog.Failure,
            user is null ? "unknown-user" : RecoveryTexts.Code(result.Outcome));
        await journeys.StartAsync(HttpContext, user?.Id, result, ReturnUrl, cancellationToken);
        LogStarted(logger, user?.Id ?? "(unknown)", result.Outcome);
        await FloorAsync(started);
        return LocalRedirect(result.Outcome == EligibilityOutcome.Eligible ? RecoveryPageModel.ReasonPath : RecoveryPageModel.OutcomePath);
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

    private string StartUrl(string? mode)
    {
        var query = new List<string>();
        if (mode is not null)
        {
            query.Add("captcha=" + mode);
        }

        if (ReturnUrl is not null and not "/")
        {
            query.Add("returnUrl=" + Uri.EscapeDataString(ReturnUrl));
        }

        return RecoveryPageModel.StartPath + (query.Count == 0 ? string.Empty : "?" + string.Join('&', query));
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
