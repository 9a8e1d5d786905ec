using System.ComponentModel.DataAnnotations;
using IdentityProvider.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace IdentityProvider.SelfService.Recovery;

/// <summary>
/// The verification gates, one or two, each with a different method the policy allows and the user has data for.
/// One page: choose a method, then enter the code, the mobile number, the answers or the app code. When the last gate
/// is passed an unlock happens at once; a reset goes on to the new password.
/// </summary>
public sealed class VerifyModel(
    RecoveryJourneys journeys,
    RecoveryGates gates,
    RecoveryThrottle throttle,
    RecoveryCompletion completion,
    SelfServiceEligibilityEvaluator eligibility,
    StoredPolicy<SelfServicePolicySettings> policies,
    SecurityQuestions securityQuestions,
    UserManager<ApplicationUser> users,
    Passkeys.PasskeyCredentials passkeys,
    Passkeys.PasskeyCeremonies ceremonies) : RecoveryPageModel(journeys, policies)
{
    protected override IReadOnlySet<RecoveryStep> Steps { get; } = new HashSet<RecoveryStep> { RecoveryStep.Verify, RecoveryStep.Unlock };

    private ApplicationUser user = null!;

    [BindProperty]
    public RecoveryMethod? Method { get; set; }

    [BindProperty]
    [StringLength(20, ErrorMessage = "That code is too long.")]
    [Display(Name = "Verification code")]
    public string? Code { get; set; }

    [BindProperty]
    [StringLength(40, ErrorMessage = "That phone number is too long.")]
    [Display(Name = "Your mobile number")]
    public string? PhoneNumber { get; set; }

    [BindProperty]
    public Dictionary<string, string> Answers { get; set; } = [];

    /// <summary>Methods still open for the next gate, with their masked hints.</summary>
    public IReadOnlyList<MethodChoice> Choices { get; private set; } = [];

    public RecoveryMethod? Pending => Journey.PendingMethod;

    public bool AwaitingMobileNumber => Pending == RecoveryMethod.MobileText && !Journey.MobileNumberConfirmed;

    public bool AwaitingCode => Pending is RecoveryMethod.AlternateEmail or RecoveryMethod.MobileCall or RecoveryMethod.OfficeCall
        || (Pending == RecoveryMethod.MobileText && Journey.MobileNumberConfirmed);

    public IReadOnlyList<(string Id, string Text)> Questions { get; private set; } = [];

    /// <summary>The ceremony of the passkey gate.</summary>
    public const string PasskeyPurpose = "recovery";

    /// <summary>Which gate this is (1-based) and how many there are.</summary>
    public (int Number, int Of) Gate => (Journey.Passed.Count + 1, Journey.Required);

    public bool ReadyToUnlock { get; private set; }

    public DateTimeOffset? BlockedUntil { get; private set; }

    public string? Notice { get; private set; }

    /// <summary>Seconds until "send again" may be used (shown as a countdown; 0: now).</summary>
    public int ResendInSeconds { get; private set; }

    /// <summary>Wrong codes, answers or numbers left before self-service is blocked, shown once one was wrong.</summary>
    public int? TriesLeft { get; private set; }

    /// <summary>How long a block lasts, in hours (for the tries-left warning).</summary>
    public int BlockHours => Math.Max(1, (int)Math.Round(throttle.BlockDuration.TotalHours));

    public string SignInUrl => SignInLink(Journey.ReturnUrl, TypedUserId);

    public string PendingHint => Pending is { } method ? Hint(method) : string.Empty;

    public async Task<IActionResult> OnGetAsync() => await LoadAsync() ?? Page();

    public async Task<IActionResult> OnPostChooseAsync()
    {
        if (await LoadAsync() is { } elsewhere)
        {
            return elsewhere;
        }

        if (Method is not { } method || !Choices.Any(c => c.Method == method))
        {
            return Problem(Texts["Choose one of the listed ways to verify."], nameof(Method));
        }

        return await AfterAsync(await gates.BeginAsync(Journey, user, method, HttpContext.RequestAborted));
    }

    public async Task<IActionResult> OnPostPhoneAsync()
    {
        if (await LoadAsync() is { } elsewhere)
        {
            return elsewhere;
        }

        if (!AwaitingMobileNumber || !ModelState.IsValid || string.IsNullOrWhiteSpace(PhoneNumber))
        {
            return Problem(ModelState.IsValid ? Texts["Type your full mobile number."].Value : null, nameof(PhoneNumber));
        }

        return await AfterAsync(await gates.ConfirmMobileNumberAsync(Journey, user, PhoneNumber, HttpContext.RequestAborted),
            Texts["That is not the mobile number on your account. Type the whole number, with the country code if it is not local."], nameof(PhoneNumber));
    }

    public async Task<IActionResult> OnPostCodeAsync()
    {
        if (await LoadAsync() is { } elsewhere)
        {
            return elsewhere;
        }

        if (!AwaitingCode || !ModelState.IsValid || string.IsNullOrWhiteSpace(Code))
        {
            return Problem(ModelState.IsValid ? Texts["Enter the code we sent you."].Value : null, nameof(Code));
        }

        if (Verification.VerificationCodes.Shaped(Code) is not { } shaped)
        {
            // A slip (a digit missed, a letter typed) is pointed out, not counted as a wrong code.
            return Problem(Texts["The code has {0} digits. Check it and type all of them.", Verification.VerificationCodes.Digits], nameof(Code));
        }

        return await AfterAsync(await gates.VerifyCodeAsync(Journey, user, shaped, HttpContext.RequestAborted), Texts["That code is not right. Check it and try again."], nameof(Code));
    }

    public async Task<IActionResult> OnPostResendAsync()
    {
        if (await LoadAsync() is { } elsewhere)
        {
            return elsewhere;
        }

        if (!AwaitingCode)
        {
            return LocalRedirect(VerifyPath);
        }

        var result = await gates.ResendAsync(Journey, user, HttpContext.RequestAborted);
        if (result.Status == GateStatus.TooSoon)
        {
            return Problem(Texts["We just sent a code. Wait a few seconds before asking for another."], nameof(Code));
        }

        return await AfterAsync(result);
    }

    public async Task<IActionResult> OnPostAppAsync()
    {
        if (await LoadAsync() is { } elsewhere)
        {
            return elsewhere;
        }

        if (Pending != RecoveryMethod.AuthenticatorApp || !ModelState.IsValid || string.IsNullOrWhiteSpace(Code))
        {
            return Problem(ModelState.IsValid ? Texts["Enter the 6-digit code your app shows."].Value : null, nameof(Code));
        }

        if (Verification.VerificationCodes.Shaped(Code, 6) is not { } shaped)
        {
            return Problem(Texts["The code has {0} digits. Check it and type all of them.", 6], nameof(Code));
        }

        return await AfterAsync(await gates.VerifyAuthenticatorAsync(Journey, user, shaped, HttpContext.RequestAborted),
            Texts["That code is not right, or it was already used. Wait for the app to show a new code and enter it."], nameof(Code));
    }

    public async Task<IActionResult> OnPostAnswersAsync()
    {
        if (await LoadAsync() is { } elsewhere)
        {
            return elsewhere;
        }

        if (Pending != RecoveryMethod.SecurityQuestions)
        {
            return LocalRedirect(VerifyPath);
        }

        if (Answers.Count > 10 || Answers.Values.Any(a => a is { Length: > 200 }))
        {
            return Problem(Texts["Those answers are too long."]);
        }

        return await AfterAsync(await gates.VerifyAnswersAsync(Journey, user, Answers, HttpContext.RequestAborted),
            Texts["At least one answer is not right. Answer these questions instead."]);
    }

    /// <summary>The passkey gate's options: the user's passkeys, user verification preferred (JSON for the script).</summary>
    public async Task<IActionResult> OnPostPasskeyOptionsAsync()
    {
        if (await LoadAsync() is not null || BlockedUntil is not null || Pending != RecoveryMethod.Passkey)
        {
            return new JsonResult(new Passkeys.PasskeyRedirect(VerifyPath));
        }

        var mine = await passkeys.ListAsync(user.Id, HttpContext.RequestAborted);
        var options = passkeys.AssertionOptions(HttpContext, mine, Fido2NetLib.Objects.UserVerificationRequirement.Preferred).ToJson();
        ceremonies.Begin(HttpContext, PasskeyPurpose, user.Id, options);
        return Content(options, "application/json");
    }

    /// <summary>The browser's answer to the passkey gate (JSON): passed, the journey goes on; wrong, the user may try again.</summary>
    public async Task<IActionResult> OnPostPasskeyAsync()
    {
        if (await LoadAsync() is not null || BlockedUntil is not null || Pending != RecoveryMethod.Passkey)
        {
            return new JsonResult(new Passkeys.PasskeyRedirect(VerifyPath));
        }

        var cancellationToken = HttpContext.RequestAborted;
        if (await Passkeys.PasskeyRequests.ReadAsync(Request, cancellationToken) is not { } body || Passkeys.PasskeyRequests.Credential(body) is not { } answer)
        {
            return Passkeys.PasskeyRequests.ProblemResult(Passkeys.PasskeyRequests.Malformed);
        }

        if (await ceremonies.TakeAsync(HttpContext, PasskeyPurpose, user.Id, cancellationToken) is not { } ceremony)
        {
            return Passkeys.PasskeyRequests.ProblemResult(Texts["That took too long, or the page was used twice. Try again."]);
        }

        var result = await gates.VerifyPasskeyAsync(Journey, user, token => passkeys.VerifyAsync(HttpContext, ceremony.Options, answer, user.Id, token), cancellationToken);
        switch (result.Status)
        {
            case GateStatus.Wrong:
                return Passkeys.PasskeyRequests.ProblemResult(Texts["That passkey did not work. Try again, or use a different method."]);
            case GateStatus.Passed when Journey.GatesPassed:
                var next = await NextStepAsync(Journey);
                if (next == RecoveryStep.Unlock)
                {
                    await completion.UnlockAsync(Journey, cancellationToken);
                    return new JsonResult(new Passkeys.PasskeyRedirect(DonePath));
                }

                return new JsonResult(new Passkeys.PasskeyRedirect(PathOf(next)));
            default:
                return new JsonResult(new Passkeys.PasskeyRedirect(VerifyPath));
        }
    }

    /// <summary>"Use a different method": closes the open gate without passing it.</summary>
    public async Task<IActionResult> OnPostOtherAsync()
    {
        if (await LoadAsync() is { } elsewhere)
        {
            return elsewhere;
        }

        Journey.PendingMethod = null;
        Journey.PendingCodeId = null;
        Journey.PendingQuestions = string.Empty;
        await Journeys.SaveAsync(Journey, HttpContext.RequestAborted);
        return LocalRedirect(VerifyPath);
    }

    public async Task<IActionResult> OnPostUnlockAsync()
    {
        if (await LoadAsync() is { } elsewhere)
        {
            return elsewhere;
        }

        return ReadyToUnlock ? await UnlockAsync() : LocalRedirect(VerifyPath);
    }

    private async Task<IActionResult> AfterAsync(GateResult result, string? wrong = null, string field = "")
    {
        switch (result.Status)
        {
            case GateStatus.Blocked:
                BlockedUntil = result.BlockedUntil;
                return Page();
            case GateStatus.Passed when Journey.GatesPassed:
                var next = await NextStepAsync(Journey);
                return next == RecoveryStep.Unlock ? await UnlockAsync() : LocalRedirect(PathOf(next));
            case GateStatus.Wrong:
                TriesLeft = await gates.TriesLeftAsync(user, HttpContext.RequestAborted);
                return Problem(wrong, field);
            case GateStatus.NotNewest:
                return Problem(Texts["That code is from an earlier message. We sent you a newer one: use the newest code."], field);
            case GateStatus.CodeSpent:
                TriesLeft = await gates.TriesLeftAsync(user, HttpContext.RequestAborted);
                return Problem(Texts["That code can't be used any more. Use “Send again” below to get a new one."], field);
            case GateStatus.AlreadyUsed:
                return Problem(Texts["That code was already used. If you were not sent on, ask for a new code."], field);
            default:
                return LocalRedirect(VerifyPath);
        }
    }

    private async Task<IActionResult> UnlockAsync()
    {
        await completion.UnlockAsync(Journey, HttpContext.RequestAborted);
        return LocalRedirect(DonePath);
    }

    /// <summary>
    /// Shows this page again with a message under <paramref name="field"/> (and the journey's current state). The typed
    /// code and number stay in their fields to be corrected; answers do not (a wrong answer brings new questions).
    /// </summary>
    private PageResult Problem(string? message, string field = "")
    {
        if (message is not null)
        {
            ModelState.AddModelError(field, message);
        }

        Answers = [];
        Questions = PickedQuestions();
        ResendInSeconds = gates.ResendInSeconds(Journey);
        return Page();
    }

    private async Task<IActionResult?> LoadAsync()
    {
        var cancellationToken = HttpContext.RequestAborted;
        var found = await users.FindByIdAsync(Journey.UserId!);
        if (found is null)
        {
            return LocalRedirect(StartPath);
        }

        user = found;
        if (await throttle.BlockedUntilAsync(user.Id, cancellationToken) is { } until)
        {
            BlockedUntil = until;
            return Page();
        }

        if (Step == RecoveryStep.Unlock)
        {
            ReadyToUnlock = true;
            return null;
        }

        var usable = (await eligibility.EvaluateAsync(user, cancellationToken)).Usable;
        var passedGroups = Journey.Passed.Select(SelfServiceEligibilityEvaluator.MethodGroup).ToHashSet(StringComparer.Ordinal);
        Choices = usable.Where(m => !passedGroups.Contains(SelfServiceEligibilityEvaluator.MethodGroup(m)))
            .Select(m => new MethodChoice(m, RecoveryTexts.MethodChoice(Texts, m), Hint(m))).ToList();
        if (Pending is { } pending && !Choices.Any(c => c.Method == pending))
        {
            // The method is no longer allowed or registered: choose again.
            Journey.PendingMethod = null;
        }

        Questions = PickedQuestions();
        Notice = Journey.PendingCodeSentAt is not null && AwaitingCode ? RecoveryTexts.CodeSent(Texts, Pending!.Value, PendingHint) : null;
        ResendInSeconds = gates.ResendInSeconds(Journey);
        return null;
    }

    /// <summary>The questions picked for this gate, with their text (the question list is built once).</summary>
    private List<(string Id, string Text)> PickedQuestions()
    {
        var available = securityQuestions.Available;
        return [.. Journey.PendingQuestionIds.Select(id => (id, available.TryGetValue(id, out var text) ? text : id))];
    }

    private string Hint(RecoveryMethod method) => method switch
    {
        RecoveryMethod.AlternateEmail => Masking.Email(user.AlternateEmail ?? string.Empty),
        RecoveryMethod.MobileText or RecoveryMethod.MobileCall => Masking.Phone(user.MobilePhone ?? string.Empty),
        RecoveryMethod.OfficeCall => Masking.Phone(user.OfficePhone ?? string.Empty),
        RecoveryMethod.SecurityQuestions => Texts["Questions you answered when you registered"],
        RecoveryMethod.Passkey => Texts["Your fingerprint, face, screen lock or security key"],
        _ => Texts["The 6-digit code your app shows now"],
    };
}

public sealed record MethodChoice(RecoveryMethod Method, string Label, string Hint);
