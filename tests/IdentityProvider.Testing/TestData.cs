using IdentityProvider.Data;
using IdentityProvider.Oidc;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdentityProvider.Testing;

/// <summary>Users and client applications created through the server's own managers.</summary>
public static class TestData
{
    public const string Password = "Correct-Horse-Battery-9";

    public static async Task<ApplicationUser> CreateUserAsync(IdentityProviderHost host, string? userName = null, string password = Password)
    {
        ArgumentNullException.ThrowIfNull(host);
        userName ??= "user" + Guid.NewGuid().ToString("N")[..10];
        await using var scope = host.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var user = new ApplicationUser
        {
            UserName = userName,
            Email = userName + "@example.org",
            EmailConfirmed = true,
            GivenName = "Test",
            FamilyName = userName,
            CreatedAt = DateTimeOffset.UtcNow,
        };
        var result = await users.CreateAsync(user, password);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(string.Join(" ", result.Errors.Select(e => e.Description)));
        }

        return user;
    }

    /// <summary>Runs <paramref name="change"/> on the stored user and saves it through the user manager.</summary>
    public static async Task UpdateUserAsync(IdentityProviderHost host, string userId, Func<UserManager<ApplicationUser>, ApplicationUser, Task> change)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(change);
        await using var scope = host.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var user = await users.FindByIdAsync(userId) ?? throw new InvalidOperationException("No such user.");
        await change(users, user);
    }

    public static async Task RegisterClientAsync(
        IdentityProviderHost host,
        string clientId,
        Uri redirectUri,
        Uri? postLogoutRedirectUri = null,
        string? secret = null,
        string consentType = ConsentTypes.Implicit,
        params Uri[] moreRedirectUris)
    {
        ArgumentNullException.ThrowIfNull(host);
        await using var scope = host.CreateScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = clientId,
            ClientSecret = secret,
            ClientType = secret is null ? ClientTypes.Public : ClientTypes.Confidential,
            ConsentType = consentType,
            DisplayName = "Test app " + clientId,
            RedirectUris = { redirectUri },
        }.WithCodeFlowPermissions();
        if (postLogoutRedirectUri is not null)
        {
            descriptor.PostLogoutRedirectUris.Add(postLogoutRedirectUri);
        }

        descriptor.RedirectUris.UnionWith(moreRedirectUris);

        if (secret is null)
        {
            descriptor.Requirements.Add(Requirements.Features.ProofKeyForCodeExchange);
        }
        else
        {
            descriptor.Permissions.Add(Permissions.Endpoints.Introspection);
        }

        await applications.CreateAsync(descriptor);
    }

    public static async Task RegisterServiceClientAsync(IdentityProviderHost host, string clientId, string secret, params string[] scopes)
    {
        ArgumentNullException.ThrowIfNull(host);
        await using var scope = host.CreateScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = clientId,
            ClientSecret = secret,
            ClientType = ClientTypes.Confidential,
            DisplayName = "Service " + clientId,
            Permissions = { Permissions.Endpoints.Token, Permissions.Endpoints.Introspection, Permissions.Endpoints.Revocation, Permissions.GrantTypes.ClientCredentials },
        };
        foreach (var item in scopes)
        {
            descriptor.Permissions.Add(Permissions.Prefixes.Scope + item);
        }

        await applications.CreateAsync(descriptor);
    }

    public static async Task RegisterApiScopeAsync(IdentityProviderHost host, string name, string resource)
    {
        ArgumentNullException.ThrowIfNull(host);
        await using var scope = host.CreateScope();
        var scopes = scope.ServiceProvider.GetRequiredService<IOpenIddictScopeManager>();
        if (await scopes.FindByNameAsync(name) is null)
        {
            await scopes.CreateAsync(new OpenIddictScopeDescriptor { Name = name, DisplayName = name, Resources = { resource } });
        }
    }
}
