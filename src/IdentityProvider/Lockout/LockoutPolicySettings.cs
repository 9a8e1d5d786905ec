using System.ComponentModel.DataAnnotations;
using IdentityProvider.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace IdentityProvider.Lockout;

/// <summary>
/// When wrong passwords (and wrong second-factor codes) lock an account, and for how long: the lockout policy, declared
/// once (see <see cref="PolicySettings"/>). Section <c>Lockout</c> gives its starting values; after the first read the
/// stored policy (table <c>LockoutPolicy</c>, edited on <c>/admin/policies/passwords</c> and <c>/api/v1/policies/lockout</c>)
/// is what counts. Settings that are configuration only are in <see cref="LockoutOptions"/>.
/// </summary>
public sealed class LockoutPolicySettings : PolicySettings
{
    /// <summary>Failed password attempts (per account and device class) that lock the account (3–100). Default 10.</summary>
    [Range(3, 100, ErrorMessage = "Lock after 3 to 100 wrong passwords.")]
    public int Threshold { get; set; } = 10;

    /// <summary>Length of the first lockout in seconds (5–86,400); each further lockout doubles it. Default 60.</summary>
    [Range(5, 86_400, ErrorMessage = "The first lockout lasts 5 seconds to a day.")]
    public int FirstLockoutSeconds { get; set; } = 60;

    /// <summary>The longest a lockout lasts, in seconds (5–2,592,000, not below <see cref="FirstLockoutSeconds"/>). Default 3,600.</summary>
    [Range(5, 2_592_000, ErrorMessage = "The longest lockout lasts 5 seconds to 30 days.")]
    [NotBelow(nameof(FirstLockoutSeconds), ErrorMessage = "The longest lockout cannot be shorter than the first.")]
    public int MaximumLockoutSeconds { get; set; } = 3600;

    protected internal override string AuditArea => "lockout";
}

internal sealed class LockoutPolicySettingsConfiguration : IEntityTypeConfiguration<LockoutPolicySettings>
{
    public void Configure(EntityTypeBuilder<LockoutPolicySettings> builder)
    {
        builder.ToTable("LockoutPolicy");
        builder.Property(p => p.Id).ValueGeneratedNever();
    }
}
