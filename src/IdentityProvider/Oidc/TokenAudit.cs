using IdentityProvider.Audit;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace IdentityProvider.Oidc;

/// <summary>
/// Audit events of the protocol endpoints: an authorization code issued, tokens issued at the token endpoint (a code or
/// a refresh token redeemed, client credentials), and every refused token request, client authentication failures
/// apart. The acting party is the client (<c>client &lt;client_id&gt;</c>); the account is the token's subject. No token,
/// code or secret is recorded.
/// </summary>
internal sealed class TokenAudit(AuditLog audit) : IOpenIddictServerHandler<ProcessSignInContext>, IOpenIddictServerHandler<ApplyTokenResponseContext>
{
    /// <summary>
    /// After OpenIddict's handlers that generate the tokens and attach them, before those that write the response (order
    /// 500,000, which end the sign-in), so only what is really issued is recorded.
    /// </summary>
    public static OpenIddictServerHandlerDescriptor SignIn { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessSignInContext>()
        .UseScopedHandler<TokenAudit>().SetOrder(400_000).SetType(OpenIddictServerHandlerType.Custom).Build();

    /// <summary>
    /// After OpenIddict's own normalisation of token errors (order <c>int.MinValue + 100,000</c>, which turns
    /// <c>invalid_token</c> into <c>invalid_grant</c>), so the audit records the error the client received.
    /// </summary>
    public static OpenIddictServerHandlerDescriptor TokenResponse { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyTokenResponseContext>()
        .UseScopedHandler<TokenAudit>().SetOrder(int.MinValue + 200_000).SetType(OpenIddictServerHandlerType.Custom).Build();

    public async ValueTask HandleAsync(ProcessSignInContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.IsRejected || context.EndpointType is not (OpenIddictServerEndpointType.Authorization or OpenIddictServerEndpointType.Token))
        {
            return;
        }

        var client = Client(context.Request?.ClientId);
        if (context.EndpointType == OpenIddictServerEndpointType.Authorization)
        {
            audit.Add(AuditEventTypes.AuthorizationCodeIssued, context.Principal?.GetClaim(Claims.Subject), AuditLog.Success, client);
        }
        else if (context.Request?.IsClientCredentialsGrantType() == true)
        {
            audit.Add(AuditEventTypes.TokenIssued, null, AuditLog.Success, GrantTypes.ClientCredentials, actorId: client);
        }
        else
        {
            audit.Add(AuditEventTypes.TokenIssued, context.Principal?.GetClaim(Claims.Subject), AuditLog.Success, context.Request?.GrantType, actorId: client);
        }

        await audit.SaveAsync(context.CancellationToken);
    }

    public async ValueTask HandleAsync(ApplyTokenResponseContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Response.Error is not { } error)
        {
            return;
        }

        var type = error == Errors.InvalidClient ? AuditEventTypes.ClientAuthenticationFailed : AuditEventTypes.TokenRefused;
        audit.Add(type, null, AuditLog.Failure, $"{error} {context.Request?.GrantType}".TrimEnd(), actorId: Client(context.Request?.ClientId));
        await audit.SaveAsync(context.CancellationToken);
    }

    private static string? Client(string? clientId) => string.IsNullOrEmpty(clientId) ? null : "client " + (clientId.Length > 200 ? clientId[..200] : clientId);
}
