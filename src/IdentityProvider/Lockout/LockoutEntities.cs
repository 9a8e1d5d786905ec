using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace IdentityProvider.Lockout;

/// <summary>
/// Failed attempts of one subject from one class of device (familiar or not). The subject is an account's id, a keyed
/// hash of a user ID that matched no account (<c>unknown:…</c>) or a second-factor counter (<c>step-up:…</c>). Updated
/// only by single atomic statements (see <see cref="LockoutCounters"/>); times are Unix milliseconds so SQL can add to
/// them.
/// </summary>
public sealed class LockoutCounter
{
    /// <summary>The subject counted (named for the account id it usually is).</summary>
    public string UserId { get; set; } = string.Empty;

    public bool Familiar { get; set; }

    public int FailedCount { get; set; }

    /// <summary>Unix time in milliseconds until which this device class is locked; 0 when not locked.</summary>
    public long LockedUntil { get; set; }

    /// <summary>How many times it has locked since the last successful sign-in (drives the doubling).</summary>
    public int Level { get; set; }

    /// <summary>Keyed fingerprints of the last wrong passwords, space-separated, newest first.</summary>
    public string RecentWrong { get; set; } = string.Empty;

    /// <summary>Unix time in milliseconds of the last attempt counted (for pruning the counters of unknown user IDs).</summary>
    public long UpdatedAt { get; set; }
}

/// <summary>Requests counted per key (e.g. "sign-in:203.0.113.9") per fixed window.</summary>
public sealed class ThrottleCounter
{
    public string Key { get; set; } = string.Empty;

    /// <summary>Start of the window, Unix milliseconds.</summary>
    public long WindowStart { get; set; }

    public int Count { get; set; }
}

internal sealed class LockoutEntityConfigurations : IEntityTypeConfiguration<LockoutCounter>, IEntityTypeConfiguration<ThrottleCounter>
{
    public void Configure(EntityTypeBuilder<LockoutCounter> builder)
    {
        builder.ToTable("LockoutCounters");
        builder.HasKey(c => new { c.UserId, c.Familiar });
        builder.Property(c => c.UserId).HasMaxLength(450);
        builder.Property(c => c.RecentWrong).HasMaxLength(400).IsRequired();
    }

    public void Configure(EntityTypeBuilder<ThrottleCounter> builder)
    {
        builder.ToTable("ThrottleCounters");
        builder.HasKey(c => new { c.Key, c.WindowStart });
        builder.Property(c => c.Key).HasMaxLength(200);
    }
}
