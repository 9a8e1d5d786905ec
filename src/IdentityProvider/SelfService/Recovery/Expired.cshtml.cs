using IdentityProvider.Data;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace IdentityProvider.SelfService.Recovery;

/// <summary>Why a journey can't go on.</summary>
public enum JourneyEnd
{
    /// <summary>Its time ran out.</summary>
    TimeRanOut,

    /// <summary>The account's password or sessions changed elsewhere while it was open.</summary>
    Superseded,

    /// <summary>The post came from a page of an earlier journey: the user started again in another tab.</summary>
    Replaced,

    /// <summary>This browser holds no journey (its cookies were cleared, or it was swept long after it ended).</summary>
    NotFound,
}

/// <summary>
/// A journey that can't go on, said plainly: why (time ran out, replaced by a newer one in another tab, ended by a change
/// to the account), that nothing was changed, and the way to start again or to carry on, keeping the way back to the
/// app and the typed user ID. Not a <see cref="RecoveryPageModel"/>: it is shown exactly when the journey is not open.
/// </summary>
public sealed class ExpiredModel(RecoveryJourneys journeys, StoredPolicy<SelfServicePolicySettings> policies, IOptions<SelfServiceOptions> options) : PageModel
{
    /// <summary><c>replaced</c> when a page of an earlier journey posted.</summary>
    [BindProperty(SupportsGet = true, Name = "why")]
    public string? Why { get; set; }

    public JourneyEnd End { get; private set; }

    public int LifetimeMinutes => (int)options.Value.JourneyLifetime.TotalMinutes;

    public string? TypedUserId { get; private set; }

    /// <summary>"Start again", with the typed user ID and the way back to the app.</summary>
    public string StartAgainUrl { get; private set; } = RecoveryPageModel.StartPath;

    /// <summary>For a replaced journey: the page the newer journey is at.</summary>
    public string? CarryOnUrl { get; private set; }

    public string SignInUrl { get; private set; } = "/Account/Login";

    public async Task<IActionResult> OnGetAsync()
    {
        var found = await journeys.FindAsync(HttpContext, HttpContext.RequestAborted);
        TypedUserId = journeys.TypedUserId(HttpContext);
        var returnUrl = found.Journey?.ReturnUrl ?? "/";
        StartAgainUrl = RecoveryPageModel.StartUrl(returnUrl, TypedUserId);
        SignInUrl = RecoveryPageModel.SignInLink(returnUrl, TypedUserId);
        switch (found.State)
        {
            case JourneyState.Open when Why == "replaced":
                End = JourneyEnd.Replaced;
                CarryOnUrl = RecoveryPageModel.PathOf(found.Journey!.NextStep((await policies.GetAsync(HttpContext.RequestAborted)).AllowUnlockWithoutReset));
                return Page();
            case JourneyState.Open:
                return LocalRedirect(RecoveryPageModel.PathOf(found.Journey!.NextStep((await policies.GetAsync(HttpContext.RequestAborted)).AllowUnlockWithoutReset)));
            case JourneyState.Ended:
                return LocalRedirect(RecoveryPageModel.DonePath);
            case JourneyState.Expired:
                End = found.Journey!.EndedAs == RecoveryJourneys.SupersededMark ? JourneyEnd.Superseded : JourneyEnd.TimeRanOut;
                return Page();
            default:
                End = JourneyEnd.NotFound;
                return Page();
        }
    }
}
