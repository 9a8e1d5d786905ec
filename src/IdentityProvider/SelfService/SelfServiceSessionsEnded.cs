using IdentityProvider.Account.Sessions;

namespace IdentityProvider.SelfService;

/// <summary>
/// When a user's sessions end because their credentials changed (or "sign out everywhere"), self-service lets go of
/// everything that could change them back: open recovery journeys end, and codes sent but not used yet are voided
/// (which also voids security-info changes waiting for their code).
/// </summary>
internal sealed class SelfServiceSessionsEnded(Recovery.RecoveryJourneys journeys, Verification.VerificationCodes codes) : ISessionsEndedHandler
{
    public async Task OnSessionsEndingAsync(SessionsEnding ending, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ending);
        if (!ending.CredentialChange)
        {
            // One session signed out or timed out: the user's journeys and codes are theirs to finish.
            return;
        }

        await journeys.SupersedeAllAsync(ending.UserId, cancellationToken);
        await codes.VoidAllAsync(ending.UserId, cancellationToken);
    }
}
