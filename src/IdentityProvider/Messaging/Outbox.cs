using System.Globalization;
using IdentityProvider.Data;

namespace IdentityProvider.Messaging;

/// <summary>
/// The one way to send a message: it becomes a row in the caller's unit of work and is saved (or not) with the change
/// that caused it. Nothing here talks to SMTP or a provider; the dispatcher delivers later, so no page waits for it.
/// Bodies are stored encrypted (<see cref="OutboxBodies"/>): a code in a queued message is not readable in the database.
/// </summary>
public sealed class Outbox(ApplicationDbContext db, MessageTemplates templates, OutboxBodies bodies, TimeProvider time)
{
    public OutboxMessage Email(string to, RenderedEmail email, string template) => Add(new OutboxMessage
    {
        Channel = MessageChannel.Email,
        Recipient = to,
        Subject = email.Subject,
        TextBody = email.Text,
        HtmlBody = email.Html,
        Template = template,
    });

    /// <summary>Queues a verification code by text message to an E.164 number.</summary>
    public OutboxMessage SmsCode(string e164, string code, CultureInfo culture) => Add(new OutboxMessage
    {
        Channel = MessageChannel.Sms,
        Recipient = e164,
        TextBody = templates.SmsCode(code, culture),
        Template = "sms.code",
    });

    /// <summary>Queues a call that reads a verification code twice.</summary>
    public OutboxMessage VoiceCode(string e164, string code, CultureInfo culture) => Add(new OutboxMessage
    {
        Channel = MessageChannel.Voice,
        Recipient = e164,
        TextBody = templates.VoiceCode(code, culture),
        Template = "voice.code",
    });

    /// <summary>
    /// Queues a back-channel logout for a relying app. <paramref name="request"/> says whom to sign out; the logout
    /// token is signed when it is sent, so that it is fresh on every attempt.
    /// </summary>
    public OutboxMessage BackChannelLogout(string clientId, string request) => Add(new OutboxMessage
    {
        Channel = MessageChannel.BackChannelLogout,
        Recipient = clientId,
        TextBody = request,
        Template = "backchannel-logout",
    });

    private OutboxMessage Add(OutboxMessage message)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        message.TextBody = bodies.Seal(message.TextBody);
        message.HtmlBody = bodies.SealOrNull(message.HtmlBody);
        message.CreatedAt = now;
        message.NextAttemptAt = now;
        db.Add(message);
        return message;
    }
}
