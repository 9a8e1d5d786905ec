using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace IdentityProvider.Oidc;

/// <summary>
/// PKCE policy: a public client (no secret) must always send an S256 <c>code_challenge</c>, whatever its stored
/// requirements say; a confidential client must when its "require PKCE" setting is on (the default, stored as
/// OpenIddict's <c>ft:pkce</c> requirement and checked by OpenIddict itself). A confidential client with the setting
/// off may still use PKCE, and then its verifier is checked.
/// </summary>
internal sealed class PublicClientPkce(IOpenIddictApplicationManager applications) : IOpenIddictServerHandler<ValidateAuthorizationRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateAuthorizationRequestContext>()
            .UseScopedHandler<PublicClientPkce>()
            .SetOrder(OpenIddictServerHandlers.Authentication.ValidateProofKeyForCodeExchangeRequirement.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(ValidateAuthorizationRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!string.IsNullOrEmpty(context.Request.CodeChallenge) || !context.Request.HasResponseType(ResponseTypes.Code)
            || string.IsNullOrEmpty(context.ClientId))
        {
            return;
        }

        if (await applications.FindByClientIdAsync(context.ClientId) is { } application
            && await applications.HasClientTypeAsync(application, ClientTypes.Public))
        {
            context.Reject(Errors.InvalidRequest, "The 'code_challenge' parameter is required: this app must use PKCE (S256).");
        }
    }
}
