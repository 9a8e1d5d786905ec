using IdentityProvider.Data;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;

namespace IdentityProvider.SelfService.Recovery;

/// <summary>
/// A page inside a journey. Before any handler runs, this page's filter finds the browser's journey, asks it which
/// step it is at (<see cref="RecoveryJourney.NextStep"/>) and, unless this page serves that step
/// (<see cref="Steps"/>), sends the user to the step's page: the start page without a journey, the expired page when
/// time ran out, the done page once it ended. So a bookmarked, reloaded or forged journey URL always lands where the
/// journey really is. The same shape as the admin pages' step-up filter.
/// <para>Every journey form carries the journey's mark (<see cref="RecoveryJourneys.Mark"/>): a post from a page of an
/// earlier journey, one that another tab replaced by starting again, is not applied to the newer journey but sent to the
/// page that says what happened.</para>
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

    /// <summary>The form field that carries the journey's mark.</summary>
    public const string MarkField = "journey";

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

    /// <summary>The texts of self-service, in the reader's language.</summary>
    protected IStringLocalizer<SelfServiceText> Texts => HttpContext.RequestServices.GetRequiredService<IStringLocalizer<SelfServiceText>>();

    /// <summary>The journey's mark, for the hidden field of each journey form.</summary>
    public string JourneyMark => RecoveryJourneys.Mark(Journey);

    /// <summary>The user ID as typed on the start page (shown on every journey page, so a typo can be seen).</summary>
    public string? TypedUserId { get; private set; }

    /// <summary>"Try a different user ID": the start page with the typed ID to correct, and the way back to the app.</summary>
    public string DifferentUserIdUrl => StartUrl(Journey.ReturnUrl, TypedUserId);

    /// <summary>The start page with <paramref name="userName"/> in the field and <paramref name="returnUrl"/> kept.</summary>
    public static string StartUrl(string? returnUrl, string? userName, string? reason = null)
    {
        var query = new List<string>();
        if (!string.IsNullOrEmpty(userName))
        {
            query.Add("userName=" + Uri.EscapeDataString(userName));
        }

        if (reason is not null)
        {
            query.Add("reason=" + reason);
        }

        if (returnUrl is { Length: > 0 } and not "/")
        {
            query.Add("returnUrl=" + Uri.EscapeDataString(returnUrl));
        }

        return StartPath + (query.Count == 0 ? string.Empty : "?" + string.Join('&', query));
    }

    /// <summary>
    /// The sign-in page at the end of a journey: the typed user ID goes back with it (the sign-in page fills it in),
    /// and so does the way back to the app. An app's own registered address is left as it is.
    /// </summary>
    public static string SignInLink(string returnUrl, string? userName)
    {
        var link = IdentityProvider.Account.ReturnUrls.SignInLink(returnUrl);
        if (string.IsNullOrEmpty(userName) || !link.StartsWith("/Account/Login", StringComparison.Ordinal))
        {
            return link;
        }

        return "/Account/Login?userName=" + Uri.EscapeDataString(userName) + (link.Contains('?', StringComparison.Ordinal) ? "&" + link[(link.IndexOf('?', StringComparison.Ordinal) + 1)..] : string.Empty);
    }

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
        if (found.State == JourneyState.Open && HttpMethods.IsPost(Request.Method) && Request.HasFormContentType
            && (await Request.ReadFormAsync(HttpContext.RequestAborted)).TryGetValue(MarkField, out var mark)
            && !string.Equals(mark.ToString(), RecoveryJourneys.Mark(found.Journey!), StringComparison.Ordinal))
        {
            // A page of a journey that was replaced (started again in another tab): nothing it posts applies to this one.
            context.Result = LocalRedirect(ExpiredPath + "?why=replaced");
            return;
        }

        if (!Steps.Contains(step))
        {
            context.Result = LocalRedirect(PathOf(step));
            return;
        }

        (Journey, Step) = (found.Journey!, step);
        TypedUserId = Journeys.TypedUserId(HttpContext);
        await next();
    }

    /// <summary>The step <paramref name="journey"/> is at now, under the policy in force.</summary>
    protected async Task<RecoveryStep> NextStepAsync(RecoveryJourney journey) =>
        journey.NextStep((await Policies.GetAsync(HttpContext.RequestAborted)).AllowUnlockWithoutReset);
}
