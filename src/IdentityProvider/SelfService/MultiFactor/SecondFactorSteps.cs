using IdentityProvider.Account;
using IdentityProvider.Account.Sessions;
using IdentityProvider.Audit;
using IdentityProvider.Data;

namespace IdentityProvider.SelfService.MultiFactor;

/// <summary>
/// The second factor at sign-in, before any session: a user the policy covers (or an app demands it of) who has a
/// method the policy counts is held in the pending state and sent to the second-factor page, unless this browser is
/// remembered for them (and no app demanded a fresh one). Users without a method get a session and meet
/// <see cref="SecondFactorSessionStep"/>.
/// </summary>
internal sealed class SecondFactorStep(
    MultiFactorRequirement requirement, RememberedBrowsers browsers, StoredPolicy<MultiFactorPolicySettings> policies, PendingSecondFactors pending, AuditLog audit) : ISignInStep
{
    public SignInStage Stage => SignInStage.BeforeSession;

    /// <summary>Before a forced password change: who cannot prove the second factor does not get to choose a password.</summary>
    public int Order => 50;

    public async Task<SignInStepRedirect?> CheckAsync(SignInStepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (SignInMethods.IncludeSecondFactor(context.MethodsProven))
        {
            return null;
        }

        var demanded = context.Demand?.MultiFactor == true;
        if (!demanded && !await requirement.AppliesAsync(context.User, cancellationToken))
        {
            return null;
        }

        if ((await requirement.MethodsAsync(context.User, cancellationToken)).Count == 0)
        {
            return null;
        }

        if (!demanded && browsers.IsRemembered(context.Http, context.User, (await policies.GetAsync(cancellationToken)).RememberBrowserDays))
        {
            await audit.WriteAsync(AuditEventTypes.SecondFactorSkippedRememberedBrowser, context.User.Id, AuditLog.Success, cancellationToken: cancellationToken);
            return null;
        }

        return await pending.HoldAsync(context);
    }
}

/// <summary>
/// The second factor once a session exists, on the sign-in page and at every authorization request:
/// <list type="bullet">
/// <item>an app demands one (<c>acr_values</c>, an essential <c>acr</c>) that the session lacks, or proved longer ago
/// than its <c>max_age</c>: the step-up on the second-factor page, then back to the same request;</item>
/// <item>the policy covers a session without one (signed in before the policy changed) and the browser is not remembered: the same;</item>
/// <item>the user has no method: if the policy covers them, within the grace period they are asked to register one (and
/// may put it off) on the sign-in page, and after it registering holds back every code; an app's demand alone gets
/// what the sign-in reached (an essential <c>acr</c> then fails at the authorization endpoint).</item>
/// </list>
/// </summary>
internal sealed class SecondFactorSessionStep(
    MultiFactorRequirement requirement,
    RememberedBrowsers browsers,
    StoredPolicy<MultiFactorPolicySettings> policies,
    TimeProvider time,
    AuditLog audit) : ISignInStep
{
    public const string RegistrationStep = "mfa";

    public SignInStage Stage => SignInStage.AfterSession;

    /// <summary>Before registering recovery methods (a second factor counts for both).</summary>
    public int Order => 50;

    public async Task<SignInStepRedirect?> CheckAsync(SignInStepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (http, user) = (context.Http, context.User);
        var demanded = context.Demand?.MultiFactor == true;
        var session = UserSessions.Current(http);
        var proven = SignInMethods.IncludeSecondFactor(context.MethodsProven)
            && (context.Demand?.MaxAge is not { } maxAge || (session?.SecondFactorAt is { } at && time.GetUtcNow() - at <= maxAge));
        if (proven || (!demanded && !await requirement.AppliesAsync(user, cancellationToken)))
        {
            return null;
        }

        if ((await requirement.MethodsAsync(user, cancellationToken)).Count > 0)
        {
            return !demanded && browsers.IsRemembered(http, user, (await policies.GetAsync(cancellationToken)).RememberBrowserDays)
                ? null
                : new(PendingSecondFactors.PageUrl(context.ReturnUrl), "The user must prove a second factor interactively.");
        }

        var register = new SignInStepRedirect(
            SecurityInfo.IndexModel.Path + SecurityInfo.IndexModel.QueryString(RegistrationStep, context.ReturnUrl),
            "The user must register a second factor interactively.");
        if (demanded && !await requirement.AppliesAsync(user, cancellationToken))
        {
            // Nothing to prove it with: an essential acr fails at the authorization endpoint, a voluntary one gets what was reached.
            return null;
        }

        var graceEnds = await requirement.GraceEndsAsync(user, cancellationToken);
        if (graceEnds > time.GetUtcNow())
        {
            if (context.Moment != SignInMoment.SignInPage)
            {
                return null;
            }

            await audit.WriteAsync(AuditEventTypes.SecondFactorRegistrationDeferred, user.Id, AuditLog.Success, graceEnds.ToString("O"), cancellationToken);
            return register;
        }

        return register;
    }
}
