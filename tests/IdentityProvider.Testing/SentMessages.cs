using IdentityProvider.Data;
using IdentityProvider.Messaging;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityProvider.Testing;

/// <summary>
/// What the server sent, as tests need to read it: outbox rows with their bodies in clear. A queued (or dead-lettered)
/// body is stored encrypted and is opened with the server's own key ring; a delivered one is no longer in the outbox and
/// is read where it was delivered, by the message's id (the dev mailbox, or a test SMTP server of this process).
/// </summary>
public static class SentMessages
{
    public static async Task<List<OutboxMessage>> ReadAsync(IdentityProviderHost host, Func<IQueryable<OutboxMessage>, IQueryable<OutboxMessage>> query)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(query);
        await using var scope = host.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        var bodies = scope.ServiceProvider.GetRequiredService<OutboxBodies>();
        var rows = await query(db.Set<OutboxMessage>().AsNoTracking()).ToListAsync();
        var opened = new List<OutboxMessage>(rows.Count);
        foreach (var row in rows)
        {
            var message = bodies.Opened(row);
            if (row.TextBody.Length == 0 && row.Status == OutboxStatus.Sent)
            {
                var mailbox = await db.Set<DevMailboxMessage>().AsNoTracking().FirstOrDefaultAsync(m => m.MessageId == row.Id);
                var smtp = mailbox is null ? TestSmtpServer.Delivered(row.Id) : null;
                (message.TextBody, message.HtmlBody) = mailbox is not null
                    ? (bodies.Open(mailbox.TextBody), bodies.OpenOrNull(mailbox.HtmlBody))
                    : smtp is not null
                        ? (smtp.TextBody ?? string.Empty, smtp.HtmlBody)
                        : throw new InvalidOperationException($"Outbox message {row.Id} was delivered, but not to the dev mailbox nor to a test SMTP server of this process.");
            }

            opened.Add(message);
        }

        return opened;
    }
}
