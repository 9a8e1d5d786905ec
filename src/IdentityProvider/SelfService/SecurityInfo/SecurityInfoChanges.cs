using System.Globalization;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.Messaging;
using IdentityProvider.SelfService.Recovery;
using IdentityProvider.SelfService.Verification;
using Microsoft.AspNetCore.Identity;

namespace IdentityProvider.SelfService.SecurityInfo;

/// <summary>What a code sent during registration proves: the address or number it was sent to.</summary>
public enum ContactKind
{
    AlternateEmail,
    MobilePhone,
}

public enum ContactChangeResult
{
    Saved,
    Wrong,
    Expired,
    Blocked,
}

/// <summary>
/// Every change a user makes to their recovery methods. New addresses and numbers count only once a code sent to them
/// comes back (the same code machinery and throttles as a reset); every change is saved with an audit event and a
/// notification to the user's addresses, old and new, in one unit of work.
/// </summary>
public sealed class SecurityInfoChanges(
    ApplicationDbContext db,
    UserManager<ApplicationUser> users,
    VerificationCodes codes,
    RecoveryThrottle throttle,
    SecurityQuestions questions,
    AuthenticatorCodes authenticator,
    Outbox outbox,
    MessageTemplates templates,
    AuditLog audit,
    TimeProvider time,
    Microsoft.Extensions.Localization.IStringLocalizer<SecurityInfoText> texts)
{
    private const string FirstFactorPurpose = "security-info:first-factor";

    private static string Purpose(ContactKind kind, string value) => $"security-info:{kind}:{value}";

    /// <summary>
    /// Sends a code to the account's own email address before a staff account's first authenticator app is set up:
    /// that app opens administration, so the password alone must not be enough to add it. Null when the account has
    /// no email address or its code limits block it.
    /// </summary>
    public async Task<Guid?> SendFirstFactorCodeAsync(ApplicationUser user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (string.IsNullOrEmpty(user.Email) || await throttle.RecordAsync(user.Id, RecoveryThrottle.Email, user.Id, cancellationToken) is not null)
        {
            return null;
        }

        var (id, code) = await codes.IssueAsync(user.Id, FirstFactorPurpose, cancellationToken);
        outbox.Email(user.Email, templates.VerificationCode(code, VerificationCodes.Lifetime, CultureInfo.CurrentUICulture, user.UserName ?? user.Id, CodePurpose.AddAuthenticatorApp), "first-factor-code");
        audit.Add(AuditEventTypes.SecurityInfoCodeSent, user.Id, AuditLog.Success, "first-factor");
        await db.SaveChangesAsync(cancellationToken);
        return id;
    }

    /// <summary>Checks the code sent by <see cref="SendFirstFactorCodeAsync"/>; <see cref="ContactChangeResult.Saved"/> when it was right.</summary>
    public async Task<ContactChangeResult> VerifyFirstFactorCodeAsync(ApplicationUser user, Guid codeId, string? code, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        return await CheckCodeAsync(user, codeId, FirstFactorPurpose, code, cancellationToken);
    }

    /// <summary>Sends a code to a new alternate email or mobile number. Null when the account's code limits block it.</summary>
    public async Task<Guid?> SendCodeAsync(ApplicationUser user, ContactKind kind, string value, bool call, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        var limit = kind == ContactKind.AlternateEmail ? RecoveryThrottle.Email : RecoveryThrottle.Gate(call ? RecoveryMethod.MobileCall : RecoveryMethod.MobileText);
        if (await throttle.RecordAsync(user.Id, limit, user.Id, cancellationToken) is not null)
        {
            return null;
        }

        var (id, code) = await codes.IssueAsync(user.Id, Purpose(kind, value), cancellationToken);
        var culture = CultureInfo.CurrentUICulture;
        _ = kind == ContactKind.AlternateEmail
            ? outbox.Email(value, templates.VerificationCode(code, VerificationCodes.Lifetime, culture, user.UserName ?? user.Id, CodePurpose.ConfirmEmailAddress), "security-info-code")
            : call ? outbox.VoiceCode(value, code, culture) : outbox.SmsCode(value, code, culture);
        audit.Add(AuditEventTypes.SecurityInfoCodeSent, user.Id, AuditLog.Success, kind.ToString(), call ? "call" : null);
        await db.SaveChangesAsync(cancellationToken);
        return id;
    }

    /// <summary>Checks the code and, when right, saves the new address or number as a recovery method.</summary>
    public async Task<ContactChangeResult> ConfirmAsync(ApplicationUser user, ContactKind kind, string value, Guid codeId, string? code, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (await CheckCodeAsync(user, codeId, Purpose(kind, value), code, cancellationToken) is not ContactChangeResult.Saved and var refused)
        {
            return refused;
        }

        var now = time.GetUtcNow();
        string? oldAddress = null;
        string what;
        if (kind == ContactKind.AlternateEmail)
        {
            oldAddress = user.AlternateEmail;
            what = oldAddress is null ? "added" : "changed";
            (user.AlternateEmail, user.AlternateEmailRegisteredAt) = (value, now);
        }
        else
        {
            what = user.MobilePhone is null ? "added" : "changed";
            (user.MobilePhone, user.MobilePhoneRegisteredAt) = (value, now);
        }

        await SaveAsync(user, kind == ContactKind.AlternateEmail ? RecoveryMethod.AlternateEmail : RecoveryMethod.MobileText, what, oldAddress, cancellationToken);
        return ContactChangeResult.Saved;
    }

    /// <summary>
    /// A code's verdict: <see cref="ContactChangeResult.Saved"/> when right; a wrong or over-tried code counts as a
    /// failed proof (which may block the account's self-service for a day).
    /// </summary>
    private async Task<ContactChangeResult> CheckCodeAsync(ApplicationUser user, Guid codeId, string purpose, string? code, CancellationToken cancellationToken)
    {
        switch (await codes.VerifyAsync(codeId, user.Id, purpose, code, cancellationToken))
        {
            case VerificationResult.Passed:
                return ContactChangeResult.Saved;
            case VerificationResult.Wrong:
                return await throttle.RecordAsync(user.Id, RecoveryThrottle.FailedProof, user.Id, cancellationToken) is null ? ContactChangeResult.Wrong : ContactChangeResult.Blocked;
            case VerificationResult.TooManyTries:
                await throttle.RecordAsync(user.Id, RecoveryThrottle.FailedProof, user.Id, cancellationToken);
                return ContactChangeResult.Expired;
            default:
                return ContactChangeResult.Expired;
        }
    }

    public async Task RemoveAsync(ApplicationUser user, RecoveryMethod method, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        string? oldAddress = null;
        switch (method)
        {
            case RecoveryMethod.AlternateEmail:
                oldAddress = user.AlternateEmail;
                (user.AlternateEmail, user.AlternateEmailRegisteredAt) = (null, null);
                break;
            case RecoveryMethod.MobileText or RecoveryMethod.MobileCall:
                (user.MobilePhone, user.MobilePhoneRegisteredAt) = (null, null);
                break;
            case RecoveryMethod.AuthenticatorApp:
                (user.AuthenticatorSecretProtected, user.AuthenticatorRegisteredAt, user.AuthenticatorLastStep) = (null, null, null);
                break;
            case RecoveryMethod.SecurityQuestions:
                await questions.ReplaceAsync(user, [], cancellationToken);
                break;
            default:
                throw new InvalidOperationException($"{method} cannot be removed by its user.");
        }

        await SaveAsync(user, method, "removed", oldAddress, cancellationToken);
    }

    public async Task SetQuestionsAsync(ApplicationUser user, IReadOnlyList<(string QuestionId, string Answer)> answers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        var had = await questions.CountAsync(user.Id, cancellationToken) > 0;
        await questions.ReplaceAsync(user, answers, cancellationToken);
        await SaveAsync(user, RecoveryMethod.SecurityQuestions, had ? "changed" : "added", null, cancellationToken);
    }

    /// <summary>Saves a new authenticator secret once its first code was right.</summary>
    public async Task<bool> SetAuthenticatorAsync(ApplicationUser user, string base32Secret, string? firstCode, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (!authenticator.Matches(base32Secret, firstCode))
        {
            await throttle.RecordAsync(user.Id, RecoveryThrottle.FailedProof, user.Id, cancellationToken);
            return false;
        }

        var what = user.AuthenticatorSecretProtected is null ? "added" : "changed";
        (user.AuthenticatorSecretProtected, user.AuthenticatorRegisteredAt, user.AuthenticatorLastStep) = (authenticator.Protect(base32Secret), time.GetUtcNow(), null);
        await SaveAsync(user, RecoveryMethod.AuthenticatorApp, what, null, cancellationToken);
        return true;
    }

    /// <summary>Saves a passkey whose attestation was checked, with the notice and audit events every change gets.</summary>
    public async Task AddPasskeyAsync(ApplicationUser user, Passkeys.PasskeyCredential passkey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(passkey);
        audit.Add(AuditEventTypes.PasskeyRegistered, user.Id, AuditLog.Success, passkey.BackupEligible ? "synced" : "device-bound", RecoveryMethod.Passkey.ToString());
        await SaveAsync(user, RecoveryMethod.Passkey, "added", null, cancellationToken);
    }

    /// <summary>Removes one of the user's passkeys, with the notice and audit events every change gets.</summary>
    public async Task RemovePasskeyAsync(ApplicationUser user, Passkeys.PasskeyCredential passkey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(passkey);
        db.Remove(passkey);
        audit.Add(AuditEventTypes.PasskeyRemoved, user.Id, AuditLog.Success, "by-user", RecoveryMethod.Passkey.ToString());
        await SaveAsync(user, RecoveryMethod.Passkey, "removed", null, cancellationToken);
    }

    /// <summary>"Still right": the user looked at their methods and confirmed them.</summary>
    public async Task ConfirmStillRightAsync(ApplicationUser user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        user.SecurityInfoConfirmedAt = time.GetUtcNow();
        audit.Add(AuditEventTypes.SecurityInfoConfirmed, user.Id, AuditLog.Success);
        await users.UpdateAsync(user);
        await db.SaveChangesAsync(cancellationToken);
    }

    private async Task SaveAsync(ApplicationUser user, RecoveryMethod method, string what, string? oldAddress, CancellationToken cancellationToken)
    {
        user.SecurityInfoConfirmedAt = time.GetUtcNow();
        var culture = CultureInfo.CurrentUICulture;
        var notice = templates.SecurityInfoChanged(user.UserName ?? user.Id, Describe(method), DescribeChange(what), time.GetUtcNow(), culture);
        foreach (var address in new[] { user.Email, user.AlternateEmail, oldAddress }.Where(a => !string.IsNullOrEmpty(a)).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            outbox.Email(address!, notice, "security-info-changed");
        }

        audit.Add(AuditEventTypes.SecurityInfoChanged, user.Id, AuditLog.Success, what, method.ToString());
        var result = await users.UpdateAsync(user);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException("Saving the user's recovery methods failed: " + string.Join(" ", result.Errors.Select(e => e.Code)));
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>The method's name in the notice, in the reader's language.</summary>
    private string Describe(RecoveryMethod method) => method switch
    {
        RecoveryMethod.AlternateEmail => texts["alternate email address"],
        RecoveryMethod.MobileText or RecoveryMethod.MobileCall => texts["mobile phone number"],
        RecoveryMethod.SecurityQuestions => texts["in a sentence: security questions"],
        RecoveryMethod.AuthenticatorApp => texts["in a sentence: authenticator app"],
        RecoveryMethod.Passkey => texts["in a sentence: passkey"],
        _ => texts["in a sentence: office phone"],
    };

    /// <summary>What happened to it in the notice (the audit log keeps the English code).</summary>
    private string DescribeChange(string what) => what switch
    {
        "added" => texts["in a sentence: added"],
        "changed" => texts["changed"],
        _ => texts["removed"],
    };
}
