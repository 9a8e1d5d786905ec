using IdentityProvider.Audit;
using IdentityProvider.Data;
using Microsoft.AspNetCore.Mvc;

namespace IdentityProvider.SelfService.Recovery;

/// <summary>"I forgot my password" or "I know my password but still can't sign in" (unlock).</summary>
public sealed class ReasonModel(RecoveryJourneys journeys, StoredPolicy<SelfServicePolicySettings> policies, AuditLog audit) : RecoveryPageModel(journeys, policies)
{
    /// <summary>Shown until the gates are passed and after (the user may change their mind).</summary>
    protected override IReadOnlySet<RecoveryStep> Steps { get; } = new HashSet<RecoveryStep>
    {
        RecoveryStep.Reason, RecoveryStep.Verify, RecoveryStep.Unlock, RecoveryStep.Password,
    };

    [BindProperty]
    public RecoveryReason? Choice { get; set; }

    /// <summary>False when the policy makes every unlock set a new password too.</summary>
    public bool UnlockOnlyAllowed { get; private set; }

    public string SignInUrl => SignInLink(Journey.ReturnUrl, TypedUserId);

    /// <summary>The choice made for the user by the page that sent them (<c>Unlock</c> from the locked-account page).</summary>
    [BindProperty(SupportsGet = true, Name = "choice")]
    public RecoveryReason? Suggested { get; set; }

    public async Task<IActionResult> OnGetAsync()
    {
        ModelState.Clear();
        Choice = Journey.Reason ?? Suggested;
        UnlockOnlyAllowed = (await Policies.GetAsync(HttpContext.RequestAborted)).AllowUnlockWithoutReset;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        UnlockOnlyAllowed = (await Policies.GetAsync(HttpContext.RequestAborted)).AllowUnlockWithoutReset;
        if (Choice is not (RecoveryReason.ForgotPassword or RecoveryReason.Unlock))
        {
            ModelState.Clear();
            ModelState.AddModelError(nameof(Choice), Texts["Choose what happened."]);
            return Page();
        }

        if (Journey.Reason != Choice)
        {
            Journey.Reason = Choice;
            audit.Add(AuditEventTypes.RecoveryReasonChosen, Journey.UserId, AuditLog.Success, Choice == RecoveryReason.Unlock ? "unlock" : "forgot-password");
            await Journeys.SaveAsync(Journey, HttpContext.RequestAborted);
        }

        return LocalRedirect(PathOf(Journey.NextStep(UnlockOnlyAllowed)));
    }
}
