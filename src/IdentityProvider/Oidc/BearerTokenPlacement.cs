using Microsoft.AspNetCore;
using Microsoft.Net.Http.Headers;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace IdentityProvider.Oidc;

/// <summary>
/// Where an access token may travel (RFC 6750 section 2, OAuth 2.1): in the <c>Authorization: Bearer</c> header, or
/// in a form-encoded POST body. Never in the address, where proxies, logs and browser history keep it.
/// </summary>
internal static class BearerTokenPlacement
{
    public const string QueryParameter = "access_token";

    public const string QueryRefusal = "Send the access token in the Authorization header (Bearer) or a form-encoded POST body, never in the address.";

    /// <summary>Whether the request carries an access token in its query string.</summary>
    public static bool InQueryString(HttpRequest request) => request.Query.ContainsKey(QueryParameter);
}

/// <summary>The userinfo endpoint refuses an access token in the query string, and a token sent in two ways at once.</summary>
internal sealed class UserInfoBearerTokenPlacement : IOpenIddictServerHandler<ExtractUserInfoRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ExtractUserInfoRequestContext>()
            .UseSingletonHandler<UserInfoBearerTokenPlacement>()
            .SetOrder(OpenIddictServerAspNetCoreHandlers.ExtractAccessToken<ExtractUserInfoRequestContext>.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(ExtractUserInfoRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Transaction.GetHttpRequest() is not { } request)
        {
            return ValueTask.CompletedTask;
        }

        if (BearerTokenPlacement.InQueryString(request))
        {
            context.Reject(Errors.InvalidRequest, BearerTokenPlacement.QueryRefusal);
            return ValueTask.CompletedTask;
        }

        var inHeader = request.Headers[HeaderNames.Authorization].ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase);
        var inBody = request.HasFormContentType && request.Form.ContainsKey(BearerTokenPlacement.QueryParameter);
        if (inHeader && inBody)
        {
            context.Reject(Errors.InvalidRequest, "Send the access token in one place only (RFC 6750 section 2).");
        }

        return ValueTask.CompletedTask;
    }
}
