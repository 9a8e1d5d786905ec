using System.Globalization;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.Messaging;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace IdentityProvider.SelfService.Recovery;

/// <summary>
/// "Contact an administrator": a request email to the holders of the helpdesk role (at most 100) or to the configured
/// helpdesk address; a configured URL is followed instead. Once per journey, and journeys are limited per account and
/// per network, so it cannot be used to flood the helpdesk. An unknown user ID sees the same confirmation and sends nothing.
/// </summary>
public sealed partial class ContactModel(
    RecoveryJourneys journeys,
    StoredPolicy<SelfServicePolicySettings> policies,
    UserManager<ApplicationUser> users,
    Outbox outbox,
    MessageTemplates templates,
    Helpdesk.HelpdeskRequests helpdesk,
    AuditLog audit,
    TimeProvider time,
    ILogger<ContactModel> logger) : RecoveryPageModel(journeys, policies)
{
    protected override IReadOnlySet<RecoveryStep> Steps => OpenSteps;

    public const int MaximumRecipients = 100;

    public bool Sent { get; private set; }

    public string SignInUrl => SignInLink(Journey.ReturnUrl, TypedUserId);

    public async Task<IActionResult> OnGetAsync()
    {
        var policy = await Policies.GetAsync(HttpContext.RequestAborted);
        if (policy.ContactUrl is { } url)
        {
            return Redirect(url.AbsoluteUri);
        }

        Sent = Journey.ContactedAdministrator;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var cancellationToken = HttpContext.RequestAborted;
        var policy = await Policies.GetAsync(cancellationToken);
        if (policy.ContactUrl is { } url)
        {
            return Redirect(url.AbsoluteUri);
        }

        Sent = true;
        if (Journey.ContactedAdministrator)
        {
            return Page();
        }

        Journey.ContactedAdministrator = true;
        var user = Journey.UserId is null ? null : await users.FindByIdAsync(Journey.UserId);
        if (user is not null)
        {
            var situation = RecoveryTexts.Situation(Journey.Outcome);
            var request = templates.HelpdeskRequest(user.UserName ?? user.Id, RecoveryTexts.ForStaffEmail(Texts, situation), time.GetUtcNow(), CultureInfo.CurrentUICulture, helpdesk.Raise(user, situation).Id);
            var recipients = policy.ContactEmail is { } address
                ? [address]
                : (await users.GetUsersInRoleAsync(StaffRoles.Helpdesk)).Where(h => h.IsEnabled && !string.IsNullOrEmpty(h.Email))
                    .Select(h => h.Email!).Distinct(StringComparer.OrdinalIgnoreCase).Take(MaximumRecipients).ToList();
            foreach (var recipient in recipients)
            {
                outbox.Email(recipient, request, "helpdesk-request");
            }

            audit.Add(AuditEventTypes.RecoveryContactedAdministrator, user.Id, AuditLog.Success, RecoveryTexts.Code(Journey.Outcome));
            LogContacted(logger, user.Id, recipients.Count);
        }

        // A double submit loses the race here and sends nothing more.
        await Journeys.SaveAsync(Journey, cancellationToken);
        return Page();
    }

    [LoggerMessage(EventId = 5010, Level = LogLevel.Information, Message = "User {UserId} asked an administrator for help ({Recipients} recipients).")]
    private static partial void LogContacted(ILogger logger, string userId, int recipients);
}
