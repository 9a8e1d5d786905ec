using IdentityProvider.Data;

namespace IdentityProvider.Account;

/// <summary>When a sign-in step runs.</summary>
public enum SignInStage
{
    /// <summary>After the password was verified and before a session exists: the step holds the sign-in until it is done (a forced password change).</summary>
    BeforeSession,

    /// <summary>With a session: right after signing in on the sign-in page, and again at every authorization request (registering recovery methods, a password-expiry warning).</summary>
    AfterSession,
}

/// <summary>Where a sign-in step is asked.</summary>
public enum SignInMoment
{
    /// <summary>The sign-in page, right after the password was verified: every step may send the user somewhere.</summary>
    SignInPage,

    /// <summary>An authorization request of a signed-in user: only steps that must be done before an app gets a code answer.</summary>
    Authorization,
}

/// <summary>What a sign-in step sees.</summary>
/// <param name="Http">The request.</param>
/// <param name="User">The user signing in.</param>
/// <param name="ReturnUrl">Where the sign-in resumes once the step is done (a local URL: the return URL or the authorization request).</param>
/// <param name="RememberMe">Whether the user asked to stay signed in.</param>
/// <param name="Moment">Where the step is asked.</param>
/// <param name="Methods">
/// The methods proven so far, as <c>amr</c> values (RFC 8176): in this sign-in before the session exists, the session's
/// afterwards. Null means only the password.
/// </param>
/// <param name="Demand">What the relying app asked of the authentication (an authorization request's <c>acr_values</c>, <c>max_age</c>), if anything.</param>
public sealed record SignInStepContext(
    HttpContext Http, ApplicationUser User, string ReturnUrl, bool RememberMe, SignInMoment Moment,
    IReadOnlyList<string>? Methods = null, AuthenticationDemand? Demand = null)
{
    /// <summary>The methods proven so far (<c>pwd</c> when none was named).</summary>
    public IReadOnlyList<string> MethodsProven => Methods is { Count: > 0 } ? Methods : [SignInMethods.Password];
}

/// <summary>What a relying app asked of the authentication.</summary>
/// <param name="MultiFactor">The app asked for a second factor (<c>acr_values</c> naming a multi-factor level, or an essential <c>acr</c> claim).</param>
/// <param name="MaxAge">The app's <c>max_age</c>: a second factor older than this does not count.</param>
public sealed record AuthenticationDemand(bool MultiFactor, TimeSpan? MaxAge);

/// <summary>The <c>amr</c> values (RFC 8176) the sign-in pages record for what the user proved.</summary>
public static class SignInMethods
{
    /// <summary>A password.</summary>
    public const string Password = "pwd";

    /// <summary>A one-time password: an authenticator app, a code by email, a backup code.</summary>
    public const string OneTimePassword = "otp";

    /// <summary>A code sent by text message.</summary>
    public const string TextMessage = "sms";

    /// <summary>A code read out by a phone call.</summary>
    public const string Telephone = "tel";

    /// <summary>A hardware-bound key (a passkey that cannot leave its device, a security key).</summary>
    public const string HardwareKey = "hwk";

    /// <summary>A software-secured key (a passkey synced between devices).</summary>
    public const string SoftwareKey = "swk";

    /// <summary>Several factors; recorded by itself when one method proved two (a passkey with user verification).</summary>
    public const string MultipleFactors = "mfa";

    /// <summary>The methods that are a factor other than the password.</summary>
    public static IReadOnlySet<string> SecondFactors { get; } =
        new HashSet<string>(StringComparer.Ordinal) { OneTimePassword, TextMessage, Telephone, HardwareKey, SoftwareKey, MultipleFactors };

    /// <summary>Whether <paramref name="methods"/> include a factor other than the password.</summary>
    public static bool IncludeSecondFactor(IEnumerable<string> methods) => methods.Any(SecondFactors.Contains);
}

/// <summary>A step the user must take now.</summary>
/// <param name="Url">The local page that does it and then returns to <see cref="SignInStepContext.ReturnUrl"/>.</param>
/// <param name="InteractionRequired">Why an authorization request with <c>prompt=none</c> cannot be answered (the <c>interaction_required</c> error's description).</param>
public sealed record SignInStepRedirect(string Url, string InteractionRequired);

/// <summary>
/// One step between a verified password and a relying app: each module registers its own
/// (<c>services.AddScoped&lt;ISignInStep, …&gt;()</c>), and the sign-in page and the authorization endpoint run them
/// in <see cref="Order"/> without knowing what they are.
/// </summary>
public interface ISignInStep
{
    /// <summary>When the step runs.</summary>
    SignInStage Stage { get; }

    /// <summary>Lower runs first within a stage.</summary>
    int Order { get; }

    /// <summary>Where the user must go now, or null when the step has nothing to ask.</summary>
    Task<SignInStepRedirect?> CheckAsync(SignInStepContext context, CancellationToken cancellationToken);
}

/// <summary>Runs the registered sign-in steps of a stage in order and answers the first one that applies.</summary>
public sealed class SignInSteps(IEnumerable<ISignInStep> steps)
{
    private readonly ISignInStep[] ordered = [.. steps.OrderBy(step => step.Stage).ThenBy(step => step.Order)];

    /// <summary>The first step of <paramref name="stage"/> the user must take now, or null to go on.</summary>
    public async Task<SignInStepRedirect?> NextAsync(SignInStage stage, SignInStepContext context, CancellationToken cancellationToken = default)
    {
        foreach (var step in ordered.Where(step => step.Stage == stage))
        {
            if (await step.CheckAsync(context, cancellationToken) is { } redirect)
            {
                return redirect;
            }
        }

        return null;
    }
}
