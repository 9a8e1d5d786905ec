using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace IdentityProvider.Telemetry;

/// <summary>
/// The application's own instruments, on one meter named <see cref="MeterName"/>. Names follow the OpenTelemetry
/// semantic conventions' style (lowercase, dot-separated, unit annotations such as <c>{sign_in}</c>); every attribute
/// has a small, fixed set of values: never a user id, user name, address, IP, client id or secret. The modules record
/// through the methods here; the table of instruments is in the deploy README ("Telemetry").
/// </summary>
public sealed class IdentityProviderMetrics
{
    /// <summary>The meter's name, also the name of the application's <see cref="ActivitySource"/>.</summary>
    public const string MeterName = "IdentityProvider";

    public const string OutcomeAttribute = "identity_provider.outcome";
    public const string MethodAttribute = "identity_provider.method";

    private readonly Counter<long> signIns;
    private readonly Counter<long> secondFactorChallenges;
    private readonly Counter<long> secondFactorVerifications;
    private readonly Counter<long> tokenRequests;
    private readonly Counter<long> recoveryVerifications;
    private readonly Counter<long> recoveries;
    private readonly Counter<long> lockouts;
    private readonly Counter<long> throttles;
    private readonly Counter<long> deliveries;

    public IdentityProviderMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        Meter = meters.Create(MeterName, typeof(IdentityProviderMetrics).Assembly.GetName().Version?.ToString());
        signIns = Meter.CreateCounter<long>("identity_provider.sign_ins", "{sign_in}",
            "First-factor sign-in attempts (password or passkey), by method and outcome (success, failure, locked_out).");
        secondFactorChallenges = Meter.CreateCounter<long>("identity_provider.mfa.challenges", "{challenge}",
            "Sign-ins whose first factor passed and that were asked for a second factor.");
        secondFactorVerifications = Meter.CreateCounter<long>("identity_provider.mfa.verifications", "{verification}",
            "Second-factor checks at sign-in, by method and outcome.");
        tokenRequests = Meter.CreateCounter<long>("identity_provider.token.requests", "{request}",
            "Token endpoint answers, by grant type and outcome (issued or refused, with the OAuth error).");
        recoveryVerifications = Meter.CreateCounter<long>("identity_provider.recovery.verifications", "{verification}",
            "Self-service reset and unlock verification steps, by method and outcome.");
        recoveries = Meter.CreateCounter<long>("identity_provider.recoveries", "{recovery}",
            "Completed password resets and account unlocks, by action (reset, unlock) and channel (self_service, admin).");
        lockouts = Meter.CreateCounter<long>("identity_provider.lockouts", "{lockout}",
            "Accounts locked after wrong passwords, by device class (familiar, unfamiliar, step_up).");
        throttles = Meter.CreateCounter<long>("identity_provider.throttles", "{throttle}",
            "Requests refused by a limit: per-IP sign-in and recovery limits, recovery blocks started, password checks refused because the hash queue was full.");
        deliveries = Meter.CreateCounter<long>("identity_provider.outbox.deliveries", "{message}",
            "Outbox delivery attempts, by channel and outcome (sent, retry, dead_letter, paused).");
    }

    /// <summary>The application's meter; modules add their observable instruments to it.</summary>
    public Meter Meter { get; }

    /// <summary>The application's activity source (SMTP sends, outbox deliveries).</summary>
    public static ActivitySource Activities { get; } = new(MeterName, typeof(IdentityProviderMetrics).Assembly.GetName().Version?.ToString());

    public void SignIn(string method, string outcome) =>
        signIns.Add(1, new(MethodAttribute, method), new(OutcomeAttribute, outcome));

    public void SecondFactorChallenge() => secondFactorChallenges.Add(1);

    public void SecondFactorVerification(string method, string outcome) =>
        secondFactorVerifications.Add(1, new(MethodAttribute, method), new(OutcomeAttribute, outcome));

    /// <summary>A token endpoint answer; <paramref name="error"/> is the OAuth error code of a refusal.</summary>
    public void TokenRequest(string grantType, string outcome, string? error = null)
    {
        var tags = new TagList { { "identity_provider.grant_type", grantType }, { OutcomeAttribute, outcome } };
        if (error is not null)
        {
            tags.Add("error.type", error);
        }

        tokenRequests.Add(1, tags);
    }

    public void RecoveryVerification(string method, string outcome) =>
        recoveryVerifications.Add(1, new(MethodAttribute, method), new(OutcomeAttribute, outcome));

    public void Recovery(string action, string channel) =>
        recoveries.Add(1, new("identity_provider.recovery.action", action), new("identity_provider.recovery.channel", channel));

    public void Lockout(string deviceClass) => lockouts.Add(1, new KeyValuePair<string, object?>("identity_provider.lockout.device_class", deviceClass));

    /// <summary>A request refused by a limit; <paramref name="policy"/> names the limit (e.g. <c>sign_in</c>).</summary>
    public void Throttle(string policy) => throttles.Add(1, new KeyValuePair<string, object?>("identity_provider.throttle.policy", Name(policy)));

    public void Delivery(string channel, string outcome) =>
        deliveries.Add(1, new("identity_provider.message.channel", Name(channel)), new(OutcomeAttribute, outcome));

    /// <summary>
    /// A code-side name as an attribute value: <c>AuthenticatorApp</c> and <c>recovery-start</c> become
    /// <c>authenticator_app</c> and <c>recovery_start</c>; at most 40 characters.
    /// </summary>
    public static string Name(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "unknown";
        }

        var name = new System.Text.StringBuilder(value.Length + 4);
        foreach (var c in value)
        {
            if (char.IsUpper(c))
            {
                if (name.Length > 0 && name[^1] != '_')
                {
                    name.Append('_');
                }

                name.Append(char.ToLowerInvariant(c));
            }
            else
            {
                name.Append(c is '-' or ':' or ' ' or '.' ? '_' : c);
            }
        }

        return name.Length > 40 ? name.ToString(0, 40) : name.ToString();
    }
}
