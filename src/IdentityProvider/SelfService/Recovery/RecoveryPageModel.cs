using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace IdentityProvider.SelfService.Recovery;

/// <summary>
/// A page inside a journey. <see cref="LoadJourneyAsync"/> finds this browser's journey and sends the user to the
/// right place when there is none, it ran out of time, or it already ended.
/// </summary>
public abstract class RecoveryPageModel(RecoveryJourneys journeys) : PageModel
{
    public const string StartPath = "/recover";
    public const string OutcomePath = "/recover/outcome";
    public const string ReasonPath = "/recover/reason";
    public const string VerifyPath = "/recover/verify";
    public const string PasswordPath = "/recover/password";
    public const string DonePath = "/recover/done";
    public const string ExpiredPath = "/recover/expired";
    public const string ContactPath = "/recover/contact";

    protected RecoveryJourney Journey { get; private set; } = null!;

    protected RecoveryJourneys Journeys { get; } = journeys;

    /// <summary>Loads the journey; returns where to go instead when this page cannot be shown.</summary>
    /// <param name="eligibleOnly">The page needs an account that passed the account checks.</param>
    protected async Task<IActionResult?> LoadJourneyAsync(bool eligibleOnly = true)
    {
        var found = await Journeys.FindAsync(HttpContext, HttpContext.RequestAborted);
        switch (found.State)
        {
            case JourneyState.Missing:
                return LocalRedirect(StartPath);
            case JourneyState.Expired:
                return LocalRedirect(ExpiredPath);
            case JourneyState.Ended:
                Journey = found.Journey!;
                return LocalRedirect(DonePath);
        }

        Journey = found.Journey!;
        return eligibleOnly && (Journey.UserId is null || Journey.Outcome != SsprOutcome.Eligible) ? LocalRedirect(OutcomePath) : null;
    }
}
