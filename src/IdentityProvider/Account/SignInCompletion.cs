using System.Security.Claims;
using IdentityProvider.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdentityProvider.Account;

/// <summary>
/// The one way a sign-in ends, whichever page proved the user (the password, a second factor, a passkey, a forced
/// password change): the steps that must come before a session run first (each may send the user away and come back
/// here with more proof), then the session starts with every method proven as its <c>amr</c>, the browser becomes
/// familiar for the user (<see cref="Lockout.FamiliarDevices"/>), and the first step that needs a session, if any,
/// decides where the user goes.
/// </summary>
public sealed partial class SignInCompletion(SignInManager<ApplicationUser> signIn, SignInSteps steps, Lockout.FamiliarDevices devices, ILogger<SignInCompletion> logger)
{
    /// <summary>
    /// Goes on with a sign-in whose <paramref name="methods"/> were proven. Returns the local URL to send the user to:
    /// a step's page, or <paramref name="returnUrl"/>.
    /// </summary>
    /// <param name="http">The request.</param>
    /// <param name="user">The user signing in.</param>
    /// <param name="rememberMe">"Keep me signed in".</param>
    /// <param name="methods">The <c>amr</c> values proven in this sign-in (at least one).</param>
    /// <param name="returnUrl">A sanitized local URL: where the sign-in resumes.</param>
    public async Task<string> ContinueAsync(HttpContext http, ApplicationUser user, bool rememberMe, IReadOnlyList<string> methods, string returnUrl)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(user);
        var context = new SignInStepContext(http, user, returnUrl, rememberMe, SignInMoment.SignInPage, methods);
        if (await steps.NextAsync(SignInStage.BeforeSession, context, http.RequestAborted) is { } pending)
        {
            // No session and no token until this step is done.
            return pending.Url;
        }

        await signIn.SignInWithClaimsAsync(
            user,
            new AuthenticationProperties { IsPersistent = rememberMe },
            context.MethodsProven.Select(method => new Claim(Claims.AuthenticationMethodReference, method)));
        // Only a finished sign-in makes this browser familiar: its failures then count apart from strangers'.
        devices.Remember(http, user.Id);
        LogSignedIn(logger, user.Id, context.MethodsProven.Count);
        return (await steps.NextAsync(SignInStage.AfterSession, context, http.RequestAborted))?.Url ?? returnUrl;
    }

    [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "User {UserId} signed in with {MethodCount} method(s).")]
    private static partial void LogSignedIn(ILogger logger, string userId, int methodCount);
}
