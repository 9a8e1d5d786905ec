using System.Security.Claims;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace IdentityProvider.Oidc;

/// <summary>
/// Identity tokens carry no framework-internal claims: OpenIddict writes its authorization id (<c>oi_au_id</c>) and
/// token id (<c>oi_tkn_id</c>) into them. The authorization id is dropped; the token id travels as the standard
/// <c>jti</c>, and <see cref="IdentityTokenHintId"/> reads it back when the token returns as an <c>id_token_hint</c>,
/// so a revoked identity token is still refused as a hint.
/// </summary>
internal sealed class IdentityTokenClaims : IOpenIddictServerHandler<GenerateTokenContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<GenerateTokenContext>()
            .UseSingletonHandler<IdentityTokenClaims>()
            .SetOrder(OpenIddictServerHandlers.Protection.AttachTokenMetadata.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(GenerateTokenContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.TokenType != TokenTypeIdentifiers.IdentityToken || context.SecurityTokenDescriptor.Subject is not { } subject)
        {
            return ValueTask.CompletedTask;
        }

        if (subject.FindFirst(Claims.Private.TokenId) is { } tokenId)
        {
            var claims = new Dictionary<string, object>(context.SecurityTokenDescriptor.Claims ?? new Dictionary<string, object>(), StringComparer.Ordinal)
            {
                [Claims.JwtId] = tokenId.Value,
            };
            context.SecurityTokenDescriptor.Claims = claims;
        }

        foreach (var claim in subject.Claims.Where(c => c.Type.StartsWith("oi_", StringComparison.Ordinal)).ToList())
        {
            subject.RemoveClaim(claim);
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>An identity token sent back (as <c>id_token_hint</c>) names its token entry by <c>jti</c>: see <see cref="IdentityTokenClaims"/>.</summary>
internal sealed class IdentityTokenHintId : IOpenIddictServerHandler<ValidateTokenContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
            .UseSingletonHandler<IdentityTokenHintId>()
            .SetOrder(OpenIddictServerHandlers.Protection.MapInternalClaims.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(ValidateTokenContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Principal is { } principal && context.ValidTokenTypes.Contains(TokenTypeIdentifiers.IdentityToken)
            && !principal.HasClaim(c => c.Type == Claims.Private.TokenId) && principal.GetClaim(Claims.JwtId) is { } id)
        {
            principal.SetClaim(Claims.Private.TokenId, id);
        }

        return ValueTask.CompletedTask;
    }
}
