using IdentityProvider.Data;
using IdentityProvider.Lockout;

namespace IdentityProvider.SelfService.Verification;

/// <summary>How a second-factor check ended.</summary>
public enum SecondFactorResult
{
    Passed,

    /// <summary>Wrong, or a code already used.</summary>
    Wrong,

    /// <summary>Too many wrong codes: nothing was checked (see <see cref="SecondFactorCheck.PausedUntil"/>).</summary>
    Paused,

    /// <summary>The user has no second factor to check.</summary>
    None,
}

/// <summary>
/// A signed-in user proves their second factor (today the authenticator app): the admin step-up, and replacing or
/// removing the factor itself. Wrong codes are counted and locked like passwords, on a counter of their own
/// (<c>step-up:{id}</c>): the attempt reserves its place before the code is checked, so parallel guesses check at most
/// the threshold.
/// </summary>
public sealed class SecondFactorCheck(AuthenticatorCodes authenticator, LockoutCounters counters, StoredPolicy<LockoutPolicySettings> policies)
{
    /// <summary>Set when the last check was refused as paused: until when.</summary>
    public DateTimeOffset? PausedUntil { get; private set; }

    /// <summary>Set when the last wrong code locked the counter.</summary>
    public bool LockedNow { get; private set; }

    public async Task<SecondFactorResult> VerifyAsync(ApplicationUser user, string? code, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.AuthenticatorSecretProtected is null)
        {
            return SecondFactorResult.None;
        }

        var policy = await policies.GetAsync(cancellationToken);
        var subject = LockoutCounters.StepUpSubject(user.Id);
        PausedUntil = counters.PausedUntil(await counters.GetAsync(subject, familiar: false, cancellationToken), policy);
        var place = PausedUntil is null ? await counters.ReserveAsync(subject, familiar: false, policy, cancellationToken) : null;
        if (place is null)
        {
            PausedUntil ??= counters.PausedUntil(await counters.GetAsync(subject, familiar: false, cancellationToken), policy);
            return SecondFactorResult.Paused;
        }

        if (await authenticator.VerifyAsync(user, code, cancellationToken))
        {
            await counters.ResetAsync(subject, familiar: false, cancellationToken);
            return SecondFactorResult.Passed;
        }

        LockedNow = await counters.RecordWrongAsync(subject, familiar: false, place, string.Empty, remembered: 0, policy, cancellationToken) is not null;
        return SecondFactorResult.Wrong;
    }
}
