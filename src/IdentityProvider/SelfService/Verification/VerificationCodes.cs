using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using IdentityProvider.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace IdentityProvider.SelfService.Verification;

/// <summary>
/// One-time codes sent by email, text or call: 8 digits, valid 5 minutes, single use, dead after 5 wrong tries.
/// Only a keyed hash of the code is stored; a guess is compared in constant time; passing is one atomic update, so
/// many parallel submissions of the right code pass exactly once. Shared by the reset journey and security info.
/// </summary>
public sealed class VerificationCodes(ApplicationDbContext db, ServerSecrets secrets, TimeProvider time)
{
    public const int Digits = 8;
    public const int MaximumWrongTries = 5;
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Makes a code for <paramref name="userId"/> and <paramref name="purpose"/>, adds it to the caller's unit of work
    /// (save it in the same transaction as the outbox message that carries it) and returns the id and the code.
    /// </summary>
    public async Task<(Guid Id, string Code)> IssueAsync(string userId, string purpose, CancellationToken cancellationToken = default)
    {
        var code = RandomNumberGenerator.GetInt32(0, 100_000_000).ToString("D8", CultureInfo.InvariantCulture);
        var row = new VerificationCode
        {
            UserId = userId,
            Purpose = purpose,
            CodeHash = await HashAsync(userId, code, cancellationToken),
            ExpiresAt = time.GetUtcNow().Add(Lifetime).ToUnixTimeMilliseconds(),
        };
        db.Add(row);
        return (row.Id, code);
    }

    public async Task<VerificationResult> VerifyAsync(Guid id, string userId, string purpose, string? guess, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var row = await db.Set<VerificationCode>().AsNoTracking()
            .FirstOrDefaultAsync(c => c.Id == id && c.UserId == userId && c.Purpose == purpose, cancellationToken);
        if (row is null || row.Used)
        {
            return VerificationResult.Invalid;
        }

        if (row.ExpiresAt <= now)
        {
            return VerificationResult.Expired;
        }

        if (row.WrongTries >= MaximumWrongTries)
        {
            return VerificationResult.TooManyTries;
        }

        var normalized = new string([.. (guess ?? string.Empty).Where(char.IsAsciiDigit)]);
        var given = await HashAsync(userId, normalized, cancellationToken);
        var right = normalized.Length == Digits && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(row.CodeHash), Encoding.ASCII.GetBytes(given));
        if (right)
        {
            var passed = await db.Set<VerificationCode>()
                .Where(c => c.Id == id && !c.Used && c.ExpiresAt > now && c.WrongTries < MaximumWrongTries)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.Used, true), cancellationToken);
            return passed == 1 ? VerificationResult.Passed : VerificationResult.Invalid;
        }

        if (normalized.Length == Digits && await IsEarlierCodeAsync(id, userId, purpose, given, cancellationToken))
        {
            // A code we sent before the newest one ("send again"): the user has it, so it is no guess; say which to use, count nothing.
            return VerificationResult.NotNewest;
        }

        var counted = await db.Set<VerificationCode>().Where(c => c.Id == id && !c.Used && c.WrongTries < MaximumWrongTries)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.WrongTries, c => c.WrongTries + 1), cancellationToken);
        return counted == 1 && row.WrongTries + 1 >= MaximumWrongTries ? VerificationResult.TooManyTries : VerificationResult.Wrong;
    }

    /// <summary>
    /// The digits of a typed code when it has the shape of one (<see cref="Digits"/> digits, spaces and dashes ignored),
    /// otherwise null: a code of the wrong length is a slip to point out, not a guess to count.
    /// </summary>
    public static string? Shaped(string? typed, int digits = Digits)
    {
        if (typed is null || typed.Length > 40 || typed.Any(c => !char.IsAsciiDigit(c) && c is not (' ' or '-')))
        {
            return null;
        }

        var only = new string([.. typed.Where(char.IsAsciiDigit)]);
        return only.Length == digits ? only : null;
    }

    /// <summary>Whether <paramref name="hash"/> is that of another code sent to the user for the same purpose and not used (every row compared in constant time).</summary>
    private async Task<bool> IsEarlierCodeAsync(Guid id, string userId, string purpose, string hash, CancellationToken cancellationToken)
    {
        var others = await db.Set<VerificationCode>().AsNoTracking()
            .Where(c => c.UserId == userId && c.Purpose == purpose && c.Id != id && !c.Used)
            .OrderByDescending(c => c.ExpiresAt).Take(20).Select(c => c.CodeHash).ToListAsync(cancellationToken);
        var given = Encoding.ASCII.GetBytes(hash);
        var found = false;
        foreach (var other in others)
        {
            found |= CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(other), given);
        }

        return found;
    }

    /// <summary>Voids every code of the user not used yet (its credentials changed: nothing sent before may prove anything).</summary>
    public Task<int> VoidAllAsync(string userId, CancellationToken cancellationToken = default) =>
        db.Set<VerificationCode>().Where(c => c.UserId == userId && !c.Used).ExecuteDeleteAsync(cancellationToken);

    private async Task<string> HashAsync(string userId, string code, CancellationToken cancellationToken)
    {
        var key = await secrets.GetAsync("verification-codes", cancellationToken);
        return Convert.ToHexString(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(userId + "\n" + code)));
    }
}

public enum VerificationResult
{
    Passed,
    Wrong,
    TooManyTries,
    Expired,

    /// <summary>Not this code but one sent before it, which the newer one replaced. Not counted as a wrong try.</summary>
    NotNewest,

    /// <summary>Unknown, used, or not this user's or purpose's code.</summary>
    Invalid,
}

/// <summary>An issued code: its keyed hash, expiry (Unix ms), wrong tries and whether it was used.</summary>
public sealed class VerificationCode
{
    public Guid Id { get; set; } = Guid.NewGuid();

    public string UserId { get; set; } = string.Empty;

    /// <summary>What the code proves, e.g. "sspr:email" or "security-info:mobile".</summary>
    public string Purpose { get; set; } = string.Empty;

    public string CodeHash { get; set; } = string.Empty;

    public long ExpiresAt { get; set; }

    public int WrongTries { get; set; }

    public bool Used { get; set; }
}

internal sealed class VerificationCodeConfiguration : IEntityTypeConfiguration<VerificationCode>
{
    public void Configure(EntityTypeBuilder<VerificationCode> builder)
    {
        builder.ToTable("VerificationCodes");
        builder.Property(c => c.UserId).HasMaxLength(450).IsRequired();
        builder.Property(c => c.Purpose).HasMaxLength(100).IsRequired();
        builder.Property(c => c.CodeHash).HasMaxLength(64).IsRequired();
        builder.HasIndex(c => c.ExpiresAt);
    }
}
