using System.ComponentModel.DataAnnotations;
using System.Net.Mail;
using IdentityProvider.Data;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace IdentityProvider.SelfService.SecurityInfo;

/// <summary>Adds or changes the alternate email address: saved once the code sent to it comes back.</summary>
[Authorize]
public sealed class EmailModel(
    UserManager<ApplicationUser> users,
    StoredPolicy<SelfServicePolicySettings> policies,
    SelfServiceEligibilityEvaluator eligibility,
    Account.Sessions.UserSessions sessions,
    SecurityInfoChanges changes,
    PendingChanges pending,
    Microsoft.Extensions.Localization.IStringLocalizer<SecurityInfoText> texts) : ContactPageModel(users, policies, eligibility, sessions, changes, pending, texts)
{
    public const string Path = IndexModel.Path + "/Email";

    [BindProperty]
    [StringLength(256, ErrorMessage = "That email address is too long.")]
    public string? NewEmail { get; set; }

    protected override ContactKind Kind => ContactKind.AlternateEmail;

    protected override string SavedText => Texts["Your alternate email address is saved."];

    public async Task<IActionResult> OnPostEmailAsync()
    {
        if (await GuardAsync() is { } stop)
        {
            return stop;
        }

        var address = NewEmail?.Trim();
        if (string.IsNullOrEmpty(address) || !MailAddress.TryCreate(address, out var parsed) || parsed.Address != address || !address.Contains('.', StringComparison.Ordinal))
        {
            return Problem((nameof(NewEmail), Texts["Enter an email address like name@example.com."]));
        }

        if (string.Equals(address, Profile.Email, StringComparison.OrdinalIgnoreCase))
        {
            return Problem((nameof(NewEmail), Texts["Use an address other than your account's own email: you need it when you can't get into this account."]));
        }

        return await SendAsync(address, call: false);
    }
}
