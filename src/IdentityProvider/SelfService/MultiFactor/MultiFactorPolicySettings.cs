using System.ComponentModel.DataAnnotations;
using IdentityProvider.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace IdentityProvider.SelfService.MultiFactor;

/// <summary>Ways to prove a second factor at sign-in, strongest first.</summary>
public enum SignInMethod
{
    /// <summary>A passkey or security key (WebAuthn): <c>hwk</c> or <c>swk</c>.</summary>
    Passkey,

    /// <summary>A code from the authenticator app (TOTP): <c>otp</c>.</summary>
    AuthenticatorApp,

    /// <summary>A code by text message to the verified mobile: <c>sms</c>.</summary>
    MobileText,

    /// <summary>A code read out by a call to the verified mobile: <c>tel</c>.</summary>
    MobileCall,

    /// <summary>A code by email to the verified alternate address: <c>otp</c>.</summary>
    AlternateEmail,

    /// <summary>One of the user's ten one-time backup codes: <c>otp</c>.</summary>
    BackupCode,
}

/// <summary>Who must prove a second factor at sign-in.</summary>
public enum MultiFactorScope
{
    /// <summary>Nobody but staff (staff always do).</summary>
    None,

    /// <summary>Members of the selected groups (nested groups included), and staff.</summary>
    Selected,

    /// <summary>Everybody.</summary>
    All,
}

/// <summary>
/// Multi-factor sign-in: who must prove a second factor, with which methods, how long a browser may be remembered and
/// how long users without a method may put off registering one. Declared once (see <see cref="PolicySettings"/>):
/// section <c>MultiFactor</c> gives the starting values; after the first read the stored policy (table
/// <c>MultiFactorPolicy</c>, edited on <c>/admin/policies/multi-factor</c> and <c>/api/v1/policies/multi-factor</c>)
/// is what counts. Staff (every role of <see cref="StaffRoles.All"/>) always need a second factor, whatever the scope.
/// </summary>
public sealed class MultiFactorPolicySettings : PolicySettings, IValidatableObject
{
    public const string SectionName = "MultiFactor";

    /// <summary><c>None</c> (staff only), <c>Selected</c> (members of <see cref="Groups"/>, nested groups included) or <c>All</c>. Default <c>None</c>.</summary>
    [EnumDataType(typeof(MultiFactorScope), ErrorMessage = "Choose who must use a second factor.")]
    public MultiFactorScope Scope { get; set; } = MultiFactorScope.None;

    /// <summary>The ids of the groups whose members must use a second factor when <see cref="Scope"/> is <c>Selected</c>.</summary>
    [Microsoft.Extensions.Configuration.ConfigurationKeyName("GroupIds")]
    public List<Guid> Groups { get; set; } = [];

    /// <summary>
    /// The methods that count as a second factor. Default: passkey, authenticator app, text, call and backup codes
    /// (a code by email is off by default: whoever holds the mailbox often holds the password's reset too).
    /// </summary>
    public List<SignInMethod> Methods { get; set; } =
        [SignInMethod.Passkey, SignInMethod.AuthenticatorApp, SignInMethod.MobileText, SignInMethod.MobileCall, SignInMethod.BackupCode];

    /// <summary>
    /// "Remember this browser": days a browser that proved a second factor skips it for the same user (0–365, 0 = never
    /// offered). A password reset, a password change and "sign out everywhere" forget every remembered browser. Default 30.
    /// </summary>
    [Range(0, 365, ErrorMessage = "Between 0 (never) and 365 days.")]
    public int RememberBrowserDays { get; set; } = 30;

    /// <summary>
    /// Days a user who must use a second factor but has no method may sign in with the password alone, being asked to
    /// register one each time (0–90; 0 = register before going on). Counted from the first sign-in that asked. Default 14.
    /// </summary>
    [Range(0, 90, ErrorMessage = "Between 0 and 90 days.")]
    public int GraceDays { get; set; } = 14;

    /// <summary>
    /// A passkey (phishing-resistant) stands for both of the two methods an administrator's self-service reset needs.
    /// Default off.
    /// </summary>
    public bool PasskeyCountsTwiceForAdministrators { get; set; }

    protected internal override string AuditArea => "mfa";

    protected internal override void Normalize()
    {
        Groups = [.. Groups.Distinct().Order()];
        Methods = [.. Methods.Distinct().Order()];
    }

    /// <summary>The rules that span settings.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var problem in ValidateGroups(validationContext, Scope == MultiFactorScope.Selected, Groups, nameof(Groups)))
        {
            yield return problem;
        }

        if (Methods.Count == 0 || Methods.Any(m => !Enum.IsDefined(m)))
        {
            yield return new(SelfServicePolicySettings.Texts(validationContext)?["Allow at least one method."] ?? "Allow at least one method.", [nameof(Methods)]);
        }
    }
}

internal sealed class MultiFactorPolicySettingsConfiguration : IEntityTypeConfiguration<MultiFactorPolicySettings>
{
    public void Configure(EntityTypeBuilder<MultiFactorPolicySettings> builder)
    {
        builder.ToTable("MultiFactorPolicy");
        builder.Property(p => p.Id).ValueGeneratedNever();
        builder.PrimitiveCollection(p => p.Groups).HasColumnName("SelectedGroupIds");
        builder.PrimitiveCollection(p => p.Methods);
    }
}
