using System.ComponentModel.DataAnnotations;

namespace IdentityProvider.Passwords;

/// <summary>
/// The password policy's starting values. Section <c>Passwords</c>. They seed the stored policy the first time the
/// server starts; after that the stored policy (which administrators can change) is what counts.
/// </summary>
public sealed class PasswordPolicyOptions
{
    public const string SectionName = "Passwords";

    /// <summary>
    /// Fewest characters a password may have. Default 12 (OWASP ASVS 4.0.3, 2.1.1). Lower it (to no less than 8) only
    /// where every user must also use a second factor (NIST SP 800-63B's minimum for a memorised secret).
    /// </summary>
    [Range(8, 128)]
    public int MinimumLength { get; set; } = 12;

    /// <summary>
    /// Most characters a password may have, on every path where one is typed (see <see cref="PasswordLengthAttribute"/>).
    /// Default 128 (OWASP ASVS 4.0.3, 2.1.2: at least 64 allowed, more than 128 refused).
    /// </summary>
    [Range(16, 1024)]
    public int MaximumLength { get; set; } = 128;

    /// <summary>Require three of the four character classes (lower case, upper case, digits, symbols). Default off.</summary>
    public bool RequireCharacterClasses { get; set; }

    /// <summary>Check passwords against the global and the organisation's banned terms. Default on.</summary>
    public bool BannedPasswordCheck { get; set; } = true;

    /// <summary>How many of the user's passwords, the current one included, may not be used again. 0 turns history off. Default 5.</summary>
    [Range(0, 24)]
    public int HistoryDepth { get; set; } = 5;

    /// <summary>Apply the history rule to resets as well as to changes. Default on.</summary>
    public bool HistoryOnReset { get; set; } = true;

    /// <summary>Days after which a password must be changed; empty means passwords do not expire. Default empty.</summary>
    [Range(1, 3650)]
    public int? ExpiryDays { get; set; }

    /// <summary>Days before expiry from which users are warned. Default 14.</summary>
    [Range(0, 365)]
    public int ExpiryWarningDays { get; set; } = 14;

    /// <summary>The organisation's own banned terms: at most 1,000, each 4–16 characters, compared without case.</summary>
    [MaxLength(1000)]
    public List<string> CustomBannedTerms { get; set; } = [];

    /// <summary>Argon2id memory per password hash, in KiB. At least 19,456 (19 MiB, OWASP's minimum). Default 19,456.</summary>
    [Range(19_456, 1_048_576)]
    public int Argon2MemoryKiB { get; set; } = 19_456;

    /// <summary>Argon2id passes over that memory. At least 2. Default 2.</summary>
    [Range(2, 16)]
    public int Argon2Passes { get; set; } = 2;

    /// <summary>
    /// How long a temporary password set by staff (a reset, or a new account) works before it must be replaced by a new
    /// one from the helpdesk. It must be changed at the first sign-in either way. Default 24 hours.
    /// </summary>
    [Range(typeof(TimeSpan), "00:05:00", "30.00:00:00")]
    public TimeSpan TemporaryPasswordLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>PBKDF2-HMAC-SHA512 iterations assumed for hashes made before Argon2id was used (they are upgraded at sign-in).</summary>
    [Range(100_000, 10_000_000)]
    public int LegacyPbkdf2Iterations { get; set; } = 210_000;
}
