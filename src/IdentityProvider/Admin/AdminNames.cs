using System.Text;
using IdentityProvider.Audit;
using IdentityProvider.SelfService.Helpdesk;
using Microsoft.Extensions.Localization;

namespace IdentityProvider.Admin;

/// <summary>
/// Readable, localised names for the codes the audit log, the usage report and help requests store: event types
/// (<c>sspr.gate-passed</c>), methods (<c>AlternateEmail</c>), outcomes, reasons and situations
/// (<c>not-enough-methods</c>). A code without a name of its own is spelled out from its parts ("some-new-code" reads
/// "Some new code"), so a new code never shows up as a blank.
/// </summary>
public sealed class AdminNames(IStringLocalizer<AdminText> texts)
{
    /// <summary>What happened.</summary>
    public string EventType(string code) => code switch
    {
        AuditEventTypes.SignInSucceeded => texts["Signed in"],
        AuditEventTypes.SignInFailed => texts["Sign-in failed"],
        AuditEventTypes.AccountLocked => texts["Account locked"],
        AuditEventTypes.Throttled => texts["Too many requests"],
        AuditEventTypes.PasswordChanged => texts["Password changed"],
        AuditEventTypes.SignedOutEverywhere => texts["Signed out everywhere"],
        AuditEventTypes.SessionEnded => texts["Session ended"],
        AuditEventTypes.SignedOut => texts["Signed out"],
        AuditEventTypes.SecondFactorRequested => texts["Second factor asked for"],
        AuditEventTypes.SecondFactorPassed => texts["Second factor passed"],
        AuditEventTypes.SecondFactorFailed => texts["Second factor failed"],
        AuditEventTypes.SecondFactorCodeSent => texts["Sign-in code sent"],
        AuditEventTypes.SecondFactorSkippedRememberedBrowser => texts["Second factor skipped (remembered browser)"],
        AuditEventTypes.SecondFactorRegistrationDeferred => texts["Second factor set-up put off"],
        AuditEventTypes.PasskeySignIn => texts["Signed in with a passkey"],
        AuditEventTypes.PasskeySignInFailed => texts["Passkey sign-in failed"],
        AuditEventTypes.PasskeyRegistered => texts["Passkey added"],
        AuditEventTypes.PasskeyRemoved => texts["Passkey removed"],
        AuditEventTypes.BackupCodesGenerated => texts["Backup codes generated"],
        AuditEventTypes.AdminSecondFactorChanged => texts["Sign-in methods changed by staff"],
        AuditEventTypes.AccessDenied => texts["Access denied"],
        AuditEventTypes.ApiDenied => texts["API request denied"],
        AuditEventTypes.TokenIssued => texts["Token issued"],
        AuditEventTypes.TokenRefused => texts["Token refused"],
        AuditEventTypes.ClientAuthenticationFailed => texts["App authentication failed"],
        AuditEventTypes.TokenKeyPublished => texts["Token key published"],
        AuditEventTypes.TokenKeyActivated => texts["Token key in use"],
        AuditEventTypes.TokenKeyRetired => texts["Token key retired"],
        AuditEventTypes.AuthorizationCodeIssued => texts["Authorization code issued"],
        AuditEventTypes.RecoveryStarted => texts["Self-service started"],
        AuditEventTypes.RecoveryCaptchaFailed => texts["Self-service: CAPTCHA failed"],
        AuditEventTypes.RecoveryOutcome => texts["Self-service: account checked"],
        AuditEventTypes.RecoveryReasonChosen => texts["Self-service: reason chosen"],
        AuditEventTypes.RecoveryGateStarted => texts["Self-service: verification started"],
        AuditEventTypes.RecoveryGatePassed => texts["Self-service: verification passed"],
        AuditEventTypes.RecoveryGateFailed => texts["Self-service: verification failed"],
        AuditEventTypes.RecoveryBlocked => texts["Self-service blocked"],
        AuditEventTypes.RecoveryContactedAdministrator => texts["Self-service: asked for help"],
        AuditEventTypes.RecoveryPasswordReset => texts["Self-service: password reset"],
        AuditEventTypes.RecoveryUnlocked => texts["Self-service: account unlocked"],
        AuditEventTypes.RecoveryExpired => texts["Self-service: journey expired"],
        AuditEventTypes.SecurityInfoCodeSent => texts["Security info: code sent"],
        AuditEventTypes.SecurityInfoChanged => texts["Security info changed"],
        AuditEventTypes.SecurityInfoConfirmed => texts["Security info confirmed"],
        AuditEventTypes.SecurityInfoSkipped => texts["Security info: put off"],
        AuditEventTypes.Reauthenticated => texts["Signed in again to confirm"],
        AuditEventTypes.AdminStepUp => texts["Administration step-up"],
        AuditEventTypes.AdminPasswordReset => texts["Password reset by staff"],
        AuditEventTypes.AdminUnlocked => texts["Unlocked by staff"],
        AuditEventTypes.AdminSessionsRevoked => texts["Signed out everywhere by staff"],
        AuditEventTypes.AdminUserEnabledChanged => texts["Account enabled or disabled by staff"],
        AuditEventTypes.AdminUserUpdated => texts["Account changed by staff"],
        AuditEventTypes.AdminUserCreated => texts["Account created by staff"],
        AuditEventTypes.AdminRolesChanged => texts["Staff roles changed"],
        AuditEventTypes.AdminPolicyChanged => texts["Policy changed"],
        AuditEventTypes.AdminOutboxRetried => texts["Message sent again"],
        AuditEventTypes.AdminGroupChanged => texts["Group changed"],
        AuditEventTypes.AdminClientChanged => texts["App registration changed"],
        AuditEventTypes.AdminUserViewed => texts["Account viewed by staff"],
        AuditEventTypes.AdminAuditExported => texts["Audit log exported"],
        AuditEventTypes.AdminDirectoryTested => texts["Directory connection tested"],
        AuditEventTypes.HelpdeskRequestAssigned => texts["Help request assigned"],
        AuditEventTypes.HelpdeskRequestResolved => texts["Help request resolved"],
        AuditEventTypes.DirectoryUserImported => texts["Imported from the directory"],
        AuditEventTypes.DirectoryUserUpdated => texts["Updated from the directory"],
        AuditEventTypes.DirectoryUserDisabled => texts["Disabled by the directory"],
        AuditEventTypes.DirectoryPasswordWritten => texts["Password written to the directory"],
        AuditEventTypes.DirectoryPasswordRefused => texts["Password refused by the directory"],
        AuditEventTypes.DirectoryUnlocked => texts["Unlocked in the directory"],
        AuditEventTypes.DirectoryUnavailable => texts["Directory unavailable"],
        AuditEventTypes.DirectorySynced => texts["Directory synchronised"],
        _ => Spelled(code),
    };

    /// <summary>How the person proved it or what was used: recovery and sign-in methods by their stored names.</summary>
    public string Method(string? code) => code switch
    {
        null or "" => string.Empty,
        "AlternateEmail" => texts["Alternate email"],
        "MobileText" => texts["Text message"],
        "MobileCall" => texts["Call to the mobile phone"],
        "OfficeCall" => texts["Call to the office phone"],
        "SecurityQuestions" => texts["Security questions"],
        "AuthenticatorApp" or "authenticator" => texts["Authenticator app"],
        "Passkey" => texts["Passkey"],
        "BackupCode" => texts["Backup code"],
        "password" or "pwd" => texts["Password"],
        "unknown" => texts["Unknown"],
        _ => Spelled(code),
    };

    /// <summary>Success or failure.</summary>
    public string Outcome(string? code) => code switch
    {
        AuditLog.Success => texts["Success"],
        AuditLog.Failure => texts["Failure"],
        null or "" => string.Empty,
        _ => Spelled(code),
    };

    /// <summary>Why self-service could not help, as a help request names it.</summary>
    public string Situation(string code) => code switch
    {
        "managed-externally" => texts["Password managed in another directory"],
        "not-enabled" => texts["Self-service not enabled for them"],
        "not-enough-methods" => texts["Not enough recovery methods"],
        _ => texts["Could not complete verification"],
    };

    /// <summary>A reason code (or free text, which is kept as it is).</summary>
    public string Reason(string? code) => code switch
    {
        null or "" => string.Empty,
        "managed-externally" or "not-enabled" or "not-enough-methods" => Situation(code),
        "locked-out" => texts["Locked out"],
        "paused" => texts["Paused after too many tries"],
        "no-second-factor" => texts["No second factor"],
        "not-allowed" => texts["Not allowed"],
        "not-in-directory" => texts["Not in the directory"],
        "temporary-password-expired" => texts["Temporary password expired"],
        "step-up" => texts["Step-up"],
        "captcha" => texts["CAPTCHA"],
        "page" => texts["On the admin page"],
        "api" => texts["Through the API"],
        "by-user" => texts["By the user"],
        "malformed" => texts["Malformed request"],
        "first-factor" => texts["First factor"],
        "current-factor-wrong" => texts["Current method not confirmed"],
        "current-factor-locked-out" => texts["Current method locked"],
        "no-ceremony" => texts["No passkey prompt was started"],
        "unlock" => texts["Unlock"],
        "authenticator" => texts["Authenticator app"],
        _ when IsCode(code) => Spelled(code),
        _ => code,
    };

    /// <summary>Where a help request stands.</summary>
    public string Status(HelpdeskRequestStatus status) => status switch
    {
        HelpdeskRequestStatus.Open => texts["Open"],
        HelpdeskRequestStatus.Assigned => texts["Assigned"],
        _ => texts["Resolved"],
    };

    /// <summary>A lower-case code (<c>some-code</c>, <c>some_code</c>) or a PascalCase name.</summary>
    private static bool IsCode(string value) => value.Length <= 64 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    /// <summary>"AlternateEmail" and "not-enough-methods" spelled as words: "Alternate email", "Not enough methods".</summary>
    internal static string Spelled(string code)
    {
        if (!IsCode(code))
        {
            return code;
        }

        var words = new StringBuilder(code.Length + 8);
        for (var i = 0; i < code.Length; i++)
        {
            var c = code[i];
            if (c is '-' or '_' or '.')
            {
                words.Append(' ');
                continue;
            }

            if (char.IsUpper(c) && i > 0 && char.IsLower(code[i - 1]))
            {
                words.Append(' ');
            }

            words.Append(words.Length == 0 ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c));
        }

        return words.ToString();
    }
}
