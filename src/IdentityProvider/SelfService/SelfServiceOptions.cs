using System.ComponentModel.DataAnnotations;

namespace IdentityProvider.SelfService;

/// <summary>
/// The self-service module's configuration-only settings. Section <c>SelfService</c>, which also gives the starting values of
/// the stored policy administrators edit (<see cref="SelfServicePolicySettings"/>).
/// </summary>
public sealed class SelfServiceOptions
{
    public const string SectionName = "SelfService";

    /// <summary>
    /// Names of the groups self-service is enabled for when <see cref="SelfServicePolicySettings.Scope"/> is <c>Selected</c>
    /// (resolved to <see cref="SelfServicePolicySettings.Groups"/> when the policy is first stored).
    /// </summary>
    public List<string> Groups { get; set; } = [];

    /// <summary>
    /// Let administrators use text messages to reset their password and to verify a mobile number they register (calls
    /// stay available). Default off: texts are the easiest codes to intercept (SIM swap), and administrators' accounts
    /// are worth it.
    /// </summary>
    public bool AdministratorTextMessages { get; set; }

    /// <summary>The organisation's own security questions (at most 20, 3–200 characters each), offered beside the built-in ones.</summary>
    public List<string> CustomQuestions { get; set; } = [];

    /// <summary>
    /// The start page answers an identified account no sooner than this after the request arrived, so the small
    /// difference between an existing and an unknown user ID (reading a row or not) cannot be timed. Default 100 ms.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:02")]
    public TimeSpan StartMinimumDuration { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long a reset or unlock journey lasts from its start. Default 15 minutes.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "01:00:00")]
    public TimeSpan JourneyLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The limits that block self-service for an account (all nodes share them).</summary>
    public RecoveryThrottleOptions Throttles { get; set; } = new();
}

/// <summary>Per-account limits of the reset journey. Passing a limit blocks self-service for <see cref="BlockDuration"/>.</summary>
public sealed class RecoveryThrottleOptions
{
    /// <summary>Wrong codes, answers or phone numbers per 24 hours before the block. Default 5.</summary>
    [Range(1, 100)]
    public int FailedProofsPerDay { get; set; } = 5;

    /// <summary>Tries per hour at each of text, call, app code, questions and phone-number check. Default 5.</summary>
    [Range(1, 100)]
    public int GateAttemptsPerHour { get; set; } = 5;

    /// <summary>Code emails per 10 minutes. Default 10.</summary>
    [Range(1, 100)]
    public int EmailsPerTenMinutes { get; set; } = 10;

    /// <summary>Journeys started for one account per hour. Default 5.</summary>
    [Range(1, 100)]
    public int JourneysStartedPerHour { get; set; } = 5;

    /// <summary>How long a block lasts from the attempt that caused it. Default 24 hours.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan BlockDuration { get; set; } = TimeSpan.FromHours(24);
}

public enum SelfServiceScope
{
    None,
    Selected,
    All,
}

/// <summary>Ways to prove who you are during a reset.</summary>
public enum RecoveryMethod
{
    AlternateEmail,
    MobileText,
    MobileCall,
    OfficeCall,
    SecurityQuestions,
    AuthenticatorApp,

    /// <summary>A passkey the user registered (WebAuthn, user verification preferred). Appended last: values are stored.</summary>
    Passkey,
}
