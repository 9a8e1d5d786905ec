using Fido2NetLib.Objects;
using IdentityProvider.Account;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.SelfService.MultiFactor;
using Microsoft.AspNetCore.Antiforgery;

namespace IdentityProvider.SelfService.Passkeys;

/// <summary>
/// A passkey as the second factor of a sign-in waiting on the second-factor page (or a step-up): options list the
/// pending user's passkeys (user verification preferred); a good assertion ends in
/// <see cref="SecondFactorSignIn.PassedAsync"/> with <c>hwk</c> or <c>swk</c>.
/// </summary>
internal static class PasskeySecondFactorEndpoints
{
    public const string OptionsPath = "/passkeys/second-factor/options";
    public const string VerifyPath = "/passkeys/second-factor";
    public const string Purpose = "second-factor";

    private const string Failed = "That passkey did not work. Try again, or choose another way.";
    private const string NoSignIn = "Your sign-in ran out. Sign in again.";
    private const string NotAllowed = "Passkeys can't be used here. Choose another way.";

    public static IEndpointRouteBuilder MapPasskeySecondFactor(this IEndpointRouteBuilder app)
    {
        app.MapPost(OptionsPath, OptionsAsync).DisableAntiforgery().AllowAnonymous();
        app.MapPost(VerifyPath, VerifyAsync).DisableAntiforgery().AllowAnonymous();
        return app;
    }

    private static async Task<IResult> OptionsAsync(
        HttpContext http, IAntiforgery antiforgery, SecondFactorSignIn secondFactor, StoredPolicy<MultiFactorPolicySettings> policies,
        PasskeyCredentials credentials, PasskeyCeremonies ceremonies)
    {
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return PasskeyRequests.Problem(PasskeyEndpoints.PageExpired);
        }

        if (await secondFactor.PendingAsync(http) is not { } pending)
        {
            return PasskeyRequests.Problem(NoSignIn);
        }

        var mine = await credentials.ListAsync(pending.User.Id, http.RequestAborted);
        if (mine.Count == 0 || !(await policies.GetAsync(http.RequestAborted)).Methods.Contains(SignInMethod.Passkey))
        {
            return PasskeyRequests.Problem(NotAllowed);
        }

        var json = credentials.AssertionOptions(http, mine, UserVerificationRequirement.Preferred).ToJson();
        ceremonies.Begin(http, Purpose, pending.User.Id, json);
        return PasskeyRequests.Options(json);
    }

    private static async Task<IResult> VerifyAsync(
        HttpContext http, IAntiforgery antiforgery, SecondFactorSignIn secondFactor, StoredPolicy<MultiFactorPolicySettings> policies,
        PasskeyCredentials credentials, PasskeyCeremonies ceremonies, ApplicationDbContext db, AuditLog audit)
    {
        var cancellationToken = http.RequestAborted;
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return PasskeyRequests.Problem(PasskeyEndpoints.PageExpired);
        }

        if (await PasskeyRequests.ReadAsync(http.Request, cancellationToken) is not { } body || PasskeyRequests.Credential(body) is not { } answer)
        {
            return PasskeyRequests.Problem(PasskeyRequests.Malformed);
        }

        if (await secondFactor.PendingAsync(http) is not { } pending)
        {
            return PasskeyRequests.Problem(NoSignIn);
        }

        if (!(await policies.GetAsync(cancellationToken)).Methods.Contains(SignInMethod.Passkey))
        {
            return PasskeyRequests.Problem(NotAllowed);
        }

        if (await ceremonies.TakeAsync(http, Purpose, pending.User.Id, cancellationToken) is not { } ceremony)
        {
            return PasskeyRequests.Problem("That took too long, or the page was used twice. Try again.");
        }

        var check = await credentials.VerifyAsync(http, ceremony.Options, answer, pending.User.Id, cancellationToken);
        if (check.Credential is not { } credential)
        {
            await audit.WriteAsync(AuditEventTypes.SecondFactorFailed, pending.User.Id, AuditLog.Failure, check.Failure, cancellationToken);
            return PasskeyRequests.Problem(Failed);
        }

        await db.SaveChangesAsync(cancellationToken);
        var amr = credential.BackupEligible ? SignInMethods.SoftwareKey : SignInMethods.HardwareKey;
        var next = await secondFactor.PassedAsync(http, pending, SignInMethod.Passkey, amr, PasskeyRequests.Flag(body, "rememberBrowser"),
            ReturnUrls.Sanitize(PasskeyRequests.Text(body, "returnUrl")));
        return PasskeyRequests.Redirect(next);
    }
}
