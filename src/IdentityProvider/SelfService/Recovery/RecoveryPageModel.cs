using IdentityProvider.Data;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace IdentityProvider.SelfService.Recovery;

/// <summary>
/// A page inside a journey. Before any handler runs, this page's filter finds the browser's journey, asks it which
/// step it is at (<see cref="RecoveryJourney.NextStep"/>) and, unless this page serves that step
/// (<see cref="Steps"/>), sends the user to the step's page: the start page without a journey, the expired page when
/// time ran out, the done page once it ended. So a bookmarked, reloaded or forged journey URL always lands where the
/// journey really is. The same shape as the admin pages' step-up filter.
/// </summary>
public abstract class RecoveryPageModel(RecoveryJourneys journeys, StoredPolicy<SelfServicePolicySettings> policies) : PageModel
{
    public const string StartPath = "/recover";
    public const string OutcomePath = "/recover/outcome";
    public const string ReasonPath = "/recover/reason";
    public const string VerifyPath = "/recover/verify";
    public const string PasswordPath = "/recover/password";
    public const string DonePath = "/recover/done";
    public const string ExpiredPath = "/recover/expired";
    public const string ContactPath = "/recover/contact";

    /// <summary>The steps of an open journey, where the pages that help at any point of it (contact) are served.</summary>
    protected static readonly IReadOnlySet<RecoveryStep> OpenSteps = new HashSet<RecoveryStep>
    {
        RecoveryStep.Outcome, RecoveryStep.Reason, RecoveryStep.Verify, RecoveryStep.Unlock, RecoveryStep.Password,
    };

    /// <summary>The steps this page is shown at.</summary>
    protected abstract IReadOnlySet<RecoveryStep> Steps { get; }

    /// <summary>The browser's journey (set before any handler runs).</summary>
    protected RecoveryJourney Journey { get; private set; } = null!;

    /// <summary>The step the journey is at.</summary>
    protected RecoveryStep Step { get; private set; }

    protected RecoveryJourneys Journeys { get; } = journeys;

    protected StoredPolicy<SelfServicePolicySettings> Policies { get; } = policies;

    /// <summary>The page of <paramref name="step"/>.</summary>
    public static string PathOf(RecoveryStep step) => step switch
    {
        RecoveryStep.Start => StartPath,
        RecoveryStep.Outcome => OutcomePath,
        RecoveryStep.Reason => ReasonPath,
        RecoveryStep.Verify or RecoveryStep.Unlock => VerifyPath,
        RecoveryStep.Password => PasswordPath,
        RecoveryStep.Done => DonePath,
        _ => ExpiredPath,
    };

    public override async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var found = await Journeys.FindAsync(HttpContext, HttpContext.RequestAborted);
        var step = found.State switch
        {
            JourneyState.Missing => RecoveryStep.Start,
            JourneyState.Expired => RecoveryStep.Expired,
            _ => await NextStepAsync(found.Journey!),
        };
        if (!Steps.Contains(step))
        {
            context.Result = LocalRedirect(PathOf(step));
            return;
        }

        (Journey, Step) = (found.Journey!, step);
        await next();
    }

    /// <summary>The step <paramref name="journey"/> is at now, under the policy in force.</summary>
    protected async Task<RecoveryStep> NextStepAsync(RecoveryJourney journey) =>
        journey.NextStep((await Policies.GetAsync(HttpContext.RequestAborted)).AllowUnlockWithoutReset);
}
