using System.Security.Claims;
using IdentityProvider.Data;
using IdentityProvider.Passwords;
using Microsoft.AspNetCore.Authentication;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdentityProvider.Account;

/// <summary>
/// A password that must be changed (an administrator's temporary password, or one older than the policy's expiry):
/// no session and no token until a new one is chosen. The right password earns only the short-lived pending cookie
/// that the forced-change page accepts.
/// </summary>
internal sealed class ForcedChangeStep(StoredPolicy<PasswordPolicySettings> policies, TimeProvider time) : ISignInStep
{
    public SignInStage Stage => SignInStage.BeforeSession;

    public int Order => 100;

    public async Task<SignInStepRedirect?> CheckAsync(SignInStepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var user = context.User;
        var policy = await policies.GetAsync(cancellationToken);
        var reason = user.MustChangePassword ? PendingPasswordChange.ReasonRequired
            : policy.ExpiryDays is { } days && user.DirectoryName is null && user.PasswordChangedAt is { } changed && changed.AddDays(days) <= time.GetUtcNow() ? PendingPasswordChange.ReasonExpired
            : null;
        if (reason is null)
        {
            return null;
        }

        await context.Http.SignInAsync(PendingPasswordChange.Scheme, new ClaimsPrincipal(new ClaimsIdentity(
            [
                new Claim(Claims.Subject, user.Id),
                new Claim(PendingPasswordChange.RememberMeClaim, context.RememberMe ? "true" : "false"),
                new Claim(PendingPasswordChange.ReasonClaim, reason),
                new Claim(PendingPasswordChange.StampClaim, user.SecurityStamp ?? string.Empty),
                .. context.MethodsProven.Select(method => new Claim(Claims.AuthenticationMethodReference, method)),
            ],
            PendingPasswordChange.Scheme)));
        return new("/Account/ForcedChange?returnUrl=" + Uri.EscapeDataString(context.ReturnUrl), "The user must change their password interactively.");
    }
}

/// <summary>On the sign-in page, inside the policy's warning period: "your password expires in N days".</summary>
internal sealed class PasswordExpiryWarningStep(StoredPolicy<PasswordPolicySettings> policies, TimeProvider time) : ISignInStep
{
    public SignInStage Stage => SignInStage.AfterSession;

    public int Order => 900;

    public async Task<SignInStepRedirect?> CheckAsync(SignInStepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Moment != SignInMoment.SignInPage)
        {
            return null;
        }

        var policy = await policies.GetAsync(cancellationToken);
        // A directory user's password ages by the directory's own policy, not this one.
        if (policy.ExpiryDays is not { } days || context.User.DirectoryName is not null || context.User.PasswordChangedAt is not { } changed)
        {
            return null;
        }

        var left = changed.AddDays(days) - time.GetUtcNow();
        return left <= TimeSpan.FromDays(policy.ExpiryWarningDays)
            ? new($"/Account/PasswordExpiring?days={Math.Max(1, (int)Math.Ceiling(left.TotalDays))}&returnUrl={Uri.EscapeDataString(context.ReturnUrl)}", string.Empty)
            : null;
    }
}
