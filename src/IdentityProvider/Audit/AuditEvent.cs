using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace IdentityProvider.Audit;

/// <summary>
/// One security-relevant step: what happened, to which account (<see cref="UserId"/>), who did it
/// (<see cref="ActorId"/>), from where (client IP, user agent), in which request (<see cref="TraceId"/>), and how it
/// ended. Never secrets, codes, passwords or tokens.
/// </summary>
public sealed class AuditEvent
{
    public long Id { get; set; }

    public DateTimeOffset Time { get; set; }

    /// <summary>What happened, e.g. <c>sign-in.failed</c> (see <see cref="AuditEventTypes"/>).</summary>
    public string EventType { get; set; } = string.Empty;

    /// <summary>The account the event is about (the target), when known.</summary>
    public string? UserId { get; set; }

    /// <summary>
    /// Who acted: the signed-in person's user id, <c>client &lt;client_id&gt;</c> for an application acting on its own
    /// (the admin API with client credentials, the token endpoint), or null for an anonymous visitor.
    /// </summary>
    public string? ActorId { get; set; }

    /// <summary>The request's W3C trace id (or the server's request id), to find the request in logs and traces.</summary>
    public string? TraceId { get; set; }

    /// <summary><c>success</c> or <c>failure</c>.</summary>
    public string Outcome { get; set; } = string.Empty;

    /// <summary>Why, in a short code (e.g. <c>wrong-password</c>).</summary>
    public string? Reason { get; set; }

    /// <summary>The verification method involved (self-service steps), e.g. <c>AlternateEmail</c>.</summary>
    public string? Method { get; set; }

    public string? ClientIp { get; set; }

    public string? UserAgent { get; set; }
}

/// <summary>The event types this module writes.</summary>
public static class AuditEventTypes
{
    public const string SignInSucceeded = "sign-in.succeeded";
    public const string SignInFailed = "sign-in.failed";
    public const string AccountLocked = "account.locked";
    public const string Throttled = "request.throttled";
    public const string PasswordChanged = "password.changed";
    public const string SignedOutEverywhere = "sessions.revoked";
    public const string SessionEnded = "session.ended";
    public const string SignedOut = "sign-out";

    // Multi-factor sign-in and passkeys: the event's method names the SignInMethod (e.g. "AuthenticatorApp").
    public const string SecondFactorRequested = "mfa.requested";
    public const string SecondFactorPassed = "mfa.passed";
    public const string SecondFactorFailed = "mfa.failed";
    public const string SecondFactorCodeSent = "mfa.code-sent";
    public const string SecondFactorSkippedRememberedBrowser = "mfa.remembered-browser";
    public const string SecondFactorRegistrationDeferred = "mfa.registration-deferred";
    public const string PasskeySignIn = "passkey.sign-in";
    public const string PasskeySignInFailed = "passkey.sign-in-failed";
    public const string PasskeyRegistered = "passkey.registered";
    public const string PasskeyRemoved = "passkey.removed";
    public const string BackupCodesGenerated = "mfa.backup-codes-generated";
    public const string AdminSecondFactorChanged = "admin.mfa-changed";

    // Denials: a signed-in person refused a page, an API caller refused (401/403).
    public const string AccessDenied = "access.denied";
    public const string ApiDenied = "api.denied";

    // The token endpoint: tokens issued (a code or refresh token redeemed, client credentials), requests refused,
    // client authentication failures; codes issued by the authorization endpoint.
    public const string TokenIssued = "token.issued";
    public const string TokenRefused = "token.refused";
    public const string ClientAuthenticationFailed = "token.client-authentication-failed";
    public const string AuthorizationCodeIssued = "authorization.code-issued";

    // Self-service reset and unlock, one event per step.
    public const string RecoveryStarted = "sspr.started";
    public const string RecoveryCaptchaFailed = "sspr.captcha-failed";
    public const string RecoveryOutcome = "sspr.account-checked";
    public const string RecoveryReasonChosen = "sspr.reason-chosen";
    public const string RecoveryGateStarted = "sspr.gate-started";
    public const string RecoveryGatePassed = "sspr.gate-passed";
    public const string RecoveryGateFailed = "sspr.gate-failed";
    public const string RecoveryBlocked = "sspr.blocked";
    public const string RecoveryContactedAdministrator = "sspr.contacted-admin";
    public const string RecoveryPasswordReset = "sspr.password-reset";
    public const string RecoveryUnlocked = "sspr.unlocked";
    public const string RecoveryExpired = "sspr.expired";

    // Security info: users' own recovery methods.
    public const string SecurityInfoCodeSent = "security-info.code-sent";
    public const string SecurityInfoChanged = "security-info.changed";
    public const string SecurityInfoConfirmed = "security-info.confirmed";
    public const string SecurityInfoSkipped = "security-info.skipped";
    public const string Reauthenticated = "sign-in.reauthenticated";

    // Administration: the event is about the account acted on; the reason names the acting administrator and the change.
    public const string AdminStepUp = "admin.step-up";
    public const string AdminPasswordReset = "admin.password-reset";
    public const string AdminUnlocked = "admin.unlocked";
    public const string AdminSessionsRevoked = "admin.sessions-revoked";
    public const string AdminUserEnabledChanged = "admin.user-enabled-changed";
    public const string AdminUserUpdated = "admin.user-updated";
    public const string AdminUserCreated = "admin.user-created";
    public const string AdminRolesChanged = "admin.roles-changed";
    public const string AdminPolicyChanged = "admin.policy-changed";
    public const string AdminOutboxRetried = "admin.outbox-retried";
    public const string AdminGroupChanged = "admin.group-changed";
    public const string AdminClientChanged = "admin.client-changed";
    public const string AdminUserViewed = "admin.user-viewed";
    public const string AdminAuditExported = "admin.audit-exported";
    public const string AdminDirectoryTested = "admin.directory-tested";
    public const string HelpdeskRequestAssigned = "helpdesk.request-assigned";
    public const string HelpdeskRequestResolved = "helpdesk.request-resolved";

    // On-premises directories: the event's method names the directory.
    public const string DirectoryUserImported = "directory.user-imported";
    public const string DirectoryUserUpdated = "directory.user-updated";
    public const string DirectoryUserDisabled = "directory.user-disabled";
    public const string DirectoryPasswordWritten = "directory.password-written";
    public const string DirectoryPasswordRefused = "directory.password-refused";
    public const string DirectoryUnlocked = "directory.unlocked";
    public const string DirectoryUnavailable = "directory.unavailable";
    public const string DirectorySynced = "directory.synced";

    // Token keys from a key folder (Oidc): the reason names the use (sig, enc) and the key id; no user.
    public const string TokenKeyPublished = "token-key.published";
    public const string TokenKeyActivated = "token-key.activated";
    public const string TokenKeyRetired = "token-key.retired";
}

internal sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEvent>
{
    public void Configure(EntityTypeBuilder<AuditEvent> builder)
    {
        builder.ToTable("AuditEvents");
        builder.Property(e => e.EventType).HasMaxLength(64).IsRequired();
        builder.Property(e => e.UserId).HasMaxLength(450);
        builder.Property(e => e.ActorId).HasMaxLength(450);
        builder.Property(e => e.TraceId).HasMaxLength(64);
        builder.Property(e => e.Outcome).HasMaxLength(16).IsRequired();
        builder.Property(e => e.Reason).HasMaxLength(200);
        builder.Property(e => e.Method).HasMaxLength(40);
        builder.Property(e => e.ClientIp).HasMaxLength(64);
        builder.Property(e => e.UserAgent).HasMaxLength(256);
        builder.HasIndex(e => e.Time);
        builder.HasIndex(e => new { e.UserId, e.Time });
        builder.HasIndex(e => new { e.ActorId, e.Time });
    }
}
