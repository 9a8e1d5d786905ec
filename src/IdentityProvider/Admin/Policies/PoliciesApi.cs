using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.SelfService;
using Microsoft.EntityFrameworkCore;

namespace IdentityProvider.Admin.Policies;

internal static class PoliciesApi
{
    public static void Map(RouteGroupBuilder policies)
    {
        policies.MapGet("/self-service", GetAsync).WithSummary("The self-service password reset and registration policy.");
        policies.MapPut("/self-service", PutAsync).WithSummary("Replace the self-service policy; each changed setting is audited with its old and new value.");
        policies.MapGet("/passwords", GetPasswordsAsync).WithSummary("The password policy, with the organisation's banned terms (one per line).");
        policies.MapPut("/passwords", PutPasswordsAsync).WithSummary("Replace the password policy; each change is audited.");
        policies.MapGet("/lockout", async (IdentityProvider.Lockout.LockoutPolicyStore store, CancellationToken ct) => Results.Ok(LockoutPolicyInput.From(await store.GetAsync(ct))))
            .WithSummary("The lockout policy.");
        policies.MapPut("/lockout", PutLockoutAsync).WithSummary("Replace the lockout policy; each change is audited.");
    }

    private static async Task<IResult> GetAsync(SsprPolicyStore store, CancellationToken cancellationToken) =>
        Results.Ok(SsprPolicyInput.From(await store.GetAsync(cancellationToken)));

    private static async Task<IResult> PutAsync(
        SsprPolicyInput input, HttpContext http, ApplicationDbContext db, SsprPolicyStore store, AuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var groups = await db.Set<Group>().Select(g => g.Id).ToListAsync(cancellationToken);
        if (Validate(input, input.Problems(groups.ToHashSet())) is { } problem)
        {
            return problem;
        }

        await store.GetAsync(cancellationToken);
        var row = await db.Set<SsprPolicySettings>().SingleAsync(cancellationToken);
        await SaveAsync(http, db, audit, input.ApplyTo(row), () => row.UpdatedAt = time.GetUtcNow(), cancellationToken);
        store.Invalidate();
        return Results.Ok(SsprPolicyInput.From(row));
    }

    private static async Task<IResult> GetPasswordsAsync(ApplicationDbContext db, IdentityProvider.Passwords.PasswordPolicyStore store, CancellationToken cancellationToken)
    {
        var policy = (await store.GetAsync(cancellationToken)).Settings;
        var terms = await db.Set<IdentityProvider.Passwords.CustomBannedTerm>().AsNoTracking().Where(t => t.PolicyId == policy.Id).Select(t => t.Term).ToListAsync(cancellationToken);
        return Results.Ok(PasswordPolicyInput.From(policy, terms));
    }

    private static async Task<IResult> PutPasswordsAsync(
        PasswordPolicyInput input, HttpContext http, ApplicationDbContext db, IdentityProvider.Passwords.PasswordPolicyStore store, AuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        if (Validate(input, input.Problems()) is { } problem)
        {
            return problem;
        }

        await store.GetAsync(cancellationToken);
        var row = await db.Set<IdentityProvider.Passwords.PasswordPolicySettings>().Include(p => p.CustomBannedTerms).SingleAsync(cancellationToken);
        await SaveAsync(http, db, audit, input.ApplyTo(row), () => row.UpdatedAt = time.GetUtcNow(), cancellationToken);
        store.Invalidate();
        return Results.Ok(PasswordPolicyInput.From(row, row.CustomBannedTerms.Select(t => t.Term)));
    }

    private static async Task<IResult> PutLockoutAsync(
        LockoutPolicyInput input, HttpContext http, ApplicationDbContext db, IdentityProvider.Lockout.LockoutPolicyStore store, AuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        if (Validate(input, input.Problems()) is { } problem)
        {
            return problem;
        }

        await store.GetAsync(cancellationToken);
        var row = await db.Set<IdentityProvider.Lockout.LockoutPolicySettings>().SingleAsync(cancellationToken);
        await SaveAsync(http, db, audit, input.ApplyTo(row), () => row.UpdatedAt = time.GetUtcNow(), cancellationToken);
        store.Invalidate();
        return Results.Ok(LockoutPolicyInput.From(row));
    }

    /// <summary>Data annotations and cross-field rules as one validation problem, or null.</summary>
    private static IResult? Validate(object input, IEnumerable<(string Field, string Message)> problems)
    {
        var errors = new Dictionary<string, List<string>>();
        var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        System.ComponentModel.DataAnnotations.Validator.TryValidateObject(input, new System.ComponentModel.DataAnnotations.ValidationContext(input), results, validateAllProperties: true);
        foreach (var result in results)
        {
            foreach (var member in result.MemberNames.DefaultIfEmpty(string.Empty))
            {
                Add(errors, Camel(member), result.ErrorMessage ?? "Invalid.");
            }
        }

        foreach (var (field, message) in problems)
        {
            Add(errors, Camel(field), message);
        }

        return errors.Count == 0 ? null : Results.ValidationProblem(errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
    }

    private static async Task SaveAsync(HttpContext http, ApplicationDbContext db, AuditLog audit, IReadOnlyList<string> changes, Action touch, CancellationToken cancellationToken)
    {
        if (changes.Count == 0)
        {
            return;
        }

        touch();
        foreach (var change in changes)
        {
            var text = $"by {http.Actor().Id}: {change}";
            audit.Add(AuditEventTypes.AdminPolicyChanged, null, AuditLog.Success, text.Length > 200 ? text[..200] : text);
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    private static void Add(Dictionary<string, List<string>> errors, string field, string message)
    {
        if (!errors.TryGetValue(field, out var list))
        {
            errors[field] = list = [];
        }

        list.Add(message);
    }

    private static string Camel(string name) => name.Length == 0 ? name : char.ToLowerInvariant(name[0]) + name[1..];
}
