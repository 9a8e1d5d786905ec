using System.ComponentModel.DataAnnotations;
using IdentityProvider.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace IdentityProvider.SelfService.SecurityInfo;

/// <summary>
/// A new alternate email address or mobile number: a code goes to it, and only the code coming back saves it. The
/// overview posts the address or number here; this page asks for the code.
/// </summary>
public abstract class ContactPageModel(
    UserManager<ApplicationUser> users,
    StoredPolicy<SelfServicePolicySettings> policies,
    SelfServiceEligibilityEvaluator eligibility,
    Account.Sessions.UserSessions sessions,
    SecurityInfoChanges changes,
    PendingChanges pending,
    Microsoft.Extensions.Localization.IStringLocalizer<SecurityInfoText> texts) : SecurityInfoPageModel(users, policies, eligibility, sessions, texts)
{
    [BindProperty]
    [StringLength(20, ErrorMessage = "That code is too long.")]
    public string? Code { get; set; }

    /// <summary>What is being verified, protected and time-limited: kind, value, code id.</summary>
    [BindProperty]
    [StringLength(2000)]
    public string? Pending { get; set; }

    /// <summary>The address or number the code was sent to.</summary>
    public string? Verifying { get; private set; }

    protected abstract ContactKind Kind { get; }

    /// <summary>The address or number and how the code is sent: typed, never secret, kept through a detour.</summary>
    protected override IReadOnlyCollection<string> KeptFields => ["NewEmail", "NewMobile", "Region", "Channel"];

    /// <summary>What the overview says once the code came back.</summary>
    protected abstract string SavedText { get; }

    /// <summary>Nothing to show before an address or number is posted: the overview starts every change.</summary>
    public IActionResult OnGet() => Redirect(Overview);

    public async Task<IActionResult> OnPostVerifyAsync()
    {
        if (await GuardAsync() is { } stop)
        {
            return stop;
        }

        if (pending.Read(Pending) is not { Length: 3 } waiting || waiting[0] != Kind.ToString() || !Guid.TryParse(waiting[2], out var codeId))
        {
            return Problem(Texts["That code request ran out. Start again."]);
        }

        switch (await changes.ConfirmAsync(Profile, Kind, waiting[1], codeId, Code, HttpContext.RequestAborted))
        {
            case ContactChangeResult.Saved:
                return Done(SavedText);
            case ContactChangeResult.Wrong:
                Verifying = waiting[1];
                ModelState.AddModelError(nameof(Code), Texts["That code is not right. Check it and try again."]);
                return Page();
            case ContactChangeResult.Blocked:
                return Problem(Texts["Too many wrong codes. Try again tomorrow, or ask your IT helpdesk."]);
            default:
                return Problem(Texts["That code can't be used any more. Ask for a new one."]);
        }
    }

    /// <summary>Sends a code to <paramref name="value"/> and asks for it.</summary>
    protected async Task<IActionResult> SendAsync(string value, bool call)
    {
        var codeId = await changes.SendCodeAsync(Profile, Kind, value, call, HttpContext.RequestAborted);
        if (codeId is null)
        {
            return Problem(Texts["Too many codes were sent to you. Try again later."]);
        }

        Verifying = value;
        Pending = pending.Protect(Kind.ToString(), value, codeId.Value.ToString());
        ModelState.Remove(nameof(Pending));
        return Page();
    }
}
