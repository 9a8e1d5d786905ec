using IdentityProvider.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace IdentityProvider.Passwords;

/// <summary>
/// Identity's user manager, plus password history: whenever a stored password hash is replaced by a new password,
/// the old hash is kept (in the same save), and only the newest entries the policy can need are retained.
/// A rehash of the same password at sign-in is not a new password and is not recorded.
/// <para>Each password operation (checking, or validating and hashing a new one) holds a slot of the node's
/// <see cref="PasswordHashGate"/>. A save that loses an optimistic-concurrency race (another request changed the user
/// first) throws <see cref="DbUpdateConcurrencyException"/> rather than returning a failure that callers could overlook;
/// it is answered 409 "changed meanwhile, try again". The sign-in's rehash is the exception: losing that race is harmless.</para>
/// </summary>
public sealed class ApplicationUserManager(
    IUserStore<ApplicationUser> store,
    IOptions<IdentityOptions> optionsAccessor,
    IPasswordHasher<ApplicationUser> passwordHasher,
    IEnumerable<IUserValidator<ApplicationUser>> userValidators,
    IEnumerable<IPasswordValidator<ApplicationUser>> passwordValidators,
    ILookupNormalizer keyNormalizer,
    IdentityErrorDescriber errors,
    IServiceProvider services,
    ILogger<UserManager<ApplicationUser>> logger,
    ApplicationDbContext db,
    PasswordHashGate hashes,
    TimeProvider time)
    : UserManager<ApplicationUser>(store, optionsAccessor, passwordHasher, userValidators, passwordValidators, keyNormalizer, errors, services, logger)
{
    /// <summary>Most history entries kept per user (the policy's depth can be at most this).</summary>
    public const int MaximumHistory = 24;

    private bool rehashing;

    public override Task<IdentityResult> CreateAsync(ApplicationUser user, string password)
    {
        ArgumentNullException.ThrowIfNull(user);
        user.PasswordChangedAt ??= time.GetUtcNow();
        return base.CreateAsync(user, password);
    }

    /// <summary>True while <see cref="ResetPasswordAsync"/> runs, so that the policy can apply its reset rules.</summary>
    internal bool IsResettingPassword { get; private set; }

    public override async Task<IdentityResult> ResetPasswordAsync(ApplicationUser user, string token, string newPassword)
    {
        IsResettingPassword = true;
        try
        {
            return await base.ResetPasswordAsync(user, token, newPassword);
        }
        finally
        {
            IsResettingPassword = false;
        }
    }

    public override async Task<bool> CheckPasswordAsync(ApplicationUser user, string password)
    {
        rehashing = true;
        try
        {
            return await base.CheckPasswordAsync(user, password);
        }
        finally
        {
            rehashing = false;
        }
    }

    protected override Task<PasswordVerificationResult> VerifyPasswordAsync(IUserPasswordStore<ApplicationUser> store, ApplicationUser user, string password) =>
        hashes.RunAsync(() => base.VerifyPasswordAsync(store, user, password), CancellationToken);

    protected override Task<IdentityResult> UpdatePasswordHash(ApplicationUser user, string newPassword, bool validatePassword) =>
        hashes.RunAsync(() => base.UpdatePasswordHash(user, newPassword, validatePassword), CancellationToken);

    protected override async Task<IdentityResult> UpdateUserAsync(ApplicationUser user)
    {
        var result = await SaveUserAsync(user);
        if (result.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.ConcurrencyFailure)))
        {
            // Nothing was saved; leave no half-applied change in the unit of work for a later save to trip over.
            await db.Entry(user).ReloadAsync(CancellationToken);
            if (!rehashing)
            {
                throw new DbUpdateConcurrencyException("Another request changed this user first; nothing was saved.");
            }
        }

        return result;
    }

    private async Task<IdentityResult> SaveUserAsync(ApplicationUser user)
    {
        var entry = db.Entry(user);
        var hashChanged = !rehashing && entry.State != EntityState.Detached && entry.Property(u => u.PasswordHash).IsModified
            && entry.Property(u => u.PasswordHash).OriginalValue != user.PasswordHash;
        if (hashChanged)
        {
            user.PasswordChangedAt = time.GetUtcNow();
        }

        if (hashChanged && entry.Property(u => u.PasswordHash).OriginalValue is { Length: > 0 } previous)
        {
            db.Add(new PasswordHistoryEntry { UserId = user.Id, PasswordHash = previous, CreatedAt = time.GetUtcNow() });
            var stale = await db.Set<PasswordHistoryEntry>()
                .Where(h => h.UserId == user.Id)
                .OrderByDescending(h => h.Id)
                .Skip(MaximumHistory - 1)
                .ToListAsync(CancellationToken);
            db.RemoveRange(stale);
        }

        return await base.UpdateUserAsync(user);
    }
}
