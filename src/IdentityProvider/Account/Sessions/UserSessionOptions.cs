using System.ComponentModel.DataAnnotations;

namespace IdentityProvider.Account.Sessions;

/// <summary>How long a sign-in lasts. Section <c>Sessions</c>.</summary>
public sealed class UserSessionOptions
{
    public const string SectionName = "Sessions";

    /// <summary>
    /// The longest a session lasts from sign-in, whatever the user does (ASVS 3.3.2). Default 12 hours; 5 minutes to 30
    /// days.
    /// </summary>
    [Range(typeof(TimeSpan), "00:05:00", "30.00:00:00")]
    public TimeSpan AbsoluteLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>
    /// A session without a request for this long ends, unless the user chose "Keep me signed in". Default 30 minutes;
    /// 1 minute to 30 days. Last activity is recorded to a resolution of one minute.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// How recent the last authentication must be for a change of recovery methods or of other sessions ("signed in
    /// within the last 5 minutes"). Default 5 minutes; 1 minute to 1 hour.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "01:00:00")]
    public TimeSpan RecentAuthenticationWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long an administrator's second-factor step-up lasts. Default 15 minutes; 1 minute to 8 hours.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "08:00:00")]
    public TimeSpan StepUpWindow { get; set; } = TimeSpan.FromMinutes(15);
}
