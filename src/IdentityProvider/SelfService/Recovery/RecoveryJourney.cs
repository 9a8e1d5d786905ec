using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace IdentityProvider.SelfService.Recovery;

/// <summary>Why the user came: a forgotten password, or an account that is locked although they know the password.</summary>
public enum RecoveryReason
{
    ForgotPassword = 1,
    Unlock = 2,
}

/// <summary>The steps of a journey, each a page (or, for <see cref="Unlock"/>, a state of the verify page).</summary>
public enum RecoveryStep
{
    /// <summary>No journey: the start page (<c>/recover</c>).</summary>
    Start,

    /// <summary>The account checks found that self-service cannot help, or the user ID matched no account.</summary>
    Outcome,

    /// <summary>"I forgot my password" or "I know my password but still can't sign in".</summary>
    Reason,

    /// <summary>The verification gates.</summary>
    Verify,

    /// <summary>Gates passed for an unlock the policy allows without a new password: one button unlocks.</summary>
    Unlock,

    /// <summary>Gates passed: choose a new password.</summary>
    Password,

    /// <summary>The journey ended (reset, unlocked or superseded).</summary>
    Done,

    /// <summary>The journey ran out of time.</summary>
    Expired,
}

/// <summary>
/// One reset or unlock journey, from the start page to the done page. It lives in the database so any node can carry
/// on what another began; the browser holds only a random token whose SHA-256 is <see cref="TokenHash"/>. It ends
/// <see cref="SelfServiceOptions.JourneyLifetime"/> after it started. <see cref="Version"/> guards concurrent updates.
/// </summary>
public sealed class RecoveryJourney
{
    public Guid Id { get; set; } = Guid.NewGuid();

    public string TokenHash { get; set; } = string.Empty;

    /// <summary>The account, or null when the user ID matched no account (the journey then ends at the outcome page).</summary>
    public string? UserId { get; set; }

    public EligibilityOutcome Outcome { get; set; }

    /// <summary>Where the user goes back to afterwards, already validated.</summary>
    public string ReturnUrl { get; set; } = "/";

    public long StartedAt { get; set; }

    public long ExpiresAt { get; set; }

    public RecoveryReason? Reason { get; set; }

    /// <summary>How many different methods must be passed.</summary>
    public int Required { get; set; }

    /// <summary>Methods passed so far, comma-separated.</summary>
    public string PassedMethods { get; set; } = string.Empty;

    /// <summary>The method of the gate in progress.</summary>
    public RecoveryMethod? PendingMethod { get; set; }

    /// <summary>The verification code sent for the gate in progress.</summary>
    public Guid? PendingCodeId { get; set; }

    /// <summary>When that code was sent (Unix ms), for "send again".</summary>
    public long? PendingCodeSentAt { get; set; }

    /// <summary>Question ids picked for the gate in progress, comma-separated.</summary>
    public string PendingQuestions { get; set; } = string.Empty;

    /// <summary>The user typed the mobile number on file correctly in this journey.</summary>
    public bool MobileNumberConfirmed { get; set; }

    public bool ContactedAdministrator { get; set; }

    /// <summary>When the journey ended (reset, unlocked, expired); null while it is open.</summary>
    public long? EndedAt { get; set; }

    /// <summary><c>reset</c>, <c>unlocked</c> or <c>expired</c>.</summary>
    public string? EndedAs { get; set; }

    public int Version { get; set; }

    public IReadOnlyList<RecoveryMethod> Passed =>
        [.. PassedMethods.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Enum.Parse<RecoveryMethod>)];

    public bool GatesPassed => Passed.Select(SelfServiceEligibilityEvaluator.MethodGroup).Distinct().Count() >= Required;

    public IReadOnlyList<string> PendingQuestionIds => PendingQuestions.Split(',', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>
    /// The step an open journey is at: the one place that decides where a journey goes next, read by every journey page
    /// (<see cref="RecoveryPageModel"/>) rather than each deciding for itself.
    /// </summary>
    /// <param name="unlockWithoutReset">The policy lets an unlock happen without a new password (<see cref="SelfServicePolicySettings.AllowUnlockWithoutReset"/>).</param>
    public RecoveryStep NextStep(bool unlockWithoutReset) =>
        EndedAt is not null ? RecoveryStep.Done
        : UserId is null || Outcome != EligibilityOutcome.Eligible ? RecoveryStep.Outcome
        : Reason is null ? RecoveryStep.Reason
        : !GatesPassed ? RecoveryStep.Verify
        : Reason == RecoveryReason.Unlock && unlockWithoutReset ? RecoveryStep.Unlock
        : RecoveryStep.Password;
}

/// <summary>One counted attempt of a throttled kind (see <see cref="RecoveryThrottle"/>).</summary>
public sealed class RecoveryAttempt
{
    public long Id { get; set; }

    /// <summary>The account id, or a keyed hash of a user ID that matched no account.</summary>
    public string Subject { get; set; } = string.Empty;

    public string Kind { get; set; } = string.Empty;

    public long At { get; set; }
}

/// <summary>Self-service is blocked for the subject until <see cref="BlockedUntil"/> (Unix ms).</summary>
public sealed class RecoveryBlock
{
    public string Subject { get; set; } = string.Empty;

    public long BlockedUntil { get; set; }

    public string Reason { get; set; } = string.Empty;
}

internal sealed class RecoveryEntityConfigurations :
    IEntityTypeConfiguration<RecoveryJourney>, IEntityTypeConfiguration<RecoveryAttempt>, IEntityTypeConfiguration<RecoveryBlock>
{
    public void Configure(EntityTypeBuilder<RecoveryJourney> builder)
    {
        builder.ToTable("RecoveryJourneys");
        builder.Property(j => j.TokenHash).HasMaxLength(64).IsRequired();
        builder.HasIndex(j => j.TokenHash).IsUnique();
        builder.Property(j => j.UserId).HasMaxLength(450);
        builder.Property(j => j.ReturnUrl).HasMaxLength(4096).IsRequired();
        builder.Property(j => j.PassedMethods).HasMaxLength(200);
        builder.Property(j => j.PendingQuestions).HasMaxLength(1000);
        builder.Property(j => j.EndedAs).HasMaxLength(16);
        builder.Property(j => j.Version).IsConcurrencyToken();
        builder.HasIndex(j => j.ExpiresAt);
        builder.Ignore(j => j.Passed);
        builder.Ignore(j => j.GatesPassed);
        builder.Ignore(j => j.PendingQuestionIds);
    }

    public void Configure(EntityTypeBuilder<RecoveryAttempt> builder)
    {
        builder.ToTable("RecoveryAttempts");
        builder.Property(a => a.Subject).HasMaxLength(450).IsRequired();
        builder.Property(a => a.Kind).HasMaxLength(40).IsRequired();
        builder.HasIndex(a => new { a.Subject, a.Kind, a.At });
        builder.HasIndex(a => a.At);
    }

    public void Configure(EntityTypeBuilder<RecoveryBlock> builder)
    {
        builder.ToTable("RecoveryBlocks");
        builder.HasKey(b => b.Subject);
        builder.Property(b => b.Subject).HasMaxLength(450);
        builder.Property(b => b.Reason).HasMaxLength(40).IsRequired();
    }
}
