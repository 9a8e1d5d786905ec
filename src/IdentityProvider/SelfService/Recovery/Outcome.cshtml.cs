using IdentityProvider.Data;
using Microsoft.AspNetCore.Mvc;

namespace IdentityProvider.SelfService.Recovery;

/// <summary>
/// What the account checks found when the journey cannot go on: password managed elsewhere, not enabled, or not
/// enough methods (also what an unknown user ID sees). With private outcomes one generic page stands for all three.
/// </summary>
public sealed class OutcomeModel(RecoveryJourneys journeys, StoredPolicy<SelfServicePolicySettings> policies) : RecoveryPageModel(journeys, policies)
{
    protected override IReadOnlySet<RecoveryStep> Steps { get; } = new HashSet<RecoveryStep> { RecoveryStep.Outcome };

    public EligibilityOutcome Outcome { get; private set; }

    public bool Private { get; private set; }

    /// <summary>The organisation's own help page, when "contact an administrator" goes there.</summary>
    public Uri? ContactUrl { get; private set; }

    public string SignInUrl => SignInLink(Journey.ReturnUrl, TypedUserId);

    public async Task<IActionResult> OnGetAsync()
    {
        var policy = await Policies.GetAsync(HttpContext.RequestAborted);
        Outcome = Journey.Outcome;
        Private = policy.PrivateOutcomes;
        ContactUrl = policy.ContactUrl;
        return Page();
    }
}
