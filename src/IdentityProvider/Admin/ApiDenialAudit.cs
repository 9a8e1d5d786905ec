using IdentityProvider.Audit;
using Microsoft.AspNetCore.Authentication;
using OpenIddict.Abstractions;
using OpenIddict.Validation.AspNetCore;

namespace IdentityProvider.Admin;

/// <summary>
/// Wraps every admin API endpoint: a 401 or 403 answer becomes an <see cref="AuditEventTypes.ApiDenied"/> event with the
/// caller when the token names one (a forged or expired token names nobody), the method and path, and the account when
/// the request was about one. The token itself is never recorded.
/// </summary>
internal sealed class ApiDenialAudit : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var result = await next(context);
        if (result is IStatusCodeHttpResult { StatusCode: StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden } denied)
        {
            var http = context.HttpContext;
            string? actor = null;
            if (!http.Items.ContainsKey(AuditLog.ActorItem)
                && (await http.AuthenticateAsync(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme)).Principal is { } principal)
            {
                var subject = principal.GetClaim(OpenIddictConstants.Claims.Subject);
                actor = subject is not null && subject == principal.GetClaim(OpenIddictConstants.Claims.ClientId) ? "client " + subject : subject;
            }

            var why = denied.StatusCode == StatusCodes.Status403Forbidden ? "403"
                : http.Request.Headers.Authorization.Count == 0 ? "401 no token" : "401 invalid token";
            var target = http.Request.Path.StartsWithSegments(AdminApi.Prefix + "/users", StringComparison.OrdinalIgnoreCase) ? http.GetRouteValue("id") as string : null;
            var audit = http.RequestServices.GetRequiredService<AuditLog>();
            audit.Add(AuditEventTypes.ApiDenied, target, AuditLog.Failure, $"{why} {http.Request.Method} {http.Request.Path.Value}", actorId: actor);
            await audit.SaveAsync(http.RequestAborted);
        }

        return result;
    }
}
