using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using IdentityProvider.Data;
using IdentityProvider.Messaging;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace IdentityProvider.SelfService.SecurityInfo;

/// <summary>Adds or changes the mobile phone number, checked by a text message or a call with a code.</summary>
[Authorize]
public sealed class PhoneModel(
    UserManager<ApplicationUser> users,
    StoredPolicy<SelfServicePolicySettings> policies,
    SelfServiceEligibilityEvaluator eligibility,
    Account.Sessions.UserSessions sessions,
    SecurityInfoChanges changes,
    PendingChanges pending,
    Microsoft.Extensions.Localization.IStringLocalizer<SecurityInfoText> texts) : ContactPageModel(users, policies, eligibility, sessions, changes, pending, texts)
{
    public const string Path = IndexModel.Path + "/Phone";

    [BindProperty]
    [StringLength(40, ErrorMessage = "That phone number is too long.")]
    public string? NewMobile { get; set; }

    [BindProperty]
    [StringLength(2)]
    public string? Region { get; set; }

    /// <summary><c>text</c> or <c>call</c>.</summary>
    [BindProperty]
    public string? Channel { get; set; }

    protected override ContactKind Kind => ContactKind.MobilePhone;

    protected override string SavedText => Texts["Your mobile phone number is saved."];

    private static readonly ConcurrentDictionary<string, IReadOnlyList<(string Code, string Name)>> RegionsByCulture = new(StringComparer.Ordinal);

    /// <summary>The countries a number may belong to, in English, sorted by the reader's culture's rules.</summary>
    public static IReadOnlyList<(string Code, string Name)> Regions()
    {
        var culture = CultureInfo.CurrentUICulture;
        return RegionsByCulture.GetOrAdd(culture.Name, _ =>
        {
            var comparer = StringComparer.Create(culture, ignoreCase: true);
            return [.. PhoneNumbers.PhoneNumberUtil.GetInstance().GetSupportedRegions()
                .Select(r => (r, $"{RegionName(r)} (+{PhoneNumbers.PhoneNumberUtil.GetInstance().GetCountryCodeForRegion(r)})"))
                .OrderBy(r => r.Item2, comparer)];
        });
    }

    /// <summary>A new mobile number may be checked by text message (not for administrators, unless configured).</summary>
    public static async Task<bool> TextOfferedAsync(SelfServiceEligibilityEvaluator eligibility, ApplicationUser user)
    {
        ArgumentNullException.ThrowIfNull(eligibility);
        return !await eligibility.IsAdministratorAsync(user) || eligibility.AllowedForAdministrators(RecoveryMethod.MobileText);
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
            return Problem((nameof(NewMobile), Texts["Enter a mobile number with its country code (starting with +), or choose the country and type the number."]));
        }

        return await SendAsync(number, call: Channel == "call" || !await TextOfferedAsync(Evaluator, Profile));
    }

    private static string RegionName(string region)
    {
        try
        {
            // .NET names a region in English or in its own language, not in the reader's: English it is.
            return new RegionInfo(region).EnglishName;
        }
        catch (ArgumentException)
        {
            // A territory .NET has no culture data for (e.g. Ascension Island): its code is still recognisable.
            return region;
        }
    }
}
