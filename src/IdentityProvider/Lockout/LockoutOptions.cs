using System.ComponentModel.DataAnnotations;

namespace IdentityProvider.Lockout;

/// <summary>
/// Smart lockout's and request throttling's configuration-only settings. Section <c>Lockout</c>, which also gives the
/// starting values of the stored policy administrators edit (<see cref="LockoutPolicySettings"/>).
/// </summary>
public sealed class LockoutOptions
{
    public const string SectionName = "Lockout";

    /// <summary>How many of the last wrong passwords are remembered (as keyed fingerprints) so repeating one does not count again. Default 3.</summary>
    [Range(0, 10)]
    public int RememberedWrongPasswords { get; set; } = 3;

    /// <summary>How long a browser stays "familiar" after a successful sign-in. Default 365 days.</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00")]
    public TimeSpan FamiliarDeviceLifetime { get; set; } = TimeSpan.FromDays(365);

    /// <summary>Sign-in form posts allowed per client IP address per window, across all nodes. Default 60.</summary>
    [Range(1, 100_000)]
    public int SignInPerIpLimit { get; set; } = 60;

    /// <summary>Password reset start attempts allowed per client IP address per window. Default 20.</summary>
    [Range(1, 100_000)]
    public int RecoveryStartPerIpLimit { get; set; } = 20;

    /// <summary>The throttling window. Default 1 minute.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ThrottleWindow { get; set; } = TimeSpan.FromMinutes(1);
}
