using IdentityProvider.Telemetry;

namespace IdentityProvider.Audit;

/// <summary>
/// Counts saved security events on the application's instruments: the audit log is the one place every sign-in, second
/// factor, token, reset, unlock and lockout goes through. Only the event type, the outcome, the method (an enum name) and
/// a code-side reason are read; user ids, actors, addresses and client ids never become attributes.
/// </summary>
internal static class AuditMetrics
{
    private static readonly HashSet<string> GrantTypes = new(StringComparer.Ordinal)
    {
        "authorization_code", "client_credentials", "refresh_token", "password", "urn:ietf:params:oauth:grant-type:device_code",
        "urn:ietf:params:oauth:grant-type:token-exchange", "implicit",
    };

    private static readonly HashSet<string> Errors = new(StringComparer.Ordinal)
    {
        "invalid_request", "invalid_client", "invalid_grant", "unauthorized_client", "unsupported_grant_type", "invalid_scope",
        "access_denied", "server_error", "temporarily_unavailable", "invalid_token", "insufficient_access", "authorization_pending",
        "slow_down", "expired_token",
    };

    /// <summary>Records one event that has been saved.</summary>
    public static void Record(IdentityProviderMetrics metrics, AuditEvent saved)
    {
        var outcome = saved.Outcome == AuditLog.Success ? "success" : "failure";
        switch (saved.EventType)
        {
            case AuditEventTypes.SignInSucceeded:
                metrics.SignIn("password", "success");
                break;
            case AuditEventTypes.SignInFailed:
                metrics.SignIn("password", saved.Reason?.StartsWith("locked-out", StringComparison.Ordinal) == true ? "locked_out" : "failure");
                break;
            case AuditEventTypes.PasskeySignIn:
            case AuditEventTypes.PasskeySignInFailed:
                metrics.SignIn("passkey", outcome);
                break;
            case AuditEventTypes.AccountLocked:
                metrics.Lockout(DeviceClass(saved.Reason));
                break;
            case AuditEventTypes.SecondFactorRequested:
                metrics.SecondFactorChallenge();
                break;
            case AuditEventTypes.SecondFactorPassed:
            case AuditEventTypes.SecondFactorFailed:
                metrics.SecondFactorVerification(IdentityProviderMetrics.Name(saved.Method), outcome);
                break;
            case AuditEventTypes.TokenIssued:
                metrics.TokenRequest(Grant(saved.Reason), "success");
                break;
            case AuditEventTypes.TokenRefused:
            case AuditEventTypes.ClientAuthenticationFailed:
                // The reason is "<error> <grant type>", both as the client sent or received them: only known values pass.
                var parts = (saved.Reason ?? string.Empty).Split(' ', 2);
                metrics.TokenRequest(Grant(parts.Length > 1 ? parts[1] : null), "failure", Errors.Contains(parts[0]) ? parts[0] : "other");
                break;
            case AuditEventTypes.RecoveryGatePassed:
            case AuditEventTypes.RecoveryGateFailed:
                metrics.RecoveryVerification(IdentityProviderMetrics.Name(saved.Method), outcome);
                break;
            case AuditEventTypes.RecoveryPasswordReset:
                metrics.Recovery("reset", "self_service");
                break;
            case AuditEventTypes.RecoveryUnlocked:
                metrics.Recovery("unlock", "self_service");
                break;
            case AuditEventTypes.AdminPasswordReset:
                metrics.Recovery("reset", "admin");
                break;
            case AuditEventTypes.AdminUnlocked:
                metrics.Recovery("unlock", "admin");
                break;
            case AuditEventTypes.RecoveryBlocked:
                // The reason is the limit's kind (a constant of RecoveryThrottle). Per-IP refusals are counted where they
                // happen (RequestThrottle), not from their audit event, which is written once per window.
                metrics.Throttle("recovery_" + saved.Reason);
                break;
            default:
                break;
        }
    }

    private static string Grant(string? grantType) => grantType is null ? "unknown" : GrantTypes.Contains(grantType) ? grantType : "other";

    private static string DeviceClass(string? reason) => reason switch
    {
        _ when reason is null => "unknown",
        _ when reason.StartsWith("familiar-", StringComparison.Ordinal) => "familiar",
        _ when reason.StartsWith("unfamiliar-", StringComparison.Ordinal) => "unfamiliar",
        "step-up" => "step_up",
        _ => "other",
    };
}
