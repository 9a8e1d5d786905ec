using System.Globalization;
using System.Security.Cryptography;
using IdentityProvider.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using NSec.Cryptography;

namespace IdentityProvider.Passwords;

/// <summary>
/// Identity's password hasher, with Argon2id (libsodium, through NSec) for new hashes:
/// <c>$argon2id$v=19$m=19456,t=2,p=1$salt$hash</c>, 16-byte salt, 32-byte hash. Hashes made by Identity's own
/// PBKDF2 hasher, or with weaker Argon2id settings than configured, still verify and are reported as needing a
/// rehash, so they are upgraded at the next successful sign-in.
/// <para>Every password is brought to Unicode normalisation form KC (<see cref="PasswordText.Normalize"/>) before it is
/// hashed or checked, so the same password typed in composed or decomposed form, or with full-width or other
/// compatibility characters, is the same password (NIST SP 800-63B 5.1.1.2; the OpaqueString profile of RFC 8265).
/// A hash made before normalisation still verifies with the password as typed and is reported as needing a rehash.</para>
/// <para>Why Argon2id at OWASP's first setting (19 MiB, 2 passes): it costs 20–50 ms of CPU per hash depending on the
/// machine, half or less of PBKDF2-HMAC-SHA512 at 210,000 iterations (see the README's benchmarks), and it is
/// memory-hard, which GPUs and ASICs are not good at. Sign-in is the identity provider's hot path.</para>
/// </summary>
internal sealed class Argon2PasswordHasher : IPasswordHasher<ApplicationUser>
{
    private const string Prefix = "$argon2id$v=19$";
    private const int SaltLength = 16;
    private const int HashLength = 32;

    private readonly PasswordHasher<ApplicationUser> legacy;
    private readonly int memoryKiB;
    private readonly int passes;
    private readonly Argon2id algorithm;

    // Each hash holds a core and its memory for its duration: the gate bounds how many run at once on this node.
    private readonly PasswordHashGate gate;

    public Argon2PasswordHasher(IOptions<PasswordPolicyOptions> options, IOptions<PasswordHasherOptions> legacyOptions, PasswordHashGate gate)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.gate = gate;
        memoryKiB = options.Value.Argon2MemoryKiB;
        passes = options.Value.Argon2Passes;
        algorithm = Create(memoryKiB, passes);
        legacy = new PasswordHasher<ApplicationUser>(legacyOptions);
    }

    public string HashPassword(ApplicationUser user, string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        var salt = RandomNumberGenerator.GetBytes(SaltLength);
        var hash = Derive(algorithm, PasswordText.Normalize(password), salt);
        return string.Create(CultureInfo.InvariantCulture,
            $"{Prefix}m={memoryKiB},t={passes},p=1${ToBase64(salt)}${ToBase64(hash)}");
    }

    public PasswordVerificationResult VerifyHashedPassword(ApplicationUser user, string hashedPassword, string providedPassword)
    {
        ArgumentNullException.ThrowIfNull(hashedPassword);
        ArgumentNullException.ThrowIfNull(providedPassword);
        var normalized = PasswordText.Normalize(providedPassword);
        var result = Verify(user, hashedPassword, normalized);
        if (result != PasswordVerificationResult.Failed || string.Equals(normalized, providedPassword, StringComparison.Ordinal))
        {
            return result;
        }

        // A hash made before passwords were normalised: the password as typed, then upgraded to the normalised form.
        return Verify(user, hashedPassword, providedPassword) == PasswordVerificationResult.Failed
            ? PasswordVerificationResult.Failed
            : PasswordVerificationResult.SuccessRehashNeeded;
    }

    private PasswordVerificationResult Verify(ApplicationUser user, string hashedPassword, string providedPassword)
    {
        if (!hashedPassword.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return gate.Run(() => legacy.VerifyHashedPassword(user, hashedPassword, providedPassword)) == PasswordVerificationResult.Failed
                ? PasswordVerificationResult.Failed
                : PasswordVerificationResult.SuccessRehashNeeded;
        }

        if (!TryParse(hashedPassword, out var memory, out var storedPasses, out var salt, out var expected))
        {
            return PasswordVerificationResult.Failed;
        }

        var actual = memory == memoryKiB && storedPasses == passes
            ? Derive(algorithm, providedPassword, salt)
            : Derive(Create(memory, storedPasses), providedPassword, salt);
        if (!CryptographicOperations.FixedTimeEquals(actual, expected))
        {
            return PasswordVerificationResult.Failed;
        }

        return memory < memoryKiB || storedPasses < passes ? PasswordVerificationResult.SuccessRehashNeeded : PasswordVerificationResult.Success;
    }

    private byte[] Derive(PasswordBasedKeyDerivationAlgorithm with, string password, byte[] salt) =>
        gate.Run(() => with.DeriveBytes(password, salt, HashLength));

    private static Argon2id Create(int memoryKiB, int passes) =>
        PasswordBasedKeyDerivationAlgorithm.Argon2id(new Argon2Parameters
        {
            DegreeOfParallelism = 1,
            MemorySize = memoryKiB,
            NumberOfPasses = passes,
        });

    private static bool TryParse(string encoded, out int memory, out int passes, out byte[] salt, out byte[] hash)
    {
        memory = passes = 0;
        salt = hash = [];
        var parts = encoded[Prefix.Length..].Split('$');
        if (parts.Length != 3)
        {
            return false;
        }

        foreach (var setting in parts[0].Split(','))
        {
            var pair = setting.Split('=');
            if (pair.Length != 2 || !int.TryParse(pair[1], NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                return false;
            }

            switch (pair[0])
            {
                case "m": memory = value; break;
                case "t": passes = value; break;
                case "p" when value == 1: break;
                default: return false;
            }
        }

        try
        {
            salt = FromBase64(parts[1]);
            hash = FromBase64(parts[2]);
        }
        catch (FormatException)
        {
            return false;
        }

        return memory >= 8 && passes >= 1 && salt.Length >= 8 && hash.Length == HashLength;
    }

    // PHC strings use base64 without padding.
    private static string ToBase64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=');

    private static byte[] FromBase64(string text) => Convert.FromBase64String(text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '='));
}
