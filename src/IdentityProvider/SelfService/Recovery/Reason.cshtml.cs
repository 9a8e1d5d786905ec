using IdentityProvider.Audit;
using IdentityProvider.Data;
using Microsoft.AspNetCore.Mvc;

namespace IdentityProvider.SelfService.Recovery;

/// <summary>"I forgot my password" or "I know my password but still can't sign in" (unlock).</summary>
public sealed class ReasonModel(RecoveryJourneys journeys, StoredPolicy<SelfServicePolicySettings> policies, AuditLog audit) : RecoveryPageModel(journeys)
{
    [BindProperty]
    public RecoveryReason? Choice { get; set; }

    /// <summary>False when the policy makes every unlock set a new password too.</summary>
    public bool UnlockOnlyAllowed { get; private set; }

    public string SignInUrl => IdentityProvider.Account.ReturnUrls.SignInLink(Journey.ReturnUrl);

    public async Task<IActionResult> OnGetAsync()
    {
        if (await LoadJourneyAsync() is { } elsewhere)
        {
            return elsewhere;
        }

        Choice = Journey.Reason;
        UnlockOnlyAllowed = (await policies.GetAsync(HttpContext.RequestAborted)).AllowUnlockWithoutReset;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (await LoadJourneyAsync() is { } elsewhere)
        {
            return elsewhere;
        }

        UnlockOnlyAllowed = (await policies.GetAsync(HttpContext.RequestAborted)).AllowUnlockWithoutReset;
        if (Choice is not (RecoveryReason.ForgotPassword or RecoveryReason.Unlock))
        {
            ModelState.Clear();
            ModelState.AddModelError(nameof(Choice), "Choose what happened.");
            return Page();
        }

        if (Journey.Reason != Choice)
        {
            Journey.Reason = Choice;
            audit.Add(AuditEventTypes.RecoveryReasonChosen, Journey.UserId, AuditLog.Success, Choice == RecoveryReason.Unlock ? "unlock" : "forgot-password");
            await Journeys.SaveAsync(Journey, HttpContext.RequestAborted);
        }

        return LocalRedirect(Journey.GatesPassed ? NextAfterGates(Journey, UnlockOnlyAllowed) : VerifyPath);
    }

    /// <summary>Where a journey goes once its gates are passed.</summary>
    public static string NextAfterGates(RecoveryJourney journey, bool unlockOnlyAllowed) =>
        journey.Reason == RecoveryReason.Unlock && unlockOnlyAllowed ? VerifyPath : PasswordPath;
}
