using System.ComponentModel.DataAnnotations;

namespace IdentityProvider.Messaging;

/// <summary>The outbox, its dispatcher and the senders. Section <c>Messaging</c>.</summary>
public sealed class MessagingOptions
{
    public const string SectionName = "Messaging";

    /// <summary>
    /// Deliver every channel to the dev mailbox in the database (shown at <c>/dev/mailbox</c>) instead of SMTP and
    /// telephony providers. On in the embedded default; refused in the Production environment.
    /// </summary>
    public bool UseDevMailbox { get; set; }

    /// <summary>How often an idle dispatcher looks for due messages. Default 1 second.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often the dispatcher counts the pending messages for the outbox metrics (one query, at most this often; the
    /// gauges report the last count between). Default 15 seconds.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan MetricsInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Messages claimed per round. Default 50.</summary>
    [Range(1, 1000)]
    public int BatchSize { get; set; } = 50;

    /// <summary>How long a claim lasts; a node that dies mid-send releases its messages when it runs out. Default 2 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Delivery attempts before a message is dead-lettered. Default 8.</summary>
    [Range(1, 50)]
    public int MaxAttempts { get; set; } = 8;

    /// <summary>Wait before the second attempt; doubles each time, with jitter. Default 10 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest wait between attempts. Default 30 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How long sent messages are kept before they are pruned. Default 7 days.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan SentRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Time allowed for one delivery. Default 30 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a channel (for back-channel logouts: one app) pauses after repeated failures (circuit breaker); its
    /// waiting messages are tried again after it, without spending an attempt. Default 30 seconds.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00")]
    public TimeSpan CircuitBreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Run the dispatcher on this node. Default on.</summary>
    public bool DispatcherEnabled { get; set; } = true;

    /// <summary>Email over SMTP.</summary>
    public SmtpOptions Smtp { get; set; } = new();

    /// <summary>Branding of messages.</summary>
    public BrandingOptions Branding { get; set; } = new();
}

/// <summary>The SMTP relay. Section <c>Messaging:Smtp</c>.</summary>
public sealed class SmtpOptions
{
    public string Host { get; set; } = "localhost";

    [Range(1, 65535)]
    public int Port { get; set; } = 587;

    /// <summary><c>None</c>, <c>StartTls</c> (default) or <c>ImplicitTls</c>.</summary>
    public SmtpSecurity Security { get; set; } = SmtpSecurity.StartTls;

    /// <summary>User name for SMTP authentication; empty for none.</summary>
    public string? UserName { get; set; }

    public string? Password { get; set; }

    /// <summary>The sender address, e.g. <c>no-reply@example.org</c>.</summary>
    public string FromAddress { get; set; } = "no-reply@example.org";

    /// <summary>The sender's display name; default "&lt;organisation&gt; account team".</summary>
    public string? FromName { get; set; }
}

public enum SmtpSecurity
{
    None,
    StartTls,
    ImplicitTls,
}

/// <summary>How messages look. Section <c>Messaging:Branding</c>.</summary>
public sealed class BrandingOptions
{
    /// <summary>An absolute URL of the organisation's logo for emails; empty for none.</summary>
    public Uri? LogoUrl { get; set; }

    /// <summary>The organisation's colour (hex, e.g. <c>#1f4e8c</c>) for the email header and buttons.</summary>
    [RegularExpression("^#[0-9a-fA-F]{6}$")]
    public string Colour { get; set; } = "#1f4e8c";
}
