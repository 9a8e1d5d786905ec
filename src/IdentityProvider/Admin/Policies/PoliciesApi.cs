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
    }

    private static async Task<IResult> GetAsync(SsprPolicyStore store, CancellationToken cancellationToken) =>
        Results.Ok(SsprPolicyInput.From(await store.GetAsync(cancellationToken)));

    private static async Task<IResult> PutAsync(
        SsprPolicyInput input, HttpContext http, ApplicationDbContext db, SsprPolicyStore store, AuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, List<string>>();
        var context = new System.ComponentModel.DataAnnotations.ValidationContext(input);
        var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        System.ComponentModel.DataAnnotations.Validator.TryValidateObject(input, context, results, validateAllProperties: true);
        foreach (var result in results)
        {
            foreach (var member in result.MemberNames.DefaultIfEmpty(string.Empty))
            {
                Add(errors, Camel(member), result.ErrorMessage ?? "Invalid.");
            }
        }

        var groups = await db.Set<Group>().Select(g => g.Id).ToListAsync(cancellationToken);
        foreach (var (field, message) in input.Problems(groups.ToHashSet()))
        {
            Add(errors, Camel(field), message);
        }

        if (errors.Count > 0)
        {
            return Results.ValidationProblem(errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
        }

        await store.GetAsync(cancellationToken);
        var row = await db.Set<SsprPolicySettings>().SingleAsync(cancellationToken);
        var changes = input.ApplyTo(row);
        if (changes.Count > 0)
        {
            row.UpdatedAt = time.GetUtcNow();
            foreach (var change in changes)
            {
                audit.Add(AuditEventTypes.AdminPolicyChanged, null, AuditLog.Success, $"by {http.Actor().Id}: {change}" is var text && text.Length > 200 ? text[..200] : text);
            }

            await db.SaveChangesAsync(cancellationToken);
            store.Invalidate();
        }

        return Results.Ok(SsprPolicyInput.From(row));
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
