using IdentityProvider.Data;

namespace IdentityProvider.SelfService.SecurityInfo;

public enum SecurityInfoStep
{
    None,

    /// <summary>Too few usable methods while the policy requires registration.</summary>
    Register,

    /// <summary>The methods were last confirmed longer ago than the policy's re-confirm interval.</summary>
    Reconfirm,
}

/// <summary>Decides, at sign-in, whether the user is asked to register recovery methods or to confirm them again.</summary>
public sealed class RegistrationCheck(StoredPolicy<SelfServicePolicySettings> policies, SelfServiceEligibilityEvaluator eligibility, TimeProvider time)
{
    /// <summary>
    /// True when the policy requires registration without a way to skip it and the user has too few methods. Cheap
    /// when registration is optional (a cached policy read), since every authorization request asks it.
    /// </summary>
    public async Task<bool> MustRegisterAsync(ApplicationUser user, CancellationToken cancellationToken = default)
    {
        var policy = await policies.GetAsync(cancellationToken);
        return policy.RegistrationRequired && !policy.RegistrationSkippable
            && await CheckAsync(user, cancellationToken) is { Step: SecurityInfoStep.Register };
    }

    public async Task<(SecurityInfoStep Step, bool Skippable)> CheckAsync(ApplicationUser user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        var policy = await policies.GetAsync(cancellationToken);
        if (!policy.RegistrationRequired || policy.Scope == SelfServiceScope.None)
        {
            return (SecurityInfoStep.None, true);
        }

        var result = await eligibility.EvaluateAsync(user, cancellationToken);
        switch (result.Outcome)
        {
            case EligibilityOutcome.ManagedExternally or EligibilityOutcome.NotEnabled:
                return (SecurityInfoStep.None, true);
            case EligibilityOutcome.NotEnoughMethods:
                return (SecurityInfoStep.Register, policy.RegistrationSkippable);
        }

        var confirmed = user.SecurityInfoConfirmedAt
            ?? new[] { user.AlternateEmailRegisteredAt, user.MobilePhoneRegisteredAt, user.AuthenticatorRegisteredAt }.Max()
            ?? user.CreatedAt;
        return policy.ReconfirmDays > 0 && confirmed.AddDays(policy.ReconfirmDays) <= time.GetUtcNow()
            ? (SecurityInfoStep.Reconfirm, true)
            : (SecurityInfoStep.None, true);
    }
}

/// <summary>
/// The sign-in step of registration: on the sign-in page, users with too few methods (or methods due for re-confirming)
/// are sent to security info first; at an authorization request, only registration the policy does not let users
/// skip holds back the code.
/// </summary>
internal sealed class RegistrationStep(RegistrationCheck registration) : Account.ISignInStep
{
    public Account.SignInStage Stage => Account.SignInStage.AfterSession;

    public int Order => 100;

    public async Task<Account.SignInStepRedirect?> CheckAsync(Account.SignInStepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        const string InteractionRequired = "The user must register recovery methods interactively.";
        if (context.Moment == Account.SignInMoment.Authorization)
        {
            return await registration.MustRegisterAsync(context.User, cancellationToken)
                ? new(IndexModel.Path + IndexModel.QueryString("register", context.ReturnUrl), InteractionRequired)
                : null;
        }

        return (await registration.CheckAsync(context.User, cancellationToken)).Step switch
        {
            SecurityInfoStep.Register => new(IndexModel.Path + IndexModel.QueryString("register", context.ReturnUrl), InteractionRequired),
            SecurityInfoStep.Reconfirm => new(IndexModel.Path + IndexModel.QueryString("reconfirm", context.ReturnUrl), InteractionRequired),
            _ => null,
        };
    }
}
