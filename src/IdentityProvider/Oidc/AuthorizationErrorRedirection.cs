using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace IdentityProvider.Oidc;

/// <summary>
/// Sends authorization errors back to the client (RFC 6749 4.1.2.1, OpenID Connect Core 3.1.2.6) once the client and
/// its redirect URI are known to be valid, also for the errors OpenIddict finds before it has checked them
/// (<c>unsupported_response_type</c>, <c>invalid_scope</c>, <c>request_not_supported</c>, <c>request_uri_not_supported</c>,
/// a missing PKCE challenge).
/// When the client is unknown, or the redirect URI is missing, malformed or not registered for it, the error stays
/// on this server's error page: nothing is ever sent to an address the client did not register.
/// </summary>
internal sealed class AuthorizationErrorRedirection(IOpenIddictApplicationManager applications) : IOpenIddictServerHandler<ApplyAuthorizationResponseContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyAuthorizationResponseContext>()
            .UseScopedHandler<AuthorizationErrorRedirection>()
            // After OpenIddict chose the redirect URI and response mode, before it attaches state and issuer.
            .SetOrder(OpenIddictServerHandlers.Authentication.InferResponseMode.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(ApplyAuthorizationResponseContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!string.IsNullOrEmpty(context.RedirectUri) || context.Request is not { } request
            || string.IsNullOrEmpty(context.Response.Error) || string.IsNullOrEmpty(request.ClientId))
        {
            return;
        }

        if (await applications.FindByClientIdAsync(request.ClientId) is not { } application
            || !await applications.HasPermissionAsync(application, Permissions.Endpoints.Authorization))
        {
            return;
        }

        string? redirectUri = request.RedirectUri;
        if (string.IsNullOrEmpty(redirectUri))
        {
            // RFC 6749 3.1.2.3: without a redirect_uri, only a client with exactly one registered address has one.
            var registered = await applications.GetRedirectUrisAsync(application);
            redirectUri = registered.Length == 1 ? registered[0] : null;
        }
        else if (!Uri.TryCreate(redirectUri, UriKind.Absolute, out var parsed) || !string.IsNullOrEmpty(parsed.Fragment)
            || !await applications.ValidateRedirectUriAsync(application, redirectUri))
        {
            redirectUri = null;
        }

        if (redirectUri is null)
        {
            return;
        }

        context.RedirectUri = redirectUri;
        context.ResponseMode = request.ResponseMode switch
        {
            ResponseModes.Query or ResponseModes.FormPost or ResponseModes.Fragment => request.ResponseMode,
            // Unknown or missing: the default of the response type asked for (OAuth 2.0 Multiple Response Types 2.1).
            _ => request.HasResponseType(ResponseTypes.Token) || request.HasResponseType(ResponseTypes.IdToken)
                ? ResponseModes.Fragment
                : ResponseModes.Query,
        };
    }
}
