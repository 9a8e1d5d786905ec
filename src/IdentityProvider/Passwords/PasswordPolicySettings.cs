using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json.Serialization;
using IdentityProvider.Data;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.ModelBinding.Validation;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace IdentityProvider.Passwords;

/// <summary>
/// The one password policy every write path applies, declared once (see <see cref="PolicySettings"/>). Section
/// <c>Passwords</c> gives its starting values; after the first read the stored policy (tables <c>PasswordPolicy</c> and
/// <c>PasswordCustomBannedTerms</c>, edited on <c>/admin/policies/passwords</c> and <c>/api/v1/policies/passwords</c>) is
/// what counts. Settings that are configuration only (hashing, temporary passwords) are in <see cref="PasswordPolicyOptions"/>.
/// </summary>
public sealed class PasswordPolicySettings : PolicySettings
{
    private BannedTermIndex? customTermIndex;

    /// <summary>
    /// Fewest characters a password may have (8–128). Default 12 (OWASP ASVS 4.0.3, 2.1.1). Lower it (to no less than 8)
    /// only where every user must also use a second factor (NIST SP 800-63B's minimum for a memorised secret).
    /// </summary>
    [Range(8, 128, ErrorMessage = "The shortest password is 8 to 128 characters (12 or more unless everyone also uses a second factor).")]
    public int MinimumLength { get; set; } = 12;

    /// <summary>
    /// Most characters a password may have (16–1,024, not below <see cref="MinimumLength"/>), on every path where one is
    /// typed (see <see cref="PasswordLengthAttribute"/>). Default 128 (OWASP ASVS 4.0.3, 2.1.2: at least 64 allowed,
    /// more than 128 refused).
    /// </summary>
    [Range(16, 1024, ErrorMessage = "The longest password is 16 to 1,024 characters.")]
    [NotBelow(nameof(MinimumLength), ErrorMessage = "The longest allowed password cannot be shorter than the shortest.")]
    public int MaximumLength { get; set; } = 128;

    /// <summary>Require three of the four character classes (lower case, upper case, digits, symbols). Default off.</summary>
    public bool RequireCharacterClasses { get; set; }

    /// <summary>Check passwords against the global and the organisation's banned terms. Default on.</summary>
    public bool BannedPasswordCheck { get; set; } = true;

    /// <summary>How many of the user's passwords, the current one included, may not be used again (0–24; 0 turns history off). Default 5.</summary>
    [Range(0, 24, ErrorMessage = "Remember 0 to 24 passwords.")]
    public int HistoryDepth { get; set; } = 5;

    /// <summary>Apply the history rule to resets as well as to changes. Default on.</summary>
    public bool HistoryOnReset { get; set; } = true;

    /// <summary>Days after which a password must be changed (1–3,650); empty means passwords do not expire. Default empty.</summary>
    [Range(1, 3650, ErrorMessage = "Passwords expire after 1 to 3,650 days, or leave it empty for never.")]
    public int? ExpiryDays { get; set; }

    /// <summary>Days before expiry from which users are warned (0–365). Default 14.</summary>
    [Range(0, 365, ErrorMessage = "Warn 0 to 365 days before.")]
    public int ExpiryWarningDays { get; set; } = 14;

    /// <summary>
    /// The organisation's own banned terms, one per line as the form and the API edit them (<c>customBannedTerms</c>):
    /// at most 1,000, each 4–16 characters, compared without case. Setting it trims the terms and drops repeats.
    /// </summary>
    [JsonPropertyName("customBannedTerms")]
    [ModelBinder(Name = nameof(CustomBannedTerms))]
    [StringLength(20_000, ErrorMessage = "The banned terms are too long.")]
    [BannedTermLines]
    public string? CustomBannedTermLines
    {
        get => string.Join('\n', CustomBannedTerms.Select(t => t.Term).Order(StringComparer.OrdinalIgnoreCase));
        set => CustomBannedTerms = Terms(value);
    }

    /// <summary>The banned terms as stored (configuration: <c>Passwords:CustomBannedTerms:0</c>, …).</summary>
    [JsonIgnore, BindNever, ValidateNever]
    public List<CustomBannedTerm> CustomBannedTerms { get; set; } = [];

    /// <summary>The organisation's terms indexed for the banned-password check (built once per cached copy).</summary>
    internal BannedTermIndex CustomTermIndex =>
        customTermIndex ??= BannedTermIndex.Build(CustomBannedTerms.Select(t => t.Term), BannedTermIndex.MinimumTermLength);

    protected internal override string AuditArea => "passwords";

    protected internal override void Normalize() => CustomBannedTerms = Terms(string.Join('\n', CustomBannedTerms.Select(t => t.Term)));

    protected internal override string DescribeChange(PropertyInfo setting, object? before, object? after)
    {
        ArgumentNullException.ThrowIfNull(setting);
        if (setting.Name != nameof(CustomBannedTermLines))
        {
            return base.DescribeChange(setting, before, after);
        }

        var old = Lines(before as string);
        var now = Lines(after as string);
        var added = now.Except(old, StringComparer.OrdinalIgnoreCase).Count();
        var removed = old.Except(now, StringComparer.OrdinalIgnoreCase).Count();
        return $"{nameof(CustomBannedTerms)}: {old.Count} terms → {now.Count} terms (+{added}, -{removed})";
    }

    private static List<CustomBannedTerm> Terms(string? lines) => [.. Lines(lines).Select(term => new CustomBannedTerm { Term = term })];

    /// <summary>Terms one per line, trimmed, without repeats (ignoring case), in order.</summary>
    internal static List<string> Lines(string? text) =>
        [.. (text ?? string.Empty).Split('\n').Select(t => t.Trim()).Where(t => t.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase)];

    /// <summary>At most 1,000 banned terms of 4 to 16 characters.</summary>
    [AttributeUsage(AttributeTargets.Property)]
    private sealed class BannedTermLinesAttribute : ValidationAttribute
    {
        protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
        {
            string[]? members = validationContext.MemberName is { } member ? [member] : null;
            var terms = Lines(value as string);
            if (terms.Count > 1000)
            {
                return new ValidationResult("At most 1,000 banned terms.", members);
            }

            return terms.FirstOrDefault(t => t.Length is < BannedTermIndex.MinimumTermLength or > BannedTermIndex.MaximumTermLength) is { } bad
                ? new ValidationResult($"Each banned term has 4 to 16 characters; \"{(bad.Length > 20 ? bad[..20] + "…" : bad)}\" does not.", members)
                : ValidationResult.Success;
        }
    }
}

internal sealed class PasswordPolicySettingsConfiguration : IEntityTypeConfiguration<PasswordPolicySettings>
{
    public void Configure(EntityTypeBuilder<PasswordPolicySettings> builder)
    {
        builder.ToTable("PasswordPolicy");
        builder.Property(p => p.Id).ValueGeneratedNever();
        builder.Ignore(p => p.CustomBannedTermLines);
        builder.HasMany(p => p.CustomBannedTerms).WithOne().HasForeignKey(t => t.PolicyId).OnDelete(DeleteBehavior.Cascade);
        builder.Navigation(p => p.CustomBannedTerms).AutoInclude();
    }
}
