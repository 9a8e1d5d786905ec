using IdentityProvider.Audit;
using IdentityProvider.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OpenIddict.Abstractions;

namespace IdentityProvider.Account;

/// <summary>The signed-in user's account page: profile basics, change password, sign out everywhere else.</summary>
public sealed class AccountIndexModel(
    UserManager<ApplicationUser> users,
    SignInManager<ApplicationUser> signIn,
    IOpenIddictTokenManager tokens,
    IOpenIddictAuthorizationManager authorizations,
    Oidc.BackChannelLogout backChannel,
    AuditLog audit) : PageModel
{
    public ApplicationUser Profile { get; private set; } = null!;

    public bool SignedOutEverywhere { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        var user = await users.GetUserAsync(User);
        if (user is null)
        {
            return Challenge();
        }

        Profile = user;
        return Page();
    }

    /// <summary>New security stamp (other cookies stop at their next check), all refresh tokens and authorizations revoked; this browser stays.</summary>
    public async Task<IActionResult> OnPostSignOutEverywhereAsync()
    {
        var user = await users.GetUserAsync(User);
        if (user is null)
        {
            return Challenge();
        }

        // Every app the user is signed in to is told, while the tokens still show which those are.
        await backChannel.QueueAsync(user.Id);
        await users.UpdateSecurityStampAsync(user);
        await tokens.RevokeBySubjectAsync(user.Id);
        await authorizations.RevokeBySubjectAsync(user.Id);
        await audit.WriteAsync(AuditEventTypes.SignedOutEverywhere, user.Id, AuditLog.Success);
        await signIn.RefreshSignInAsync(user);
        Profile = user;
        SignedOutEverywhere = true;
        return Page();
    }
}
