using IdentityProvider.Account.Sessions;

namespace IdentityProvider.SelfService;

/// <summary>
/// When a user's sessions end because their credentials changed (or "sign out everywhere"), self-service lets go of
/// everything that could change them back: open recovery journeys end, and codes sent but not used yet are voided
/// (which also voids security-info changes waiting for their code).
/// </summary>
internal sealed class SelfServiceSessionsEnded(Recovery.RecoveryJourneys journeys, Verification.VerificationCodes codes) : ISessionsEndedHandler
{
    public async Task OnSessionsEndedAsync(string userId, CancellationToken cancellationToken)
    {
        await journeys.SupersedeAllAsync(userId, cancellationToken);
        await codes.VoidAllAsync(userId, cancellationToken);
    }
}
