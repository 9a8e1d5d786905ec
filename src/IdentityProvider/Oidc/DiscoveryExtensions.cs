using System.Collections.Immutable;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace IdentityProvider.Oidc;

/// <summary>
/// What discovery says beyond OpenIddict's defaults: the <c>claims</c> request parameter is supported, the
/// <c>acr</c> values this server issues, and back-channel logout with session ids (Back-Channel Logout 1.0, 2.1).
/// </summary>
internal sealed class DiscoveryExtensions : IOpenIddictServerHandler<HandleConfigurationRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<HandleConfigurationRequestContext>()
            .UseSingletonHandler<DiscoveryExtensions>()
            .SetOrder(OpenIddictServerHandlers.Discovery.AttachAdditionalMetadata.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(HandleConfigurationRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Metadata["claims_parameter_supported"] = true;
        context.Metadata["acr_values_supported"] = AuthenticationContext.AcrValues.ToImmutableArray<string?>();
        context.Metadata["backchannel_logout_supported"] = true;
        context.Metadata["backchannel_logout_session_supported"] = true;
        return ValueTask.CompletedTask;
    }
}
