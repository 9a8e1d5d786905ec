using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Net.Mail;
using IdentityProvider.Account;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.Hosting;
using IdentityProvider.Messaging;
using IdentityProvider.SelfService.Verification;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using QRCoder;

namespace IdentityProvider.SelfService.SecurityInfo;

/// <summary>
/// The signed-in user's recovery methods ("security info"): add, verify, change and remove them, and see whether
/// they can reset their password on their own. Any change needs a sign-in within the last 5 minutes. Also the
/// registration step of sign-in (<c>?step=register</c> or <c>?step=reconfirm</c>, with the sign-in's return URL).
/// </summary>
[Authorize]
public sealed partial class IndexModel(
    UserManager<ApplicationUser> users,
    SecurityInfoChanges changes,
    SecurityQuestions questions,
    SsprEligibilityEvaluator eligibility,
    StoredPolicy<SelfServicePolicySettings> policies,
    Account.Sessions.UserSessions sessions,
    SecondFactorCheck secondFactor,
    AuditLog audit,
    IDataProtectionProvider protection,
    IOptions<OrganizationOptions> organization,
    TimeProvider time) : PageModel
{
    public const string Path = "/Account/SecurityInfo";

    private readonly ITimeLimitedDataProtector pending = protection.CreateProtector("IdentityProvider.SelfService.SecurityInfo.Pending").ToTimeLimitedDataProtector();

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    /// <summary><c>register</c> or <c>reconfirm</c> when sign-in sent the user here.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Step { get; set; }

    [BindProperty]
    [StringLength(256, ErrorMessage = "That email address is too long.")]
    public string? NewEmail { get; set; }

    [BindProperty]
    [StringLength(40, ErrorMessage = "That phone number is too long.")]
    public string? NewMobile { get; set; }

    [BindProperty]
    [StringLength(2)]
    public string? Region { get; set; }

    /// <summary><c>text</c> or <c>call</c>.</summary>
    [BindProperty]
    public string? Channel { get; set; }

    [BindProperty]
    [StringLength(20, ErrorMessage = "That code is too long.")]
    public string? Code { get; set; }

    /// <summary>A code from the authenticator app already set up: replacing or removing a factor needs the factor itself.</summary>
    [BindProperty]
    [StringLength(20, ErrorMessage = "That code is too long.")]
    public string? CurrentCode { get; set; }

    /// <summary>What is being verified, protected and time-limited: kind, value, code id (or the new authenticator secret).</summary>
    [BindProperty]
    [StringLength(2000)]
    public string? Pending { get; set; }

    [BindProperty]
    public RecoveryMethod? Method { get; set; }

    [BindProperty]
    public List<string> QuestionIds { get; set; } = [];

    [BindProperty]
    public List<string> Answers { get; set; } = [];

    public ApplicationUser Profile { get; private set; } = null!;

    public SsprEligibility Eligibility { get; private set; } = null!;

    /// <summary>IT staff need an authenticator app for the admin step-up, whatever self-service allows.</summary>
    public bool IsStaff => User.IsInRole(Admin.AdminRoles.Administrator) || User.IsInRole(Admin.AdminRoles.Helpdesk) || User.IsInRole(Admin.AdminRoles.Auditor);

    public SelfServicePolicySettings Policy { get; private set; } = null!;

    public int AnsweredQuestions { get; private set; }

    public IReadOnlyDictionary<string, string> AvailableQuestions => questions.Available;

    /// <summary>Set while a code sent to a new address or number waits to be entered.</summary>
    public (ContactKind Kind, string Value)? Verifying { get; private set; }

    /// <summary>
    /// Set (the account's email, masked) while a staff account proves its email before its first authenticator app:
    /// the app opens administration, so a password alone must not add it.
    /// </summary>
    public string? ProvingEmail { get; private set; }

    /// <summary>Set while a new authenticator app is being added: the secret, and its QR code as a PNG data URI.</summary>
    public (string Secret, string QrCode)? Enrolling { get; private set; }

    public bool EditingQuestions { get; private set; }

    /// <summary>Where the user came from (e.g. the admin step-up), to go on once a method is set up.</summary>
    public string? ContinueUrl => Step is null && ReturnUrls.Sanitize(ReturnUrl) is var next && next != "/" ? next : null;

    /// <summary>A new mobile number may be checked by text message (not for administrators, unless configured).</summary>
    public bool TextOffered { get; private set; }

    public string? Skippable => Step == "register" && Policy.RegistrationSkippable ? ReturnUrls.Sanitize(ReturnUrl) : null;

    public static IEnumerable<(string Code, string Name)> Regions { get; } = PhoneNumbers.PhoneNumberUtil.GetInstance().GetSupportedRegions()
        .Select(r => (r, $"{RegionName(r)} (+{PhoneNumbers.PhoneNumberUtil.GetInstance().GetCountryCodeForRegion(r)})"))
        .OrderBy(r => r.Item2, StringComparer.Ordinal).ToList();

    private static string RegionName(string region)
    {
        try
        {
            return new RegionInfo(region).EnglishName;
        }
        catch (ArgumentException)
        {
            // A territory .NET has no culture data for (e.g. Ascension Island): its code is still recognisable.
            return region;
        }
    }

    public async Task<IActionResult> OnGetAsync()
    {
        await LoadAsync();
        EditingQuestions = Step == "questions";
        return Page();
    }

    public async Task<IActionResult> OnPostEmailAsync()
    {
        if (await GuardAsync() is { } stop)
        {
            return stop;
        }

        var address = NewEmail?.Trim();
        if (string.IsNullOrEmpty(address) || !MailAddress.TryCreate(address, out var parsed) || parsed.Address != address || !address.Contains('.', StringComparison.Ordinal))
        {
            return Problem("Enter an email address like name@example.com.");
        }

        if (string.Equals(address, Profile.Email, StringComparison.OrdinalIgnoreCase))
        {
            return Problem("Use an address other than your account's own email: you need it when you can't get into this account.");
        }

        return await SendAsync(ContactKind.AlternateEmail, address, call: false);
    }

    public async Task<IActionResult> OnPostMobileAsync()
    {
        if (await GuardAsync() is { } stop)
        {
            return stop;
        }

        var number = PhoneNumberFormat.ToE164(NewMobile, Region is { Length: 2 } ? Region.ToUpperInvariant() : null);
        if (number is null)
        {
            return Problem("Enter a mobile number with its country code (starting with +), or choose the country and type the number.");
        }

        return await SendAsync(ContactKind.MobilePhone, number, call: Channel == "call" || !TextOffered);
    }

    public async Task<IActionResult> OnPostVerifyAsync()
    {
        if (await GuardAsync() is { } stop)
        {
            return stop;
        }

        if (ReadPending() is not { } waiting || waiting.Length != 3 || !Enum.TryParse<ContactKind>(waiting[0], out var kind) || !Guid.TryParse(waiting[2], out var codeId))
        {
            return Problem("That code request ran out. Start again.");
        }

        var result = await changes.ConfirmAsync(Profile, kind, waiting[1], codeId, Code, HttpContext.RequestAborted);
        switch (result)
        {
            case ContactChangeResult.Saved:
                return Done(kind == ContactKind.AlternateEmail ? "Your alternate email address is saved." : "Your mobile phone number is saved.");
            case ContactChangeResult.Wrong:
                Verifying = (kind, waiting[1]);
                return Problem("That code is not right. Check it and try again.");
            case ContactChangeResult.Blocked:
                return Problem("Too many wrong codes. Try again tomorrow, or ask your IT helpdesk.");
            default:
                return Problem("That code can't be used any more. Ask for a new one.");
        }
    }

    public async Task<IActionResult> OnPostRemoveAsync()
    {
        if (await GuardAsync() is { } stop)
        {
            return stop;
        }

        if (Method is not (RecoveryMethod.AlternateEmail or RecoveryMethod.MobileText or RecoveryMethod.AuthenticatorApp or RecoveryMethod.SecurityQuestions))
        {
            return Problem("That method can't be removed here.");
        }

        if (Method == RecoveryMethod.AuthenticatorApp && await ProveCurrentAppAsync() is { } refused)
        {
            return refused;
        }

        await changes.RemoveAsync(Profile, Method.Value, HttpContext.RequestAborted);
        return Done("Removed.");
    }

    public async Task<IActionResult> OnPostQuestionsAsync()
    {
        if (await GuardAsync() is { } stop)
        {
            return stop;
        }

        var count = Policy.QuestionsToRegister;
        var given = QuestionIds.Zip(Answers, (q, a) => (q ?? string.Empty, a ?? string.Empty)).Take(10).ToList();
        var problems = SecurityQuestions.Validate(given, count, [.. questions.Available.Keys]);
        if (problems.Count > 0)
        {
            EditingQuestions = true;
            foreach (var problem in problems)
            {
                ModelState.AddModelError(string.Empty, problem);
            }

            Answers = [];
            return Page();
        }

        await changes.SetQuestionsAsync(Profile, given, HttpContext.RequestAborted);
        return Done("Your security questions are saved.");
    }

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
                return Problem("Your account has no email address to confirm it is you. Ask an administrator to set up your authenticator app with you.");
            }

            var codeId = await changes.SendFirstFactorCodeAsync(Profile, HttpContext.RequestAborted);
            if (codeId is null)
            {
                return Problem("Too many codes were sent to you. Try again later.");
            }

            ProvingEmail = Masking.Email(Profile.Email);
            Pending = pending.Protect("first-factor\n" + codeId.Value + "\n" + Account.Sessions.UserSessions.IdOf(User), TimeSpan.FromMinutes(10));
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

        if (ReadPending() is not { Length: 3 } waiting || waiting[0] != "first-factor" || !Guid.TryParse(waiting[1], out var codeId)
            || waiting[2] != Account.Sessions.UserSessions.IdOf(User))
        {
            return Problem("That code request ran out. Start again.");
        }

        switch (await changes.VerifyFirstFactorCodeAsync(Profile, codeId, Code, HttpContext.RequestAborted))
        {
            case ContactChangeResult.Saved:
                Enrol(AuthenticatorCodes.NewSecret());
                return Page();
            case ContactChangeResult.Wrong:
                ProvingEmail = Masking.Email(Profile.Email ?? string.Empty);
                return Problem("That code is not right. Check it and try again.");
            case ContactChangeResult.Blocked:
                return Problem("Too many wrong codes. Try again tomorrow, or ask your IT helpdesk.");
            default:
                return Problem("That code can't be used any more. Start again to get a new one.");
        }
    }

    /// <summary>Whether the account holds a staff role (read from the store, not from the cookie).</summary>
    private async Task<bool> IsStaffAccountAsync() =>
        Admin.Users.StaffPermissions.KindOf(await users.GetRolesAsync(Profile)) != Admin.Users.AccountKind.Ordinary;

    public async Task<IActionResult> OnPostAuthenticatorAsync()
    {
        if (await GuardAsync() is { } stop)
        {
            return stop;
        }

        if (ReadPending() is not { Length: 3 } waiting || waiting[0] != "authenticator" || waiting[2] != Account.Sessions.UserSessions.IdOf(User))
        {
            return Problem("Setting up the app took too long. Start again.");
        }

        if (!await changes.SetAuthenticatorAsync(Profile, waiting[1], Code, HttpContext.RequestAborted))
        {
            Enrol(waiting[1]);
            return Problem("That code is not right. Enter the 6-digit code the app shows now.");
        }

        return Done("Your authenticator app is set up.");
    }

    /// <summary>Re-confirm at sign-in: "my methods are still right".</summary>
    public async Task<IActionResult> OnPostConfirmAsync()
    {
        await LoadAsync();
        await changes.ConfirmStillRightAsync(Profile, HttpContext.RequestAborted);
        return LocalRedirect(ReturnUrls.Sanitize(ReturnUrl));
    }

    /// <summary>Registration at sign-in, skipped where the policy allows: the user is asked again next time.</summary>
    public async Task<IActionResult> OnPostSkipAsync()
    {
        await LoadAsync();
        if (Skippable is null && Step == "register")
        {
            return Problem("Your organisation asks you to register before you go on.");
        }

        await audit.WriteAsync(AuditEventTypes.SecurityInfoSkipped, Profile.Id, AuditLog.Success, Step, cancellationToken: HttpContext.RequestAborted);
        return LocalRedirect(ReturnUrls.Sanitize(ReturnUrl));
    }

    private async Task<IActionResult> SendAsync(ContactKind kind, string value, bool call)
    {
        var codeId = await changes.SendCodeAsync(Profile, kind, value, call, HttpContext.RequestAborted);
        if (codeId is null)
        {
            return Problem("Too many codes were sent to you. Try again later.");
        }

        Verifying = (kind, value);
        Pending = pending.Protect(string.Join('\n', kind.ToString(), value, codeId.Value.ToString()), TimeSpan.FromMinutes(10));
        ModelState.Remove(nameof(Pending));
        return Page();
    }

    private void Enrol(string secret)
    {
        var uri = AuthenticatorCodes.ProvisioningUri(secret, organization.Value.Name, Profile.UserName ?? Profile.Id);
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(uri, QRCodeGenerator.ECCLevel.M);
        var png = new PngByteQRCode(data).GetGraphic(5);
        Enrolling = (secret, "data:image/png;base64," + Convert.ToBase64String(png));
        // Bound to this session: it exists only after the current app (if any) was proved here.
        Pending = pending.Protect("authenticator\n" + secret + "\n" + Account.Sessions.UserSessions.IdOf(User), TimeSpan.FromMinutes(10));
        ModelState.Remove(nameof(Pending));
    }

    /// <summary>Checks a code from the app already set up; null when it passed, otherwise the page that says why not.</summary>
    private async Task<IActionResult?> ProveCurrentAppAsync()
    {
        var result = await secondFactor.VerifyAsync(Profile, CurrentCode, HttpContext.RequestAborted);
        CurrentCode = null;
        switch (result)
        {
            case SecondFactorResult.Passed:
                return null;
            case SecondFactorResult.Paused:
                audit.Add(AuditEventTypes.SecurityInfoChanged, Profile.Id, AuditLog.Failure, "current-factor-locked-out", RecoveryMethod.AuthenticatorApp.ToString());
                await audit.SaveAsync(HttpContext.RequestAborted);
                return Problem(Account.SignInPause.Message(secondFactor.PausedUntil, "Codes from your authenticator app"));
            default:
                audit.Add(AuditEventTypes.SecurityInfoChanged, Profile.Id, AuditLog.Failure, "current-factor-wrong", RecoveryMethod.AuthenticatorApp.ToString());
                await audit.SaveAsync(HttpContext.RequestAborted);
                return Problem("To replace or remove your authenticator app, enter a code from the app you use now. That code is not right, or it was already used. "
                    + "If you lost the app, ask your IT helpdesk to remove it.");
        }
    }

    private string[]? ReadPending()
    {
        if (string.IsNullOrEmpty(Pending))
        {
            return null;
        }

        try
        {
            return pending.Unprotect(Pending).Split('\n');
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }

    /// <summary>Loads the page's data; a change needs a recent sign-in, otherwise the password is asked again.</summary>
    private async Task<IActionResult?> GuardAsync()
    {
        await LoadAsync();
        if (!sessions.IsRecentlyAuthenticated(HttpContext, Profile))
        {
            var back = Path + QueryString(Step, ReturnUrl);
            return LocalRedirect(ReauthenticateModel.Path + "?returnUrl=" + Uri.EscapeDataString(back));
        }

        return ModelState.IsValid ? null : Page();
    }

    private async Task LoadAsync()
    {
        Profile = await users.GetUserAsync(User) ?? throw new InvalidOperationException("The signed-in user no longer exists.");
        Policy = await policies.GetAsync(HttpContext.RequestAborted);
        Eligibility = await eligibility.EvaluateAsync(Profile, HttpContext.RequestAborted);
        AnsweredQuestions = await questions.CountAsync(Profile.Id, HttpContext.RequestAborted);
        TextOffered = !await eligibility.IsAdministratorAsync(Profile) || eligibility.AllowedForAdministrators(RecoveryMethod.MobileText);
    }

    private PageResult Problem(string message)
    {
        ModelState.AddModelError(string.Empty, message);
        Code = null;
        return Page();
    }

    private RedirectResult Done(string message)
    {
        TempData["saved"] = message;
        return Redirect(Path + QueryString(Step, ReturnUrl));
    }

    public static string QueryString(string? step, string? returnUrl)
    {
        var parts = new List<string>();
        if (!string.IsNullOrEmpty(step))
        {
            parts.Add("step=" + Uri.EscapeDataString(step));
        }

        if (!string.IsNullOrEmpty(returnUrl))
        {
            parts.Add("returnUrl=" + Uri.EscapeDataString(ReturnUrls.Sanitize(returnUrl)));
        }

        return parts.Count == 0 ? string.Empty : "?" + string.Join('&', parts);
    }

    /// <summary>The address a form posts to: this page's handler, keeping the sign-in step and return URL.</summary>
    public string HandlerUrl(string handler) =>
        Path + "?handler=" + handler + QueryString(Step, ReturnUrl).Replace("?", "&", StringComparison.Ordinal);

    public string? Registered(DateTimeOffset? when) => when?.ToString("d MMMM yyyy", CultureInfo.InvariantCulture);

    public string? SavedMessage => TempData.Peek("saved") as string;

    public DateTimeOffset Now => time.GetUtcNow();
}
