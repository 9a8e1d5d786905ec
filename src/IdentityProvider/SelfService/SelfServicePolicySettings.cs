using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using IdentityProvider.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace IdentityProvider.SelfService;

/// <summary>
/// Who may reset their own password and how, and the registration rules: the self-service policy, declared once (see
/// <see cref="PolicySettings"/>). Section <c>SelfService</c> gives its starting values; after the first read the stored
/// policy (table <c>SelfServicePolicy</c>, edited on <c>/admin/policies/self-service</c> and <c>/api/v1/policies/self-service</c>)
/// is what counts. Settings that are configuration only are in <see cref="SelfServiceOptions"/>.
/// </summary>
public sealed class SelfServicePolicySettings : PolicySettings, IValidatableObject
{
    /// <summary><c>None</c>, <c>Selected</c> (members of <see cref="Groups"/>, nested groups included) or <c>All</c>. Default <c>None</c>.</summary>
    [EnumDataType(typeof(SelfServiceScope), ErrorMessage = "Choose who may reset.")]
    public SelfServiceScope Scope { get; set; } = SelfServiceScope.None;

    /// <summary>
    /// The ids of the groups enabled when <see cref="Scope"/> is <c>Selected</c>. Configuration names them instead
    /// (<c>SelfService:Groups</c>, <see cref="SelfServiceOptions.Groups"/>), resolved when the policy is first stored.
    /// </summary>
    [Microsoft.Extensions.Configuration.ConfigurationKeyName("GroupIds")]
    public List<Guid> Groups { get; set; } = [];

    /// <summary>The verification methods users may use. Default: alternate email, mobile text and authenticator app.</summary>
    public List<RecoveryMethod> Methods { get; set; } = [RecoveryMethod.AlternateEmail, RecoveryMethod.MobileText, RecoveryMethod.AuthenticatorApp];

    /// <summary>How many different methods a reset needs (1 or 2). Administrators always need 2. Default 1.</summary>
    [Range(1, 2, ErrorMessage = "Choose 1 or 2 methods.")]
    public int MethodsRequired { get; set; } = 1;

    /// <summary>Security questions a user registers (3–5). Default 3.</summary>
    [Range(3, 5, ErrorMessage = "Users register 3 to 5 questions.")]
    public int QuestionsToRegister { get; set; } = 3;

    /// <summary>Security questions asked at a reset (3–5, at most <see cref="QuestionsToRegister"/>). Default 3.</summary>
    [Range(3, 5, ErrorMessage = "A reset asks 3 to 5 questions.")]
    [NotAbove(nameof(QuestionsToRegister), ErrorMessage = "A reset cannot ask more questions than users register.")]
    public int QuestionsToReset { get; set; } = 3;

    /// <summary>Let users unlock their account without resetting the password. Default on.</summary>
    public bool AllowUnlockWithoutReset { get; set; } = true;

    /// <summary>Show one generic page for "managed elsewhere", "not enabled" and "not enough methods". Default off.</summary>
    public bool PrivateOutcomes { get; set; }

    /// <summary>
    /// Where "contact an administrator" goes: empty (default) emails the holders of the helpdesk role (<see cref="StaffRoles.Helpdesk"/>)
    /// (at most 100); an email address sends the request there; an <c>https://</c> URL sends the user to that page instead.
    /// At most 500 characters.
    /// </summary>
    [StringLength(500, ErrorMessage = "At most 500 characters.")]
    public string? ContactAdministrator { get; set; }

    /// <summary>Email users (primary and alternate address) when their password was reset. Default on.</summary>
    public bool NotifyUserOnReset { get; set; } = true;

    /// <summary>Email the other administrators when an administrator resets their own password. Default on.</summary>
    public bool NotifyAdministratorsOnAdminReset { get; set; } = true;

    /// <summary>Ask users with too few methods to register them when they sign in. Default off.</summary>
    public bool RegistrationRequired { get; set; }

    /// <summary>Users may skip the registration step at sign-in (they are asked again next time). Default on.</summary>
    public bool RegistrationSkippable { get; set; } = true;

    /// <summary>Ask users to confirm their recovery methods are still right after this many days (0–730, 0 = never). Default 180.</summary>
    [Range(0, 730, ErrorMessage = "Between 0 (never) and 730 days.")]
    public int ReconfirmDays { get; set; } = 180;

    /// <summary>The custom page users are sent to for help, if one is configured.</summary>
    [JsonIgnore]
    public Uri? ContactUrl => Uri.TryCreate(ContactAdministrator, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http" ? uri : null;

    /// <summary>The custom helpdesk address requests go to, if one is configured.</summary>
    [JsonIgnore]
    public string? ContactEmail => ContactUrl is null && !string.IsNullOrWhiteSpace(ContactAdministrator) && ContactAdministrator.Contains('@', StringComparison.Ordinal) ? ContactAdministrator.Trim() : null;

    protected internal override string AuditArea => "sspr";

    protected internal override void Normalize()
    {
        Groups = [.. Groups.Distinct().Order()];
        Methods = [.. Methods.Distinct().Order()];
        ContactAdministrator = string.IsNullOrWhiteSpace(ContactAdministrator) ? null : ContactAdministrator.Trim();
    }

    /// <summary>The rules that span settings. The group rules hold for edits (configuration names groups, see <see cref="Groups"/>).</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var problem in ValidateGroups(validationContext, Scope == SelfServiceScope.Selected, Groups, nameof(Groups)))
        {
            yield return problem;
        }

        var texts = Texts(validationContext);
        if (Methods.Count == 0 || Methods.Any(m => !Enum.IsDefined(m)))
        {
            yield return new(texts?["Allow at least one method."] ?? "Allow at least one method.", [nameof(Methods)]);
        }
        else if (Methods.Select(SelfServiceEligibilityEvaluator.MethodGroup).Distinct().Count() < MethodsRequired)
        {
            yield return new(
                texts?["Allow at least {0} different methods (text and call to a mobile count as one).", MethodsRequired]
                    ?? $"Allow at least {MethodsRequired} different methods (text and call to a mobile count as one).",
                [nameof(Methods)]);
        }

        if (!string.IsNullOrWhiteSpace(ContactAdministrator) && !ContactAdministrator.Trim().StartsWith("https://", StringComparison.OrdinalIgnoreCase)
            && !System.Net.Mail.MailAddress.TryCreate(ContactAdministrator.Trim(), out _))
        {
            yield return new(
                texts?["Leave it empty (email the helpdesk), or give an email address or an https:// page."]
                    ?? "Leave it empty (email the helpdesk), or give an email address or an https:// page.",
                [nameof(ContactAdministrator)]);
        }
    }

    /// <summary>The texts in the reader's language when validating an administrator's edit; null at start (configuration).</summary>
    internal static Microsoft.Extensions.Localization.IStringLocalizer<SelfServiceText>? Texts(ValidationContext context) =>
        context?.GetService(typeof(Microsoft.Extensions.Localization.IStringLocalizer<SelfServiceText>)) as Microsoft.Extensions.Localization.IStringLocalizer<SelfServiceText>;
}

/// <summary>Resolves the group names of <c>SelfService:Groups</c> to ids when the policy is first stored.</summary>
internal sealed class SelfServicePolicySeeding(ApplicationDbContext db, Microsoft.Extensions.Options.IOptions<SelfServiceOptions> options)
    : IPolicySeeding<SelfServicePolicySettings>
{
    public async Task SeedAsync(SelfServicePolicySettings policy, CancellationToken cancellationToken)
    {
        var names = options.Value.Groups;
        if (names.Count > 0)
        {
            policy.Groups.AddRange(await db.Set<Group>().Where(g => names.Contains(g.Name)).Select(g => g.Id).ToListAsync(cancellationToken));
        }
    }
}

internal sealed class SelfServicePolicySettingsConfiguration : IEntityTypeConfiguration<SelfServicePolicySettings>
{
    public void Configure(EntityTypeBuilder<SelfServicePolicySettings> builder)
    {
        builder.ToTable("SelfServicePolicy");
        builder.Property(p => p.Id).ValueGeneratedNever();
        builder.PrimitiveCollection(p => p.Groups).HasColumnName("SelectedGroupIds");
        builder.PrimitiveCollection(p => p.Methods);
        builder.Property(p => p.ContactAdministrator).HasMaxLength(500);
    }
}
