using System.ComponentModel.DataAnnotations;
using IdentityProvider.Account;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.Hosting;
using IdentityProvider.SelfService.Verification;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using QRCoder;

namespace IdentityProvider.SelfService.SecurityInfo;

/// <summary>
/// Sets up, replaces or removes the authenticator app. Replacing or removing it needs a code from the app in use; a
/// staff account's first app needs a code sent to the account's email first.
/// </summary>
[Authorize]
public sealed class AuthenticatorModel(
    Account.SignInPauses pauses,
    UserManager<ApplicationUser> users,
    StoredPolicy<SelfServicePolicySettings> policies,
    SelfServiceEligibilityEvaluator eligibility,
    Account.Sessions.UserSessions sessions,
    SecurityInfoChanges changes,
    PendingChanges pending,
    SecondFactorCheck secondFactor,
    Lockout.FamiliarDevices devices,
    AuditLog audit,
    IOptions<OrganizationOptions> organization,
    Microsoft.Extensions.Localization.IStringLocalizer<SecurityInfoText> texts) : SecurityInfoPageModel(users, policies, eligibility, sessions, texts)
{
    public const string Path = IndexModel.Path + "/Authenticator";

    [BindProperty]
    [StringLength(20, ErrorMessage = "That code is too long.")]
    public string? Code { get; set; }

    /// <summary>A code from the authenticator app already set up: replacing or removing a factor needs the factor itself.</summary>
    [BindProperty]
    [StringLength(20, ErrorMessage = "That code is too long.")]
    public string? CurrentCode { get; set; }

    /// <summary>What is being verified, protected and time-limited: the email code's id, or the new app's secret.</summary>
    [BindProperty]
    [StringLength(2000)]
    public string? Pending { get; set; }

    /// <summary>
    /// Set (the account's email, masked) while a staff account proves its email before its first authenticator app:
    /// the app opens administration, so a password alone must not add it.
    /// </summary>
    public string? ProvingEmail { get; private set; }

    /// <summary>Set while a new authenticator app is being added: the secret, and its QR code as a PNG data URI.</summary>
    public (string Secret, string QrCode)? Enrolling { get; private set; }

    /// <summary>Nothing to show before the overview's "set up" or "use a different app" is posted.</summary>
    public IActionResult OnGet() => Redirect(Overview);

    public async Task<IActionResult> OnPostAuthenticatorStartAsync()
    {
        if (await GuardAsync() is { } stop)
        {
            return stop;
        }

        if (Profile.AuthenticatorSecretProtected is not null)
        {
            if (await ProveCurrentAppAsync() is { } refused)
            {
                return refused;
            }
        }
        else if (await IsStaffAccountAsync())
        {
            // A staff account's first second factor opens administration: prove the account's email first.
            if (string.IsNullOrEmpty(Profile.Email))
            {
                return Problem(Texts["Your account has no email address to confirm it is you. Ask an administrator to set up your authenticator app with you."]);
            }

            var codeId = await changes.SendFirstFactorCodeAsync(Profile, HttpContext.RequestAborted);
            if (codeId is null)
            {
                return Problem(Texts["Too many codes were sent to you. Try again later."]);
            }

            ProvingEmail = Masking.Email(Profile.Email);
            Pending = pending.Protect("first-factor", codeId.Value.ToString(), Account.Sessions.UserSessions.IdOf(User));
            ModelState.Remove(nameof(Pending));
            return Page();
        }

        Enrol(AuthenticatorCodes.NewSecret());
        return Page();
    }

    /// <summary>The code sent to a staff account's email before its first authenticator app; right, the app can be set up.</summary>
    public async Task<IActionResult> OnPostAuthenticatorEmailAsync()
    {
        if (await GuardAsync() is { } stop)
        {
            return stop;
        }

        if (pending.Read(Pending) is not { Length: 3 } waiting || waiting[0] != "first-factor" || !Guid.TryParse(waiting[1], out var codeId)
            || waiting[2] != Account.Sessions.UserSessions.IdOf(User))
        {
            return Problem(Texts["That code request ran out. Start again."]);
        }

        switch (await changes.VerifyFirstFactorCodeAsync(Profile, codeId, Code, HttpContext.RequestAborted))
        {
            case ContactChangeResult.Saved:
                Enrol(AuthenticatorCodes.NewSecret());
                return Page();
            case ContactChangeResult.Wrong:
                ProvingEmail = Masking.Email(Profile.Email ?? string.Empty);
                ModelState.AddModelError(nameof(Code), Texts["That code is not right. Check it and try again."]);
                return Page();
            case ContactChangeResult.Blocked:
                return Problem(Texts["Too many wrong codes. Try again tomorrow, or ask your IT helpdesk."]);
            default:
                return Problem(Texts["That code can't be used any more. Start again to get a new one."]);
        }
    }

    public async Task<IActionResult> OnPostAuthenticatorAsync()
    {
        if (await GuardAsync() is { } stop)
        {
            return stop;
        }

        if (pending.Read(Pending) is not { Length: 3 } waiting || waiting[0] != "authenticator" || waiting[2] != Account.Sessions.UserSessions.IdOf(User))
        {
            return Problem(Texts["Setting up the app took too long. Start again."]);
        }

        if (!await changes.SetAuthenticatorAsync(Profile, waiting[1], Code, HttpContext.RequestAborted))
        {
            Enrol(waiting[1]);
            ModelState.AddModelError(nameof(Code), Texts["That code is not right. Enter the 6-digit code the app shows now."]);
            return Page();
        }

        return Done(Texts["Your authenticator app is set up."]);
    }

    public async Task<IActionResult> OnPostRemoveAsync()
    {
        if (await GuardAsync() is { } stop)
        {
            return stop;
        }

        if (await ProveCurrentAppAsync() is { } refused)
        {
            return refused;
        }

        await changes.RemoveAsync(Profile, RecoveryMethod.AuthenticatorApp, HttpContext.RequestAborted);
        return Done(Texts["Your authenticator app is removed."]);
    }

    /// <summary>Whether the account holds a staff role (read from the store, not from the cookie).</summary>
    private async Task<bool> IsStaffAccountAsync() =>
        StaffRoles.KindOf(await Users.GetRolesAsync(Profile)) != AccountKind.Ordinary;

    private void Enrol(string secret)
    {
        var uri = AuthenticatorCodes.ProvisioningUri(secret, organization.Value.Name, Profile.UserName ?? Profile.Id);
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(uri, QRCodeGenerator.ECCLevel.M);
        var png = new PngByteQRCode(data).GetGraphic(5);
        Enrolling = (secret, "data:image/png;base64," + Convert.ToBase64String(png));
        // Bound to this session: it exists only after the current app (if any) was proved here.
        Pending = pending.Protect("authenticator", secret, Account.Sessions.UserSessions.IdOf(User));
        ModelState.Remove(nameof(Pending));
    }

    /// <summary>Checks a code from the app already set up; null when it passed, otherwise the overview that says why not.</summary>
    private async Task<IActionResult?> ProveCurrentAppAsync()
    {
        var result = await secondFactor.VerifyAsync(Profile, CurrentCode, devices.IsFamiliar(HttpContext, Profile.Id), HttpContext.RequestAborted);
        CurrentCode = null;
        switch (result)
        {
            case SecondFactorResult.Passed:
                return null;
            case SecondFactorResult.Paused:
                audit.Add(AuditEventTypes.SecurityInfoChanged, Profile.Id, AuditLog.Failure, "current-factor-locked-out", RecoveryMethod.AuthenticatorApp.ToString());
                await audit.SaveAsync(HttpContext.RequestAborted);
                return Problem((nameof(CurrentCode), pauses.Codes(secondFactor.PausedUntil)));
            default:
                audit.Add(AuditEventTypes.SecurityInfoChanged, Profile.Id, AuditLog.Failure, "current-factor-wrong", RecoveryMethod.AuthenticatorApp.ToString());
                await audit.SaveAsync(HttpContext.RequestAborted);
                return Problem((nameof(CurrentCode), Texts["To replace or remove your authenticator app, enter a code from the app you use now. That code is not right, or it was already used. If you lost the app, ask your IT helpdesk to remove it."]));
        }
    }
}
