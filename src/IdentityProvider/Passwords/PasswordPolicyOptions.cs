using System.ComponentModel.DataAnnotations;

namespace IdentityProvider.Passwords;

/// <summary>
/// How passwords are hashed and how long temporary ones last: configuration only. Section <c>Passwords</c>, which also
/// gives the starting values of the stored policy administrators edit (<see cref="PasswordPolicySettings"/>).
/// </summary>
public sealed class PasswordPolicyOptions
{
    public const string SectionName = "Passwords";

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
