using System.Security.Cryptography;
using System.Text;
using IdentityProvider.Data;
using Microsoft.EntityFrameworkCore;

namespace IdentityProvider.SelfService.MultiFactor;

/// <summary>
/// One-time backup codes: ten at a time, shown once when generated, kept only as keyed hashes (HMAC-SHA-256 under a
/// server secret), each usable once. Generating new ones voids the old. A code is ten characters from an alphabet
/// without look-alikes (about 50 bits), written <c>xxxxx-xxxxx</c>; spaces, dashes and case do not matter when typed.
/// </summary>
public sealed class BackupCodes(ApplicationDbContext db, ServerSecrets secrets, TimeProvider time)
{
    public const int Count = 10;
    private const int Length = 10;
    private const string Alphabet = "abcdefghjkmnpqrstuvwxyz23456789";

    /// <summary>Voids the user's codes and makes <see cref="Count"/> new ones (added to the caller's unit of work; save it). Returns them for showing once.</summary>
    public async Task<IReadOnlyList<string>> GenerateAsync(string userId, CancellationToken cancellationToken = default)
    {
        await db.Set<BackupCode>().Where(c => c.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        var now = time.GetUtcNow();
        var codes = new List<string>(Count);
        for (var i = 0; i < Count; i++)
        {
            var code = new string([.. Enumerable.Range(0, Length).Select(_ => Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)])]);
            codes.Add(code[..5] + "-" + code[5..]);
            db.Add(new BackupCode { UserId = userId, CodeHash = await HashAsync(userId, code, cancellationToken), CreatedAt = now });
        }

        return codes;
    }

    /// <summary>Spends the code if it is one of the user's unused codes: one atomic update, so it passes once however often it is sent.</summary>
    public async Task<bool> VerifyAsync(string userId, string? typed, CancellationToken cancellationToken = default)
    {
        var normalized = Normalize(typed);
        if (normalized.Length != Length)
        {
            return false;
        }

        var given = Encoding.ASCII.GetBytes(await HashAsync(userId, normalized, cancellationToken));
        var unused = await db.Set<BackupCode>().AsNoTracking().Where(c => c.UserId == userId && c.UsedAt == null).Select(c => new { c.Id, c.CodeHash }).ToListAsync(cancellationToken);
        Guid? match = null;
        foreach (var code in unused)
        {
            // Every unused code is compared in constant time, so the time taken does not tell which one nearly matched.
            if (CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(code.CodeHash), given))
            {
                match = code.Id;
            }
        }

        if (match is not { } id)
        {
            return false;
        }

        var now = time.GetUtcNow();
        return await db.Set<BackupCode>().Where(c => c.Id == id && c.UsedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.UsedAt, now), cancellationToken) == 1;
    }

    /// <summary>How many unused codes the user has left.</summary>
    public Task<int> RemainingAsync(string userId, CancellationToken cancellationToken = default) =>
        db.Set<BackupCode>().CountAsync(c => c.UserId == userId && c.UsedAt == null, cancellationToken);

    /// <summary>Voids all of the user's codes.</summary>
    public Task<int> VoidAllAsync(string userId, CancellationToken cancellationToken = default) =>
        db.Set<BackupCode>().Where(c => c.UserId == userId).ExecuteDeleteAsync(cancellationToken);

    private static string Normalize(string? typed) =>
        new([.. (typed ?? string.Empty).Where(char.IsAsciiLetterOrDigit).Select(char.ToLowerInvariant).Take(Length + 1)]);

    private async Task<string> HashAsync(string userId, string code, CancellationToken cancellationToken)
    {
        var key = await secrets.GetAsync("backup-codes", cancellationToken);
        return Convert.ToHexString(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(userId + "\n" + code)));
    }
}
