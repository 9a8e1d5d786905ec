using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdentityProvider.Oidc;

/// <summary>The permissions every code-flow client needs.</summary>
public static class ClientDescriptorExtensions
{
    /// <summary>Adds the endpoints, grants and standard scopes of an authorization code + refresh token client.</summary>
    public static OpenIddictApplicationDescriptor WithCodeFlowPermissions(this OpenIddictApplicationDescriptor descriptor, params string[] apiScopes)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        descriptor.Permissions.UnionWith(
        [
            Permissions.Endpoints.Authorization,
            Permissions.Endpoints.Token,
            Permissions.Endpoints.EndSession,
            Permissions.Endpoints.Revocation,
            Permissions.GrantTypes.AuthorizationCode,
            Permissions.GrantTypes.RefreshToken,
            Permissions.ResponseTypes.Code,
            Permissions.Scopes.Profile,
            Permissions.Scopes.Email,
            Permissions.Scopes.Phone,
            Permissions.Prefixes.Scope + Scopes.OfflineAccess,
            Permissions.Prefixes.Scope + CustomScopes.Roles,
        ]);
        foreach (var scope in apiScopes)
        {
            descriptor.Permissions.Add(Permissions.Prefixes.Scope + scope);
        }

        return descriptor;
    }
}
