using IdentityProvider.Data;
using IdentityProvider.Oidc;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdentityProvider.Demo;

/// <summary>Creates the demo organisation of the embedded default. Safe to run at every start.</summary>
internal sealed partial class DemoSeeder(
    UserManager<ApplicationUser> users,
    RoleManager<IdentityRole> roles,
    IOpenIddictApplicationManager applications,
    IOpenIddictScopeManager scopes,
    IOptions<DemoOptions> options,
    TimeProvider time,
    ILogger<DemoSeeder> logger)
{
    public const string AdministratorRole = "Administrator";
    public const string SpaClientId = "demo-spa";
    public const string PartnerClientId = "demo-partner";
    public const string ServiceClientId = "demo-service";
    public const string ApiScope = "api";
    public const string ApiResource = "demo-api";

    public async Task SeedAsync(CancellationToken cancellationToken = default)
    {
        var demo = options.Value;
        foreach (var role in new[] { AdministratorRole, "Helpdesk", "Auditor" })
        {
            if (!await roles.RoleExistsAsync(role))
            {
                Check(await roles.CreateAsync(new IdentityRole(role)));
            }
        }

        await EnsureUserAsync("admin", "admin@example.org", "Ada", "Admin", demo.AdminPassword, AdministratorRole);
        await EnsureUserAsync("demo", "demo@example.org", "Dana", "Demo", demo.UserPassword, role: null);

        if (await scopes.FindByNameAsync(ApiScope, cancellationToken) is null)
        {
            await scopes.CreateAsync(new OpenIddictScopeDescriptor
            {
                Name = ApiScope,
                DisplayName = "Use the demo API on your behalf",
                Resources = { ApiResource },
            }, cancellationToken);
        }

        var origin = demo.PublicOrigin.GetLeftPart(UriPartial.Authority);
        await EnsureClientAsync(new OpenIddictApplicationDescriptor
        {
            ClientId = SpaClientId,
            DisplayName = "Demo app",
            ClientType = ClientTypes.Public,
            ConsentType = ConsentTypes.Implicit,
            RedirectUris = { new Uri($"{origin}/demo"), new Uri("http://localhost:8400/callback") },
            PostLogoutRedirectUris = { new Uri($"{origin}/demo"), new Uri("http://localhost:8400/") },
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
        }.WithCodeFlowPermissions(ApiScope), cancellationToken);

        await EnsureClientAsync(new OpenIddictApplicationDescriptor
        {
            ClientId = PartnerClientId,
            DisplayName = "Partner app (asks for consent)",
            ClientType = ClientTypes.Public,
            ConsentType = ConsentTypes.Explicit,
            RedirectUris = { new Uri($"{origin}/demo") },
            PostLogoutRedirectUris = { new Uri($"{origin}/demo") },
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
        }.WithCodeFlowPermissions(ApiScope), cancellationToken);

        await EnsureClientAsync(new OpenIddictApplicationDescriptor
        {
            ClientId = ServiceClientId,
            ClientSecret = demo.ServiceClientSecret,
            DisplayName = "Demo service",
            ClientType = ClientTypes.Confidential,
            Permissions =
            {
                Permissions.Endpoints.Token,
                Permissions.Endpoints.Introspection,
                Permissions.Endpoints.Revocation,
                Permissions.GrantTypes.ClientCredentials,
                Permissions.Prefixes.Scope + ApiScope,
            },
        }, cancellationToken);

        LogSeeded(logger);
    }

    private async Task EnsureUserAsync(string userName, string email, string givenName, string familyName, string password, string? role)
    {
        if (await users.FindByNameAsync(userName) is not null)
        {
            return;
        }

        var user = new ApplicationUser
        {
            UserName = userName,
            Email = email,
            EmailConfirmed = true,
            GivenName = givenName,
            FamilyName = familyName,
            CreatedAt = time.GetUtcNow(),
        };
        Check(await users.CreateAsync(user, password));
        if (role is not null)
        {
            Check(await users.AddToRoleAsync(user, role));
        }
    }

    private async Task EnsureClientAsync(OpenIddictApplicationDescriptor descriptor, CancellationToken cancellationToken)
    {
        if (await applications.FindByClientIdAsync(descriptor.ClientId!, cancellationToken) is null)
        {
            await applications.CreateAsync(descriptor, cancellationToken);
        }
    }

    private static void Check(IdentityResult result)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException("Seeding the demo organisation failed: " + string.Join(" ", result.Errors.Select(e => e.Description)));
        }
    }

    [LoggerMessage(EventId = 9000, Level = LogLevel.Information, Message = "Demo organisation is in place.")]
    private static partial void LogSeeded(ILogger logger);
}
