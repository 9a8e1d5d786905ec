using IdentityProvider.Data;
using IdentityProvider.Messaging;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace IdentityProvider.Dev;

/// <summary>The dev mailbox of the embedded default. Not found unless <see cref="MessagingOptions.UseDevMailbox"/> is on.</summary>
[AllowAnonymous]
public sealed class MailboxModel(ApplicationDbContext db, OutboxBodies bodies, IOptions<MessagingOptions> options) : PageModel
{
    public IReadOnlyList<DevMailboxMessage> Messages { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync()
    {
        if (!options.Value.UseDevMailbox)
        {
            return NotFound();
        }

        Messages = await db.Set<DevMailboxMessage>().AsNoTracking().OrderByDescending(m => m.Id).Take(100).ToListAsync();
        foreach (var message in Messages)
        {
            // Stored encrypted like the outbox; this page is the one place that shows them.
            message.TextBody = bodies.Open(message.TextBody);
            message.HtmlBody = bodies.OpenOrNull(message.HtmlBody);
        }

        return Page();
    }
}
