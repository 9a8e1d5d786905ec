using IdentityProvider.Audit;
using IdentityProvider.Messaging;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace IdentityProvider.Admin.Outbox;

/// <summary>
/// Messages waiting to go out and those that could not be delivered, with the reason and a retry. Bodies are never
/// shown (they carry codes); recipients are masked.
/// </summary>
[Authorize(Policy = AdminPolicies.SettingsPolicy)]
public sealed class IndexModel(OutboxQueries outbox, AuditLog audit, Microsoft.Extensions.Localization.IStringLocalizer<AdminText> texts) : PageModel
{
    public OutboxSummary Summary { get; private set; } = new(0, 0, 0);

    public IReadOnlyList<OutboxMessage> DeadLettered { get; private set; } = [];

    public IReadOnlyList<OutboxMessage> Pending { get; private set; } = [];

    public string? Message { get; private set; }

    public async Task OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnPostRetryAsync(Guid id)
    {
        if (await outbox.RetryAsync(id, HttpContext.RequestAborted))
        {
            await audit.WriteAsync(AuditEventTypes.AdminOutboxRetried, null, AuditLog.Success, $"by {User.FindFirst(OpenIddict.Abstractions.OpenIddictConstants.Claims.Subject)?.Value}: message {id}", cancellationToken: HttpContext.RequestAborted);
            Message = texts["The message is queued again."];
        }
        else
        {
            ModelState.AddModelError(string.Empty, texts["That message is not dead-lettered any more."]);
        }

        await LoadAsync();
        return Page();
    }

    public static string Recipient(OutboxMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.Channel switch
        {
            MessageChannel.Email => SelfService.Masking.Email(message.Recipient),
            // An app's client id is not personal data: shown as it is.
            MessageChannel.BackChannelLogout => message.Recipient,
            _ => SelfService.Masking.Phone(message.Recipient),
        };
    }


    private async Task LoadAsync()
    {
        Summary = await outbox.SummaryAsync(HttpContext.RequestAborted);
        DeadLettered = await outbox.ListAsync(OutboxStatus.DeadLettered, take: 100, cancellationToken: HttpContext.RequestAborted);
        Pending = await outbox.ListAsync(OutboxStatus.Pending, take: 100, cancellationToken: HttpContext.RequestAborted);
    }
}
