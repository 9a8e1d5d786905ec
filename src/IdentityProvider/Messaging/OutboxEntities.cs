using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace IdentityProvider.Messaging;

public enum MessageChannel
{
    Email = 0,
    Sms = 1,
    Voice = 2,

    /// <summary>An HTTP POST of a signed logout token to a relying app's back-channel logout endpoint (the recipient is the app's client id).</summary>
    BackChannelLogout = 3,
}

public enum OutboxStatus
{
    Pending = 0,
    Sent = 1,
    DeadLettered = 2,
}

/// <summary>
/// A message waiting to be delivered, written in the same transaction as the change that caused it. Its id is the
/// message's stable identity downstream (the email's Message-ID, the webhook's idempotency key). Times are Unix
/// milliseconds so that the claim statement can compute with them on every provider.
/// </summary>
public sealed class OutboxMessage
{
    public Guid Id { get; set; } = Guid.NewGuid();

    public MessageChannel Channel { get; set; }

    /// <summary>An email address, a phone number in E.164, or a client id (back-channel logout).</summary>
    public string Recipient { get; set; } = string.Empty;

    public string? Subject { get; set; }

    /// <summary>
    /// The plain-text body (the spoken text for a call), encrypted at rest (<see cref="OutboxBodies"/>); emptied once the
    /// message is delivered.
    /// </summary>
    public string TextBody { get; set; } = string.Empty;

    /// <summary>The HTML body of an email, encrypted at rest; removed once the message is delivered.</summary>
    public string? HtmlBody { get; set; }

    /// <summary>Which template made it, for the admin pages and audit.</summary>
    public string Template { get; set; } = string.Empty;

    public OutboxStatus Status { get; set; }

    public int Attempts { get; set; }

    public long CreatedAt { get; set; }

    public long NextAttemptAt { get; set; }

    public long LeaseUntil { get; set; }

    public string? LeaseOwner { get; set; }

    public long? SentAt { get; set; }

    public string? LastError { get; set; }
}

/// <summary>What the dev mailbox received (embedded default only); bodies encrypted at rest like the outbox's.</summary>
public sealed class DevMailboxMessage
{
    public long Id { get; set; }

    public Guid MessageId { get; set; }

    public MessageChannel Channel { get; set; }

    public string Recipient { get; set; } = string.Empty;

    public string? Subject { get; set; }

    public string TextBody { get; set; } = string.Empty;

    public string? HtmlBody { get; set; }

    public long ReceivedAt { get; set; }
}

internal sealed class OutboxConfigurations : IEntityTypeConfiguration<OutboxMessage>, IEntityTypeConfiguration<DevMailboxMessage>
{
    public void Configure(EntityTypeBuilder<OutboxMessage> builder)
    {
        builder.ToTable("OutboxMessages");
        builder.Property(m => m.Recipient).HasMaxLength(320).IsRequired();
        builder.Property(m => m.Subject).HasMaxLength(300);
        builder.Property(m => m.Template).HasMaxLength(100).IsRequired();
        builder.Property(m => m.LeaseOwner).HasMaxLength(100);
        builder.Property(m => m.LastError).HasMaxLength(1000);
        builder.HasIndex(m => new { m.Status, m.NextAttemptAt });
    }

    public void Configure(EntityTypeBuilder<DevMailboxMessage> builder)
    {
        builder.ToTable("DevMailbox");
        builder.Property(m => m.Recipient).HasMaxLength(320).IsRequired();
        builder.Property(m => m.Subject).HasMaxLength(300);
        builder.HasIndex(m => m.ReceivedAt);
    }
}
