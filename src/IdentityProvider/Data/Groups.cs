using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace IdentityProvider.Data;

/// <summary>A group of users; groups nest (a group's members include its child groups' members).</summary>
public sealed class Group
{
    public Guid Id { get; set; } = Guid.NewGuid();

    public string Name { get; set; } = string.Empty;

    public Guid? ParentGroupId { get; set; }

    /// <summary>
    /// The directory whose sync manages this group's members (it is named like a group there), or null for a group
    /// administrators manage here.
    /// </summary>
    public string? DirectoryName { get; set; }
}

/// <summary>A user's direct membership of a group.</summary>
public sealed class GroupMembership
{
    public Guid GroupId { get; set; }

    public string UserId { get; set; } = string.Empty;
}

/// <summary>Group membership with nesting taken into account.</summary>
public static class GroupTree
{
    /// <summary>The groups <paramref name="selected"/> and every group nested below them, at any depth.</summary>
    public static async Task<HashSet<Guid>> WithNestedAsync(ApplicationDbContext db, IEnumerable<Guid> selected, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var groups = await db.Set<Group>().AsNoTracking().Select(g => new { g.Id, g.ParentGroupId }).ToListAsync(cancellationToken);
        var children = groups.Where(g => g.ParentGroupId is not null).ToLookup(g => g.ParentGroupId!.Value, g => g.Id);
        var found = new HashSet<Guid>();
        var pending = new Queue<Guid>(selected);
        while (pending.TryDequeue(out var id))
        {
            if (found.Add(id))
            {
                foreach (var child in children[id])
                {
                    pending.Enqueue(child);
                }
            }
        }

        return found;
    }

    /// <summary>Whether the user is a member of one of <paramref name="selected"/> or of a group nested below them.</summary>
    public static async Task<bool> IsMemberAsync(ApplicationDbContext db, string userId, IEnumerable<Guid> selected, CancellationToken cancellationToken = default)
    {
        var ids = (await WithNestedAsync(db, selected, cancellationToken)).ToList();
        return ids.Count > 0 && await db.Set<GroupMembership>().AnyAsync(m => m.UserId == userId && ids.Contains(m.GroupId), cancellationToken);
    }
}

internal sealed class GroupConfigurations : IEntityTypeConfiguration<Group>, IEntityTypeConfiguration<GroupMembership>
{
    public void Configure(EntityTypeBuilder<Group> builder)
    {
        builder.ToTable("Groups");
        builder.Property(g => g.Name).HasMaxLength(200).IsRequired();
        builder.Property(g => g.DirectoryName).HasMaxLength(32);
        builder.HasIndex(g => g.Name).IsUnique();
        builder.HasOne<Group>().WithMany().HasForeignKey(g => g.ParentGroupId).OnDelete(DeleteBehavior.Restrict);
    }

    public void Configure(EntityTypeBuilder<GroupMembership> builder)
    {
        builder.ToTable("GroupMemberships");
        builder.HasKey(m => new { m.GroupId, m.UserId });
        builder.HasOne<Group>().WithMany().HasForeignKey(m => m.GroupId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<ApplicationUser>().WithMany().HasForeignKey(m => m.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
