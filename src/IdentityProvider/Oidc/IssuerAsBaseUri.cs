using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace IdentityProvider.Oidc;

/// <summary>
/// With <see cref="OidcOptions.Issuer"/> configured, every address OpenIddict publishes (the endpoints in discovery, the
/// JWKS address, the issuer) is built from it, never from the request's Host header. The request's own address still
/// decides which endpoint was called (a proxy may reach this node under another name), so this runs just after that.
/// </summary>
internal sealed class IssuerAsBaseUri : IOpenIddictServerHandler<ProcessRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessRequestContext>()
        .UseSingletonHandler<IssuerAsBaseUri>()
        .SetOrder(OpenIddictServerHandlers.InferEndpointType.Descriptor.Order + 500)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public ValueTask HandleAsync(ProcessRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Options.Issuer is { } issuer)
        {
            context.BaseUri = issuer.AbsoluteUri.EndsWith('/') ? issuer : new Uri(issuer.AbsoluteUri + "/", UriKind.Absolute);
        }

        return ValueTask.CompletedTask;
    }
}
