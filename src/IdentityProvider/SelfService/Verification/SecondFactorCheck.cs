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
/// A user proves a second factor: at sign-in (any method, see <c>MultiFactor/</c>), at the admin step-up, and when
/// replacing or removing the authenticator app itself. Wrong codes are counted and locked like passwords, on a counter of their own
/// (<c>step-up:{id}</c>): the attempt reserves its place before the code is checked, so parallel guesses check at most
/// the threshold.
/// </summary>
public sealed class SecondFactorCheck(AuthenticatorCodes authenticator, LockoutCounters counters, StoredPolicy<LockoutPolicySettings> policies)
{
    /// <summary>Set when the last check was refused as paused: until when.</summary>
    public DateTimeOffset? PausedUntil { get; private set; }

    /// <summary>Set when the last wrong code locked the counter.</summary>
    public bool LockedNow { get; private set; }

    /// <summary>Checks a code from the user's authenticator app; <paramref name="familiar"/> as in the other overload.</summary>
    public async Task<SecondFactorResult> VerifyAsync(ApplicationUser user, string? code, bool familiar, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.AuthenticatorSecretProtected is null
            ? SecondFactorResult.None
            : await VerifyAsync(user, familiar, ct => authenticator.VerifyAsync(user, code, ct), cancellationToken);
    }

    /// <summary>
    /// Checks a second factor with <paramref name="verify"/> under the user's second-factor counter (shared by sign-in
    /// and the admin step-up, apart from the password's). <paramref name="familiar"/>: the browser holds the user's
    /// familiar-device cookie, so its failures count apart from strangers' and cannot lock the user out of it.
    /// </summary>
    public async Task<SecondFactorResult> VerifyAsync(ApplicationUser user, bool familiar, Func<CancellationToken, Task<bool>> verify, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(verify);
        var policy = await policies.GetAsync(cancellationToken);
        var subject = LockoutCounters.StepUpSubject(user.Id);
        PausedUntil = counters.PausedUntil(await counters.GetAsync(subject, familiar, cancellationToken), policy);
        var place = PausedUntil is null ? await counters.ReserveAsync(subject, familiar, policy, cancellationToken) : null;
        if (place is null)
        {
            PausedUntil ??= counters.PausedUntil(await counters.GetAsync(subject, familiar, cancellationToken), policy);
            return SecondFactorResult.Paused;
        }

        if (await verify(cancellationToken))
        {
            await counters.ResetAsync(subject, familiar, cancellationToken);
            return SecondFactorResult.Passed;
        }

        LockedNow = await counters.RecordWrongAsync(subject, familiar, place, string.Empty, remembered: 0, policy, cancellationToken) is not null;
        return SecondFactorResult.Wrong;
    }
}
