using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.Messaging;
using IdentityProvider.SelfService.Verification;

namespace IdentityProvider.SelfService.Recovery;

public enum GateStatus
{
    /// <summary>The step went ahead (a code was sent, questions were picked, the number matched).</summary>
    Ready,

    /// <summary>The gate is passed.</summary>
    Passed,

    /// <summary>A wrong code, answer or number; counted as a failed proof.</summary>
    Wrong,

    /// <summary>The code can no longer be used (expired, or too many wrong tries): ask for a new one.</summary>
    CodeSpent,

    /// <summary>The code was already used (a double submit); nothing was counted.</summary>
    AlreadyUsed,

    /// <summary>The code is one sent before the newest: use the newest. Nothing was counted.</summary>
    NotNewest,

    /// <summary>"Send again" came sooner than allowed.</summary>
    TooSoon,

    /// <summary>Self-service is blocked for this account until <see cref="GateResult.BlockedUntil"/>.</summary>
    Blocked,
}

public sealed record GateResult(GateStatus Status, DateTimeOffset? BlockedUntil = null)
{
    public static readonly GateResult Ready = new(GateStatus.Ready);
}

/// <summary>
/// The verification gates of a journey: each method's way of proving the user is who they say, with the throttles
/// that limit it and an audit event per step. Codes go out through the outbox in the same save as the journey.
/// </summary>
public sealed class RecoveryGates(
    RecoveryJourneys journeys,
    RecoveryThrottle throttle,
    VerificationCodes codes,
    AuthenticatorCodes authenticator,
    SecurityQuestions questions,
    StoredPolicy<SelfServicePolicySettings> policies,
    SelfServiceEligibilityEvaluator eligibility,
    Outbox outbox,
    MessageTemplates templates,
    AuditLog audit,
    TimeProvider time)
{
    /// <summary>How long after a code was sent "send again" is offered.</summary>
    public static readonly TimeSpan ResendAfter = TimeSpan.FromSeconds(10);

    private static string Purpose(RecoveryMethod method) => "sspr:" + method;

    /// <summary>Opens a gate with <paramref name="method"/>: sends the code, or picks the questions.</summary>
    public async Task<GateResult> BeginAsync(RecoveryJourney journey, ApplicationUser user, RecoveryMethod method, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(journey);
        ArgumentNullException.ThrowIfNull(user);
        if (method is RecoveryMethod.AlternateEmail or RecoveryMethod.MobileCall or RecoveryMethod.OfficeCall
            || (method == RecoveryMethod.MobileText && journey.MobileNumberConfirmed))
        {
            audit.Add(AuditEventTypes.RecoveryGateStarted, user.Id, AuditLog.Success, Reason(journey), method.ToString());
            return await SendCodeAsync(journey, user, method, cancellationToken);
        }

        Open(journey, method);
        if (method == RecoveryMethod.SecurityQuestions)
        {
            await PickQuestionsAsync(journey, user, cancellationToken);
        }

        await journeys.SaveAsync(journey, cancellationToken);
        await AuditAsync(AuditEventTypes.RecoveryGateStarted, user, AuditLog.Success, Reason(journey), method, cancellationToken);
        return GateResult.Ready;
    }

    /// <summary>Before a text is sent the user types the full mobile number on file; then the code goes out.</summary>
    public async Task<GateResult> ConfirmMobileNumberAsync(RecoveryJourney journey, ApplicationUser user, string? typed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(journey);
        ArgumentNullException.ThrowIfNull(user);
        if (await throttle.RecordAsync(user.Id, RecoveryThrottle.PhoneCheck, user.Id, cancellationToken) is { } blocked)
        {
            return new GateResult(GateStatus.Blocked, blocked);
        }

        var onFile = user.MobilePhone ?? string.Empty;
        var given = PhoneNumberFormat.ToE164(typed, RegionOf(onFile)) ?? string.Empty;
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(onFile)) || onFile.Length == 0)
        {
            return await FailAsync(journey, user, "wrong-phone-number", cancellationToken);
        }

        return await SendCodeAsync(journey, user, RecoveryMethod.MobileText, cancellationToken, confirmsMobileNumber: true);
    }

    /// <summary>"Send again": a new code (the old one stops working), no sooner than <see cref="ResendAfter"/>.</summary>
    /// <summary>Seconds until "send again" is offered for the code of the open gate (0: now).</summary>
    public int ResendInSeconds(RecoveryJourney journey)
    {
        ArgumentNullException.ThrowIfNull(journey);
        if (journey.PendingCodeSentAt is not { } sent)
        {
            return 0;
        }

        var left = sent + (long)ResendAfter.TotalMilliseconds - time.GetUtcNow().ToUnixTimeMilliseconds();
        return left <= 0 ? 0 : (int)Math.Ceiling(left / 1000.0);
    }

    /// <summary>Failed proofs the account has left (as counted for this browser) before self-service is blocked.</summary>
    public Task<int> TriesLeftAsync(ApplicationUser user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        return throttle.RemainingAsync(user.Id, RecoveryThrottle.FailedProof, cancellationToken);
    }

    public async Task<GateResult> ResendAsync(RecoveryJourney journey, ApplicationUser user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(journey);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (journey.PendingCodeSentAt is { } sent && now - sent < ResendAfter.TotalMilliseconds)
        {
            return new GateResult(GateStatus.TooSoon);
        }

        return journey.PendingMethod is { } method ? await SendCodeAsync(journey, user, method, cancellationToken) : new GateResult(GateStatus.CodeSpent);
    }

    public async Task<GateResult> VerifyCodeAsync(RecoveryJourney journey, ApplicationUser user, string? code, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(journey);
        ArgumentNullException.ThrowIfNull(user);
        if (journey.PendingMethod is not { } method || journey.PendingCodeId is not { } codeId)
        {
            return new GateResult(GateStatus.CodeSpent);
        }

        var result = await codes.VerifyAsync(codeId, user.Id, Purpose(method), code, cancellationToken);
        return result switch
        {
            VerificationResult.Passed => await PassAsync(journey, user, cancellationToken),
            VerificationResult.Wrong => await FailAsync(journey, user, "wrong-code", cancellationToken),
            VerificationResult.TooManyTries => await FailAsync(journey, user, "too-many-wrong-codes", cancellationToken, spent: true),
            VerificationResult.Expired => await NoteAsync(journey, user, "code-expired", GateStatus.CodeSpent, cancellationToken),
            VerificationResult.NotNewest => new GateResult(GateStatus.NotNewest),
            _ => new GateResult(GateStatus.AlreadyUsed),
        };
    }

    public async Task<GateResult> VerifyAuthenticatorAsync(RecoveryJourney journey, ApplicationUser user, string? code, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(journey);
        ArgumentNullException.ThrowIfNull(user);
        if (await throttle.RecordAsync(user.Id, RecoveryThrottle.Gate(RecoveryMethod.AuthenticatorApp), user.Id, cancellationToken) is { } blocked)
        {
            return new GateResult(GateStatus.Blocked, blocked);
        }

        return await authenticator.VerifyAsync(user, code, cancellationToken)
            ? await PassAsync(journey, user, cancellationToken)
            : await FailAsync(journey, user, "wrong-app-code", cancellationToken);
    }

    /// <summary>
    /// The passkey gate: counted against the gate's limit first, then <paramref name="check"/> verifies the browser's
    /// assertion for one of the user's passkeys. For an administrator, when the multi-factor policy says so, a passkey
    /// that verified the user (PIN or biometrics) stands for both required methods: the journey then needs one gate.
    /// </summary>
    public async Task<GateResult> VerifyPasskeyAsync(
        RecoveryJourney journey, ApplicationUser user, Func<CancellationToken, Task<Passkeys.PasskeyCheck>> check, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(journey);
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(check);
        if (await throttle.RecordAsync(user.Id, RecoveryThrottle.Gate(RecoveryMethod.Passkey), user.Id, cancellationToken) is { } blocked)
        {
            return new GateResult(GateStatus.Blocked, blocked);
        }

        var result = await check(cancellationToken);
        if (result.Credential is null)
        {
            return await FailAsync(journey, user, "wrong-passkey", cancellationToken);
        }

        if (result.UserVerified && journey.Required > 1 && await eligibility.IsAdministratorAsync(user) && await eligibility.PasskeyCountsTwiceAsync(cancellationToken))
        {
            journey.Required = 1;
            audit.Add(AuditEventTypes.RecoveryGatePassed, user.Id, AuditLog.Success, Reason(journey) + ",counts-twice", RecoveryMethod.Passkey.ToString());
        }

        return await PassAsync(journey, user, cancellationToken);
    }

    /// <summary>All picked questions must be answered rightly; any wrong answer means a fresh random pick.</summary>
    public async Task<GateResult> VerifyAnswersAsync(RecoveryJourney journey, ApplicationUser user, IReadOnlyDictionary<string, string> answers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(journey);
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(answers);
        if (await throttle.RecordAsync(user.Id, RecoveryThrottle.Gate(RecoveryMethod.SecurityQuestions), user.Id, cancellationToken) is { } blocked)
        {
            return new GateResult(GateStatus.Blocked, blocked);
        }

        var picked = journey.PendingQuestionIds;
        var given = picked.ToDictionary(id => id, id => answers.TryGetValue(id, out var answer) ? answer : string.Empty, StringComparer.Ordinal);
        if (picked.Count > 0 && await questions.VerifyAsync(user, given, cancellationToken))
        {
            return await PassAsync(journey, user, cancellationToken);
        }

        await PickQuestionsAsync(journey, user, cancellationToken);
        return await FailAsync(journey, user, "wrong-answers", cancellationToken);
    }

    /// <summary>
    /// Counts the attempt first (the throttle saves at once, so nothing of the journey may be pending yet), then opens the
    /// gate, issues the code and queues its message in one save with the journey. When a parallel request changed the
    /// journey first (a double click), that save is refused and nothing is sent twice.
    /// </summary>
    private async Task<GateResult> SendCodeAsync(RecoveryJourney journey, ApplicationUser user, RecoveryMethod method, CancellationToken cancellationToken, bool confirmsMobileNumber = false)
    {
        var kind = method == RecoveryMethod.AlternateEmail ? RecoveryThrottle.Email : RecoveryThrottle.Gate(method);
        if (await throttle.RecordAsync(user.Id, kind, user.Id, cancellationToken) is { } blocked)
        {
            return new GateResult(GateStatus.Blocked, blocked);
        }

        Open(journey, method);
        journey.MobileNumberConfirmed |= confirmsMobileNumber;
        var (id, code) = await codes.IssueAsync(user.Id, Purpose(method), cancellationToken);
        var culture = CultureInfo.CurrentUICulture;
        _ = method switch
        {
            RecoveryMethod.AlternateEmail => outbox.Email(user.AlternateEmail!, templates.VerificationCode(code, VerificationCodes.Lifetime, culture, user.UserName ?? user.Id, journey.Reason == RecoveryReason.Unlock ? CodePurpose.UnlockAccount : CodePurpose.ResetPassword), "sspr-code"),
            RecoveryMethod.MobileText => outbox.SmsCode(user.MobilePhone!, code, culture),
            RecoveryMethod.MobileCall => outbox.VoiceCode(user.MobilePhone!, code, culture),
            RecoveryMethod.OfficeCall => outbox.VoiceCode(user.OfficePhone!, code, culture),
            _ => throw new InvalidOperationException($"{method} does not send codes."),
        };
        journey.PendingCodeId = id;
        journey.PendingCodeSentAt = time.GetUtcNow().ToUnixTimeMilliseconds();
        await journeys.SaveAsync(journey, cancellationToken);
        return GateResult.Ready;
    }

    private static void Open(RecoveryJourney journey, RecoveryMethod method)
    {
        journey.PendingMethod = method;
        journey.PendingCodeId = null;
        journey.PendingCodeSentAt = null;
        journey.PendingQuestions = string.Empty;
    }

    private async Task PickQuestionsAsync(RecoveryJourney journey, ApplicationUser user, CancellationToken cancellationToken)
    {
        var policy = await policies.GetAsync(cancellationToken);
        journey.PendingQuestions = string.Join(',', await questions.PickAsync(user.Id, policy.QuestionsToReset, cancellationToken));
    }

    private async Task<GateResult> PassAsync(RecoveryJourney journey, ApplicationUser user, CancellationToken cancellationToken)
    {
        var method = journey.PendingMethod!.Value;
        journey.PassedMethods = string.Join(',', journey.Passed.Append(method).Distinct());
        journey.PendingMethod = null;
        journey.PendingCodeId = null;
        journey.PendingCodeSentAt = null;
        journey.PendingQuestions = string.Empty;
        audit.Add(AuditEventTypes.RecoveryGatePassed, user.Id, AuditLog.Success, Reason(journey), method.ToString());
        return await journeys.SaveAsync(journey, cancellationToken) ? new GateResult(GateStatus.Passed) : new GateResult(GateStatus.AlreadyUsed);
    }

    /// <summary>
    /// Saves the journey's change, then audits the failure on its own, so a parallel request that changed the journey
    /// first cannot take the audit event down with the refused save.
    /// </summary>
    private async Task<GateResult> FailAsync(RecoveryJourney journey, ApplicationUser user, string why, CancellationToken cancellationToken, bool spent = false)
    {
        var method = journey.PendingMethod;
        if (spent)
        {
            journey.PendingCodeId = null;
        }

        await journeys.SaveAsync(journey, cancellationToken);
        await AuditAsync(AuditEventTypes.RecoveryGateFailed, user, AuditLog.Failure, why, method, cancellationToken);
        if (await throttle.RecordAsync(user.Id, RecoveryThrottle.FailedProof, user.Id, cancellationToken) is { } blocked)
        {
            return new GateResult(GateStatus.Blocked, blocked);
        }

        return new GateResult(spent ? GateStatus.CodeSpent : GateStatus.Wrong);
    }

    private async Task<GateResult> NoteAsync(RecoveryJourney journey, ApplicationUser user, string why, GateStatus status, CancellationToken cancellationToken)
    {
        var method = journey.PendingMethod;
        journey.PendingCodeId = null;
        await journeys.SaveAsync(journey, cancellationToken);
        await AuditAsync(AuditEventTypes.RecoveryGateFailed, user, AuditLog.Failure, why, method, cancellationToken);
        return new GateResult(status);
    }

    private async Task AuditAsync(string eventType, ApplicationUser user, string outcome, string reason, RecoveryMethod? method, CancellationToken cancellationToken)
    {
        audit.Add(eventType, user.Id, outcome, reason, method?.ToString());
        await audit.SaveAsync(cancellationToken);
    }

    private static string Reason(RecoveryJourney journey) => journey.Reason == RecoveryReason.Unlock ? "unlock" : "forgot-password";

    private static string? RegionOf(string e164)
    {
        try
        {
            var util = PhoneNumbers.PhoneNumberUtil.GetInstance();
            return util.GetRegionCodeForNumber(util.Parse(e164, "ZZ"));
        }
        catch (PhoneNumbers.NumberParseException)
        {
            return null;
        }
    }
}
