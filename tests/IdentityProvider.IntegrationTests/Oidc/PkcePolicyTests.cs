using IdentityProvider.Admin.Clients;
using IdentityProvider.Oidc;
using IdentityProvider.Testing;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdentityProvider.IntegrationTests.Oidc;

/// <summary>PKCE per client: always for public apps; for confidential apps as their setting says (required by default).</summary>
public sealed class PkcePolicyTests(OidcFixture fixture) : IClassFixture<OidcFixture>
{
    [Fact]
    public async Task AConfidentialAppWithTheDefaultSetting_MustSendAChallenge()
    {
        var secret = await RegisterAsync("pkce-default", requirePkce: true);
        var user = await TestData.CreateUserAsync(fixture.Idp);
        var client = new ConformanceClient(fixture.Idp, "pkce-default", secret, new Uri("https://pkce.example/callback"));

        var outcome = await client.AuthorizeAsync(client.Request(), user.UserName);
        var (_, idToken) = await client.CodeFlowAsync(user.UserName, pkce: true);

        Assert.Equal("invalid_request", outcome["error"]);
        Assert.Contains("code_challenge", outcome["error_description"], StringComparison.Ordinal);
        Assert.Equal(user.Id, idToken.Subject);
    }

    [Fact]
    public async Task AConfidentialAppWithPkceTurnedOff_SignsInWithoutAChallenge()
    {
        var secret = await RegisterAsync("pkce-off", requirePkce: false);
        var user = await TestData.CreateUserAsync(fixture.Idp);

        var (_, idToken) = await new ConformanceClient(fixture.Idp, "pkce-off", secret, new Uri("https://pkce.example/callback")).CodeFlowAsync(user.UserName);

        Assert.Equal(user.Id, idToken.Subject);
    }

    [Fact]
    public async Task APublicApp_MustSendAChallenge_EvenIfItsRegistrationLacksTheRequirement()
    {
        await using (var scope = fixture.Idp.CreateScope())
        {
            var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
            await applications.CreateAsync(new OpenIddictApplicationDescriptor
            {
                ClientId = "pkce-public-legacy",
                ClientType = ClientTypes.Public,
                RedirectUris = { new Uri("https://legacy.example/callback") },
            }.WithCodeFlowPermissions());
        }

        var user = await TestData.CreateUserAsync(fixture.Idp);
        var client = new ConformanceClient(fixture.Idp, "pkce-public-legacy", null, new Uri("https://legacy.example/callback"));

        var outcome = await client.AuthorizeAsync(client.Request(), user.UserName);

        Assert.Equal("invalid_request", outcome["error"]);
        Assert.Contains("code_challenge", outcome["error_description"], StringComparison.Ordinal);
    }

    private async Task<string> RegisterAsync(string clientId, bool requirePkce)
    {
        await using var scope = fixture.Idp.CreateScope();
        var (errors, secret) = await scope.ServiceProvider.GetRequiredService<AdminClients>().CreateAsync("test", new ClientInput
        {
            ClientId = clientId, Type = ClientTypes.Confidential, RedirectUris = ["https://pkce.example/callback"], RequirePkce = requirePkce,
        });
        Assert.Null(errors);
        return secret!;
    }
}
