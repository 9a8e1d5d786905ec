using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace IdentityProvider.Messaging;

/// <summary>
/// Message bodies at rest. A queued message's text and HTML (which may carry a verification code) are stored encrypted
/// and authenticated with Data Protection; the dispatcher opens them only to hand them to a sender and deletes them once
/// the message is delivered. The dev mailbox stores what it received the same way and opens it to show it.
/// </summary>
public sealed class OutboxBodies(IDataProtectionProvider protection)
{
    /// <summary>How every Data Protection payload starts (its magic header, base64url): anything else was queued in clear by an older version.</summary>
    private const string ProtectedMarker = "CfDJ8";

    private readonly IDataProtector protector = protection.CreateProtector("IdentityProvider.Messaging.OutboxBody");

    public string Seal(string clear)
    {
        ArgumentNullException.ThrowIfNull(clear);
        return clear.Length == 0 ? clear : protector.Protect(clear);
    }

    public string? SealOrNull(string? clear) => clear is null ? null : Seal(clear);

    /// <summary>The clear text of a stored body. Throws <see cref="CryptographicException"/> when it cannot be decrypted (a lost key).</summary>
    public string Open(string stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        return stored.StartsWith(ProtectedMarker, StringComparison.Ordinal) ? protector.Unprotect(stored) : stored;
    }

    public string? OpenOrNull(string? stored) => stored is null ? null : Open(stored);

    /// <summary>A copy of <paramref name="message"/> with its bodies in clear, for a sender; the stored row is not changed.</summary>
    public OutboxMessage Opened(OutboxMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new OutboxMessage
        {
            Id = message.Id,
            Channel = message.Channel,
            Recipient = message.Recipient,
            Subject = message.Subject,
            TextBody = Open(message.TextBody),
            HtmlBody = OpenOrNull(message.HtmlBody),
            Template = message.Template,
            Status = message.Status,
            Attempts = message.Attempts,
            CreatedAt = message.CreatedAt,
            NextAttemptAt = message.NextAttemptAt,
            LeaseUntil = message.LeaseUntil,
            LeaseOwner = message.LeaseOwner,
            SentAt = message.SentAt,
            LastError = message.LastError,
        };
    }
}
