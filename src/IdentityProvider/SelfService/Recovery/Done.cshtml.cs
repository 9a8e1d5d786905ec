using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace IdentityProvider.SelfService.Recovery;

/// <summary>The end of a journey: what was done, and the way back to the sign-in the user came from.</summary>
public sealed class DoneModel(RecoveryJourneys journeys) : PageModel
{
    public string? EndedAs { get; private set; }

    public string SignInUrl { get; private set; } = "/Account/Login";

    public async Task<IActionResult> OnGetAsync()
    {
        var found = await journeys.FindAsync(HttpContext, HttpContext.RequestAborted);
        if (found.State != JourneyState.Ended)
        {
            return LocalRedirect(found.State == JourneyState.Expired ? RecoveryPageModel.ExpiredPath : RecoveryPageModel.StartPath);
        }

        EndedAs = found.Journey!.EndedAs;
        SignInUrl = IdentityProvider.Account.ReturnUrls.SignInLink(found.Journey.ReturnUrl);
        return Page();
    }
}
