using IdentityProvider.Data;

namespace IdentityProvider.SelfService.Recovery;

/// <summary>The end of a journey: what was done, and the way back to the sign-in the user came from.</summary>
public sealed class DoneModel(RecoveryJourneys journeys, StoredPolicy<SelfServicePolicySettings> policies) : RecoveryPageModel(journeys, policies)
{
    protected override IReadOnlySet<RecoveryStep> Steps { get; } = new HashSet<RecoveryStep> { RecoveryStep.Done };

    public string? EndedAs => Journey.EndedAs;

    public string SignInUrl => SignInLink(Journey.ReturnUrl, TypedUserId);

    public void OnGet()
    {
    }
}
