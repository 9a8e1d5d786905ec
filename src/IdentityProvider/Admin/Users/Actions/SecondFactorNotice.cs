using System.Globalization;
using IdentityProvider.Data;
using IdentityProvider.Messaging;

namespace IdentityProvider.Admin.Users.Actions;

/// <summary>
/// Tells a user that staff changed their second-factor methods (a passkey, the backup codes, re-registration), at each
/// address they have, with the security-info notice users get for their own changes. Added to the unit of work: it is
/// sent only if the change is saved.
/// </summary>
public sealed class SecondFactorNotice(Messaging.Outbox outbox, MessageTemplates templates, TimeProvider time)
{
    /// <summary>Queues "the <paramref name="method"/> of your account … was <paramref name="what"/>".</summary>
    public void Add(ApplicationUser user, string method, string what)
    {
        ArgumentNullException.ThrowIfNull(user);
        var notice = templates.SecurityInfoChanged(user.UserName ?? user.Id, method, what, time.GetUtcNow(), user);
        foreach (var address in new[] { user.Email, user.AlternateEmail }.Where(a => !string.IsNullOrEmpty(a)).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            outbox.Email(address!, notice, "security-info-changed");
        }
    }
}
