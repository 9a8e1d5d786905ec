using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace IdentityProvider.Data;

/// <summary>
/// Random server-side keys (e.g. for keyed fingerprints), made once, shared by every node through the database and
/// encrypted there with Data Protection. Protect the Data Protection key ring in production (see README).
/// </summary>
public sealed class ServerSecrets(IServiceScopeFactory scopes, IDataProtectionProvider protection)
{
    private readonly ConcurrentDictionary<string, byte[]> cache = new(StringComparer.Ordinal);
    private readonly IDataProtector protector = protection.CreateProtector("IdentityProvider.ServerSecrets");

    public async Task<byte[]> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        if (cache.TryGetValue(name, out var known))
        {
            return known;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        var stored = await db.Set<ServerSecret>().AsNoTracking().FirstOrDefaultAsync(s => s.Name == name, cancellationToken);
        if (stored is null)
        {
            // Requests on this node or others may make it at the same time: the first insert wins, the others do nothing
            // (no failed statement, no error in the log) and everyone reads the winner.
            var candidate = protector.Protect(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
            await db.Database.ExecuteSqlAsync(
                $"INSERT INTO \"ServerSecrets\" (\"Name\", \"ProtectedValue\") VALUES ({name}, {candidate}) ON CONFLICT DO NOTHING", // ServerSecretConfiguration's table
                cancellationToken);
            stored = await db.Set<ServerSecret>().AsNoTracking().FirstAsync(s => s.Name == name, cancellationToken);
        }

        var value = Convert.FromBase64String(protector.Unprotect(stored.ProtectedValue));
        cache[name] = value;
        return value;
    }
}

internal sealed class ServerSecret
{
    public string Name { get; set; } = string.Empty;

    public string ProtectedValue { get; set; } = string.Empty;
}

internal sealed class ServerSecretConfiguration : IEntityTypeConfiguration<ServerSecret>
{
    public void Configure(EntityTypeBuilder<ServerSecret> builder)
    {
        builder.ToTable("ServerSecrets");
        builder.HasKey(s => s.Name);
        builder.Property(s => s.Name).HasMaxLength(100);
        builder.Property(s => s.ProtectedValue).HasMaxLength(2000).IsRequired();
    }
}
