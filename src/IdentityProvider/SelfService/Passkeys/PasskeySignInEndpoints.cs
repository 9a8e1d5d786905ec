using Fido2NetLib.Objects;
using IdentityProvider.Account;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.Lockout;
using IdentityProvider.SelfService.MultiFactor;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Identity;

namespace IdentityProvider.SelfService.Passkeys;

/// <summary>
/// Passwordless sign-in with a discoverable passkey: the sign-in page's "Sign in with a passkey" asks for options (no
/// allow list, user verification required), the browser signs, and the answer finds the user by the credential. A
/// passkey with user verification proves two factors at once, so the session's <c>amr</c> is <c>hwk</c> (a device-bound
/// key) or <c>swk</c> (a synced passkey) with <c>mfa</c>. Every failure reads the same.
/// </summary>
internal static class PasskeySignInEndpoints
{
    public const string OptionsPath = "/passkeys/sign-in/options";
    public const string SignInPath = "/passkeys/sign-in";
    public const string Purpose = "sign-in";

    private const string Failed = "That passkey did not work. Try again, or sign in with your password.";
    private const string NotAllowed = "Signing in with a passkey is not available. Sign in with your password.";
    private const string Stale = "That took too long, or the page was used twice. Try again.";

    public static IEndpointRouteBuilder MapPasskeySignIn(this IEndpointRouteBuilder app)
    {
        app.MapPost(OptionsPath, OptionsAsync).DisableAntiforgery().AllowAnonymous();
        app.MapPost(SignInPath, SignInAsync).DisableAntiforgery().AllowAnonymous();
        return app;
    }

    private static async Task<IResult> OptionsAsync(
        HttpContext http, IAntiforgery antiforgery, StoredPolicy<MultiFactorPolicySettings> policies, PasskeyCredentials credentials, PasskeyCeremonies ceremonies)
    {
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return PasskeyRequests.Problem(PasskeyEndpoints.PageExpired);
        }

        if (!(await policies.GetAsync(http.RequestAborted)).Methods.Contains(SignInMethod.Passkey))
        {
            return PasskeyRequests.Problem(NotAllowed);
        }

        var options = credentials.AssertionOptions(http, [], UserVerificationRequirement.Required);
        var json = options.ToJson();
        ceremonies.Begin(http, Purpose, null, json);
        return PasskeyRequests.Options(json);
    }

    private static async Task<IResult> SignInAsync(
        HttpContext http,
        IAntiforgery antiforgery,
        RequestThrottle throttle,
        StoredPolicy<MultiFactorPolicySettings> policies,
        PasskeyCredentials credentials,
        PasskeyCeremonies ceremonies,
        UserManager<ApplicationUser> users,
        SignInCompletion completion,
        ApplicationDbContext db,
        AuditLog audit,
        TimeProvider time)
    {
        var cancellationToken = http.RequestAborted;
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return PasskeyRequests.Problem(PasskeyEndpoints.PageExpired);
        }

        if (await throttle.CheckAsync(http, RequestThrottle.SignIn, cancellationToken) is { } wait)
        {
            return PasskeyRequests.Problem("Too many sign-in attempts from your network. Wait {0} seconds and try again.",
                StatusCodes.Status429TooManyRequests, Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)));
        }

        if (await PasskeyRequests.ReadAsync(http.Request, cancellationToken) is not { } body || PasskeyRequests.Credential(body) is not { } answer)
        {
            await audit.WriteAsync(AuditEventTypes.PasskeySignInFailed, null, AuditLog.Failure, "malformed", cancellationToken);
            return PasskeyRequests.Problem(PasskeyRequests.Malformed);
        }

        if (!(await policies.GetAsync(cancellationToken)).Methods.Contains(SignInMethod.Passkey))
        {
            await audit.WriteAsync(AuditEventTypes.PasskeySignInFailed, null, AuditLog.Failure, "not-allowed", cancellationToken);
            return PasskeyRequests.Problem(NotAllowed);
        }

        if (await ceremonies.TakeAsync(http, Purpose, null, cancellationToken) is not { } ceremony)
        {
            await audit.WriteAsync(AuditEventTypes.PasskeySignInFailed, null, AuditLog.Failure, "no-ceremony", cancellationToken);
            return PasskeyRequests.Problem(Stale);
        }

        var check = await credentials.VerifyAsync(http, ceremony.Options, answer, null, cancellationToken);
        if (check.Credential is not { } credential)
        {
            await audit.WriteAsync(AuditEventTypes.PasskeySignInFailed, null, AuditLog.Failure, check.Failure, cancellationToken);
            return PasskeyRequests.Problem(Failed);
        }

        var user = await users.FindByIdAsync(credential.UserId);
        var refusal = user is null ? "unknown-account"
            : !user.IsEnabled ? "disabled"
            : user.LockoutEnd > time.GetUtcNow() ? "locked-out"
            : null;
        if (refusal is not null)
        {
            // The counter still moves on: the signature was good.
            audit.Add(AuditEventTypes.PasskeySignInFailed, user?.Id, AuditLog.Failure, refusal, SignInMethod.Passkey.ToString());
            await db.SaveChangesAsync(cancellationToken);
            return PasskeyRequests.Problem(Failed);
        }

        audit.Add(AuditEventTypes.PasskeySignIn, user!.Id, AuditLog.Success, credential.BackupEligible ? "synced" : "device-bound", SignInMethod.Passkey.ToString());
        await db.SaveChangesAsync(cancellationToken);
        var amr = credential.BackupEligible ? SignInMethods.SoftwareKey : SignInMethods.HardwareKey;
        var next = await completion.ContinueAsync(http, user, rememberMe: false, [amr, SignInMethods.MultipleFactors],
            ReturnUrls.Sanitize(PasskeyRequests.Text(body, "returnUrl")));
        return PasskeyRequests.Redirect(next);
    }
}
