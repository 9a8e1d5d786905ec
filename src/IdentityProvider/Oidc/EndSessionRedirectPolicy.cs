using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace IdentityProvider.Oidc;

/// <summary>
/// RP-Initiated Logout 1.0, section 3: after signing out, the browser goes to the <c>post_logout_redirect_uri</c>
/// only when the request names the client, by a valid <c>id_token_hint</c> (signed by this server, from this issuer;
/// expired is fine) or by <c>client_id</c>, and the address is registered for that client. OpenIddict has already
/// refused addresses registered for no client or for another client than the hint's or the <c>client_id</c>'s; this
/// handler drops the redirect when the hint is missing (and no <c>client_id</c> was given) or present but not valid
/// (forged, unsigned, from another issuer): the user then stays on this server's signed-out page.
/// </summary>
internal sealed class EndSessionRedirectPolicy : IOpenIddictServerHandler<ApplyEndSessionResponseContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyEndSessionResponseContext>()
            .UseSingletonHandler<EndSessionRedirectPolicy>()
            // After OpenIddict attached the validated address, before it attaches the state.
            .SetOrder(OpenIddictServerHandlers.Session.AttachPostLogoutRedirectUri.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(ApplyEndSessionResponseContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (string.IsNullOrEmpty(context.PostLogoutRedirectUri))
        {
            return ValueTask.CompletedTask;
        }

        var validated = context.Transaction.GetProperty<ValidateEndSessionRequestContext>(typeof(ValidateEndSessionRequestContext).FullName!);
        if (!NamesTheClient(validated))
        {
            context.PostLogoutRedirectUri = null;
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Whether the request identifies its client: a valid hint, or (without any hint) a <c>client_id</c>.</summary>
    internal static bool NamesTheClient(ValidateEndSessionRequestContext? validated) =>
        validated is { IsRejected: false } && (string.IsNullOrEmpty(validated.Request.IdTokenHint)
            ? !string.IsNullOrEmpty(validated.ClientId)
            : validated.IdentityTokenHintPrincipal is not null);
}
