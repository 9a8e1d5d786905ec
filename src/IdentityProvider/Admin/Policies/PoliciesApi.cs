using System.ComponentModel.DataAnnotations;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.Lockout;
using IdentityProvider.Passwords;
using IdentityProvider.SelfService;
using IdentityProvider.SelfService.MultiFactor;

namespace IdentityProvider.Admin.Policies;

/// <summary>
/// Each policy read and replaced whole. The body is the policy's own class, checked by its own validation (the rules the
/// page and the configuration use) after the caller's scope was checked, and saved by <see cref="PolicyEditor{T}"/> as the
/// page saves it.
/// </summary>
internal static class PoliciesApi
{
    public static void Map(RouteGroupBuilder policies)
    {
        MapPolicy<SelfServicePolicySettings>(policies, "/self-service",
            "The self-service password reset and registration policy.",
            "Replace the self-service policy; each changed setting is audited with its old and new value.");
        MapPolicy<PasswordPolicySettings>(policies, "/passwords",
            "The password policy, with the organisation's banned terms (one per line).",
            "Replace the password policy; each change is audited.");
        MapPolicy<LockoutPolicySettings>(policies, "/lockout", "The lockout policy.", "Replace the lockout policy; each change is audited.");
        MapPolicy<MultiFactorPolicySettings>(policies, "/multi-factor",
            "The multi-factor sign-in policy: who must use a second factor (staff always do), with which methods, remembered browsers and the grace period.",
            "Replace the multi-factor sign-in policy; each changed setting is audited with its old and new value.");
    }

    private static void MapPolicy<T>(RouteGroupBuilder policies, string path, string read, string replace)
        where T : PolicySettings
    {
        // RDG011: the request delegate generator skips generic endpoints; these few admin endpoints are built at run time.
#pragma warning disable RDG011
        policies.MapGet(path, async (StoredPolicy<T> store, CancellationToken cancellationToken) => TypedResults.Ok(await store.GetAsync(cancellationToken)))
            .WithSummary(read);
        policies.MapPut(path, async (T policy, PolicyEditor<T> editor, CancellationToken cancellationToken) => TypedResults.Ok(await editor.SaveAsync(policy, cancellationToken)))
            .AddEndpointFilter(new Validated<T>())
            .WithSummary(replace)
            .ProducesValidationProblem();
#pragma warning restore RDG011
    }

    /// <summary>
    /// Runs the policy's validation attributes and its cross-setting rules (all of them, as the page reports them) and
    /// answers a validation problem (RFC 9457) with an error per field, named as in the JSON body.
    /// </summary>
    private sealed class Validated<T> : IEndpointFilter
        where T : PolicySettings
    {
        public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
        {
            var policy = context.Arguments.OfType<T>().Single();
            var validation = new ValidationContext(policy, context.HttpContext.RequestServices, items: null);
            var results = new List<ValidationResult>();
            if (!Validator.TryValidateObject(policy, validation, results, validateAllProperties: true) && policy is IValidatableObject rules)
            {
                // The validator leaves the cross-setting rules out once a single setting failed.
                results.AddRange(rules.Validate(validation));
            }

            if (results.Count == 0)
            {
                return await next(context);
            }

            var errors = results
                .SelectMany(result => result.MemberNames.DefaultIfEmpty(string.Empty).Select(member => (Field: JsonName(member), Message: result.ErrorMessage ?? "Invalid.")))
                .GroupBy(error => error.Field)
                .ToDictionary(group => group.Key, group => group.Select(error => error.Message).Distinct().ToArray());
            return TypedResults.ValidationProblem(errors);
        }

        private static string JsonName(string member) =>
            typeof(T).GetProperty(member)?.GetCustomAttributes(typeof(System.Text.Json.Serialization.JsonPropertyNameAttribute), false)
                .Cast<System.Text.Json.Serialization.JsonPropertyNameAttribute>().FirstOrDefault()?.Name
            ?? System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(member);
    }
}
