using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.SelfService.Passkeys;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace IdentityProvider.SelfService.SecurityInfo;

/// <summary>
/// The user's passkeys: each with its name, when it was added and last used; adding one (named by the user, created
/// by the browser as a discoverable credential, so it also signs in without a password) and removing one. Adding and
/// removing need a recent sign-in, like every change of security info, and send the "security info changed" notice.
/// The browser part is <c>wwwroot/js/passkeys.js</c>: it asks <see cref="OnPostOptionsAsync"/> for options, lets the
/// browser create the passkey and posts the answer to <see cref="OnPostRegisterAsync"/>.
/// </summary>
[Authorize]
public sealed class PasskeysModel(
    UserManager<ApplicationUser> users,
    StoredPolicy<SelfServicePolicySettings> policies,
    SelfServiceEligibilityEvaluator eligibility,
    Account.Sessions.UserSessions sessions,
    SecurityInfoChanges changes,
    PasskeyCredentials passkeys,
    PasskeyCeremonies ceremonies,
    ApplicationDbContext db,
    AuditLog audit,
    Microsoft.Extensions.Localization.IStringLocalizer<SecurityInfoText> texts) : SecurityInfoPageModel(users, policies, eligibility, sessions, texts)
{
    public const string Path = IndexModel.Path + "/Passkeys";
    private const string Purpose = "register";

    [BindProperty]
    public Guid? Id { get; set; }

    public IReadOnlyList<PasskeyCredential> Registered { get; private set; } = [];

    protected override string FormPage => Path + IndexModel.QueryString(Step, ReturnUrl);

    public async Task<IActionResult> OnGetAsync()
    {
        await LoadAsync();
        ShowProblems();
        return Page();
    }

    /// <summary>Options to create a passkey with the name the user typed (JSON in, JSON out).</summary>
    public async Task<IActionResult> OnPostOptionsAsync()
    {
        if (await GuardAsync() is { } stop)
        {
            return Elsewhere(stop);
        }

        if (await PasskeyRequests.ReadAsync(Request, HttpContext.RequestAborted) is not { } body)
        {
            return PasskeyRequests.ProblemResult(Texts[PasskeyRequests.Malformed]);
        }

        var name = PasskeyRequests.Text(body, "name")?.Trim() ?? string.Empty;
        if (name.Length == 0)
        {
            return PasskeyRequests.ProblemResult(Texts["Give your passkey a name, such as the device it is on."]);
        }

        if (name.Length > PasskeyCredentials.MaximumNameLength)
        {
            return PasskeyRequests.ProblemResult(Texts["The name is too long: use at most {0} characters.", PasskeyCredentials.MaximumNameLength]);
        }

        var existing = await passkeys.ListAsync(Profile.Id, HttpContext.RequestAborted);
        if (existing.Count >= PasskeyCredentials.MaximumPerUser)
        {
            return PasskeyRequests.ProblemResult(Texts["You have {0} passkeys, the most you can have. Remove one you no longer use first.", existing.Count]);
        }

        var options = passkeys.RegistrationOptions(HttpContext, Profile, existing).ToJson();
        ceremonies.Begin(HttpContext, Purpose, Profile.Id, options, name);
        return Content(options, "application/json");
    }

    /// <summary>The browser's new passkey: checked against the options, then saved (JSON in, JSON out).</summary>
    public async Task<IActionResult> OnPostRegisterAsync()
    {
        if (await GuardAsync() is { } stop)
        {
            return Elsewhere(stop);
        }

        var cancellationToken = HttpContext.RequestAborted;
        if (await PasskeyRequests.ReadAsync(Request, cancellationToken) is not { } body || PasskeyRequests.Credential(body) is not { } answer)
        {
            return PasskeyRequests.ProblemResult(Texts[PasskeyRequests.Malformed]);
        }

        if (await ceremonies.TakeAsync(HttpContext, Purpose, Profile.Id, cancellationToken) is not { } ceremony)
        {
            return PasskeyRequests.ProblemResult(Texts["That took too long, or the page was used twice. Try again."]);
        }

        PasskeyCredential passkey;
        try
        {
            passkey = await passkeys.RegisterAsync(HttpContext, Profile, ceremony.Note ?? Texts["Passkey"], ceremony.Options, answer, cancellationToken);
        }
        catch (PasskeyRefusedException refused)
        {
            await audit.WriteAsync(AuditEventTypes.PasskeyRegistered, Profile.Id, AuditLog.Failure, refused.Message, cancellationToken);
            return PasskeyRequests.ProblemResult(Texts["That passkey could not be added. Try again, or use another device or security key."]);
        }

        await changes.AddPasskeyAsync(Profile, passkey, cancellationToken);
        return new JsonResult(new PasskeyRedirect(Done(Texts["Your passkey \"{0}\" is added.", passkey.Name]).Url));
    }

    public async Task<IActionResult> OnPostRemoveAsync()
    {
        if (await GuardAsync() is { } stop)
        {
            return stop;
        }

        var passkey = Id is { } id ? await db.Set<PasskeyCredential>().SingleOrDefaultAsync(p => p.Id == id && p.UserId == Profile.Id, HttpContext.RequestAborted) : null;
        if (passkey is null)
        {
            return Problem(Texts["That passkey is already gone."]);
        }

        await changes.RemovePasskeyAsync(Profile, passkey, HttpContext.RequestAborted);
        return Done(Texts["Your passkey \"{0}\" is removed. Also delete it from your device or password manager.", passkey.Name]);
    }

    protected override async Task LoadAsync()
    {
        await base.LoadAsync();
        Registered = await passkeys.ListAsync(Profile.Id, HttpContext.RequestAborted);
    }

    /// <summary>A JSON request that must go elsewhere first (confirm the password again): the script follows the address.</summary>
    private static JsonResult Elsewhere(IActionResult stop) => new(new PasskeyRedirect(stop switch
    {
        LocalRedirectResult local => local.Url,
        RedirectResult redirect => redirect.Url,
        _ => IndexModel.Path,
    }));
}
