using System.ComponentModel.DataAnnotations;

namespace IdentityProvider.SelfService;

/// <summary>Who may reset their own password and how. Section <c>SelfService</c>; seeds the stored SSPR policy once.</summary>
public sealed class SsprOptions
{
    public const string SectionName = "SelfService";

    /// <summary><c>None</c>, <c>Selected</c> (members of <see cref="Groups"/>, nested groups included) or <c>All</c>. Default <c>None</c>.</summary>
    public SsprScope Scope { get; set; } = SsprScope.None;

    /// <summary>Names of the groups enabled when <see cref="Scope"/> is <c>Selected</c> (resolved when the policy is first stored).</summary>
    public List<string> Groups { get; set; } = [];

    /// <summary>The verification methods users may use. Default: alternate email, mobile text and authenticator app.</summary>
    public List<RecoveryMethod> Methods { get; set; } = [RecoveryMethod.AlternateEmail, RecoveryMethod.MobileText, RecoveryMethod.AuthenticatorApp];

    /// <summary>
    /// Let administrators use text messages to reset their password and to verify a mobile number they register (calls
    /// stay available). Default off: texts are the easiest codes to intercept (SIM swap), and administrators' accounts
    /// are worth it.
    /// </summary>
    public bool AdministratorTextMessages { get; set; }

    /// <summary>How many different methods a reset needs (1 or 2). Administrators always need 2. Default 1.</summary>
    [Range(1, 2)]
    public int MethodsRequired { get; set; } = 1;

    /// <summary>Security questions a user registers (3–5). Default 3.</summary>
    [Range(3, 5)]
    public int QuestionsToRegister { get; set; } = 3;

    /// <summary>Security questions asked at a reset (3–5, at most the registered number). Default 3.</summary>
    [Range(3, 5)]
    public int QuestionsToReset { get; set; } = 3;

    /// <summary>Let users unlock their account without resetting the password. Default on.</summary>
    public bool AllowUnlockWithoutReset { get; set; } = true;

    /// <summary>Show one generic page for "managed elsewhere", "not enabled" and "not enough methods". Default off.</summary>
    public bool PrivateOutcomes { get; set; }

    /// <summary>
    /// Where "contact an administrator" goes: empty (default) emails the holders of <see cref="HelpdeskRole"/> (at most
    /// 100); an email address sends the request there; an <c>https://</c> URL sends the user to that page instead.
    /// </summary>
    [StringLength(500)]
    public string? ContactAdministrator { get; set; }

    /// <summary>The role whose holders receive "contact an administrator" requests. Default <c>Helpdesk</c>.</summary>
    [Required]
    public string HelpdeskRole { get; set; } = "Helpdesk";

    /// <summary>Email users (primary and alternate address) when their password was reset. Default on.</summary>
    public bool NotifyUserOnReset { get; set; } = true;

    /// <summary>Email the other administrators when an administrator resets their own password. Default on.</summary>
    public bool NotifyAdministratorsOnAdminReset { get; set; } = true;

    /// <summary>Ask users with too few methods to register them when they sign in. Default off.</summary>
    public bool RegistrationRequired { get; set; }

    /// <summary>Users may skip the registration step at sign-in (they are asked again next time). Default on.</summary>
    public bool RegistrationSkippable { get; set; } = true;

    /// <summary>Ask users to confirm their recovery methods are still right after this many days (0–730, 0 = never). Default 180.</summary>
    [Range(0, 730)]
    public int ReconfirmDays { get; set; } = 180;

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
    public SsprThrottleOptions Throttles { get; set; } = new();
}

/// <summary>Per-account limits of the reset journey. Passing a limit blocks self-service for <see cref="BlockDuration"/>.</summary>
public sealed class SsprThrottleOptions
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
    public int ResetsPerHour { get; set; } = 5;

    /// <summary>How long a block lasts from the attempt that caused it. Default 24 hours.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan BlockDuration { get; set; } = TimeSpan.FromHours(24);
}

public enum SsprScope
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
}
