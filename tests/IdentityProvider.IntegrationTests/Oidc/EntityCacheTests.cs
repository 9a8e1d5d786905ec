using System.IdentityModel.Tokens.Jwt;
using System.Net;
using Duende.IdentityModel.Client;
using IdentityProvider.Admin.Clients;
using IdentityProvider.Testing;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;

namespace IdentityProvider.IntegrationTests.Oidc;

/// <summary>Two nodes on one database, one clock the tests move.</summary>
public sealed class EntityCacheFixture : TestServerFixture
{
    protected override void Configure(TestServerOptions server)
    {
        server.Nodes = 2;
        server.FakeClock = true;
    }
}

/// <summary>
/// Each node keeps apps and API scopes for <c>Oidc:EntityCacheDuration</c> (30 s by default): a change applies at once on
/// the node that made it and on every other node once that time has passed; a revoked token stays revoked everywhere.
/// </summary>
public sealed class EntityCacheTests(EntityCacheFixture fixture) : IClassFixture<EntityCacheFixture>
{
    private static readonly TimeSpan PastTheCache = TimeSpan.FromSeconds(31);

    [Fact]
    public async Task ARotatedSecret_IsRefusedAtOnceWhereItWasRotated_AndOnEveryOtherNodeWithinTheCacheDuration()
    {
        var (clientId, oldSecret) = await CreateServiceAppAsync("rotate");
        Assert.False((await TokenAsync(fixture.NodeA, clientId, oldSecret)).IsError);
        Assert.False((await TokenAsync(fixture.NodeB, clientId, oldSecret)).IsError);

        string newSecret;
        await using (var scope = fixture.NodeB.CreateScope())
        {
            newSecret = (await scope.ServiceProvider.GetRequiredService<AdminClients>().RotateSecretAsync("test", clientId))!;
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await TokenAsync(fixture.NodeB, clientId, oldSecret)).HttpStatusCode);
        Assert.False((await TokenAsync(fixture.NodeB, clientId, newSecret)).IsError);

        fixture.Clock.Advance(PastTheCache);
        Assert.Equal(HttpStatusCode.Unauthorized, (await TokenAsync(fixture.NodeA, clientId, oldSecret)).HttpStatusCode);
        Assert.False((await TokenAsync(fixture.NodeA, clientId, newSecret)).IsError);
    }

    [Fact]
    public async Task AScopeWithdrawnFromAnApp_IsRefusedOnEveryNode_OnceTheCacheDurationHasPassed()
    {
        var (clientId, secret) = await CreateServiceAppAsync("withdraw");
        Assert.False((await TokenAsync(fixture.NodeA, clientId, secret)).IsError);

        await using (var scope = fixture.NodeB.CreateScope())
        {
            var clients = scope.ServiceProvider.GetRequiredService<AdminClients>();
            var app = (await clients.GetAsync(clientId))!;
            app.Scopes.Clear();
            app.Scopes.Add("cache-other");
            Assert.Null(await clients.UpdateAsync("test", clientId, app));
        }

        Assert.NotNull((await TokenAsync(fixture.NodeB, clientId, secret)).Error);
        fixture.Clock.Advance(PastTheCache);
        Assert.NotNull((await TokenAsync(fixture.NodeA, clientId, secret)).Error);
        Assert.False((await TokenAsync(fixture.NodeA, clientId, secret, "cache-other")).IsError);
    }

    [Fact]
    public async Task AnApiScopesNewAudience_ReachesTheTokensOfEveryNode_OnceTheCacheDurationHasPassed()
    {
        var (clientId, secret) = await CreateServiceAppAsync("audience");
        Assert.Contains("cache-api", Audiences(await TokenAsync(fixture.NodeA, clientId, secret)));

        await SetResourceAsync(fixture.NodeB, "cache-test", "cache-api-v2");

        Assert.Contains("cache-api-v2", Audiences(await TokenAsync(fixture.NodeB, clientId, secret)));
        fixture.Clock.Advance(PastTheCache);
        Assert.Contains("cache-api-v2", Audiences(await TokenAsync(fixture.NodeA, clientId, secret)));

        // Back as the other tests expect it.
        await SetResourceAsync(fixture.NodeB, "cache-test", "cache-api");

        fixture.Clock.Advance(PastTheCache);
    }

    [Fact]
    public async Task ATokenRevokedOnOneNode_IsRefusedByTheOther()
    {
        // A service of the admin API: its token works on both nodes until it is revoked on one of them.
        const string clientId = "cache-revoke", secret = "cache-revoke-secret-0123456789";
        await TestData.RegisterServiceClientAsync(fixture.NodeA, clientId, secret, "admin.audit");
        var token = await TokenAsync(fixture.NodeA, clientId, secret, "admin.audit");
        Assert.False(token.IsError, token.Error);
        Assert.Equal(HttpStatusCode.OK, await AuditApiAsync(fixture.NodeA, token.AccessToken!));

        // Revoked on node B, as the admin's "revoke sessions" does: through OpenIddict's token manager.
        var tokenId = new JwtSecurityTokenHandler().ReadJwtToken(token.AccessToken).Claims.Single(c => c.Type == "oi_tkn_id").Value;
        await using (var scope = fixture.NodeB.CreateScope())
        {
            var tokens = scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>();
            Assert.True(await tokens.TryRevokeAsync((await tokens.FindByIdAsync(tokenId))!));
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await AuditApiAsync(fixture.NodeA, token.AccessToken!));
        Assert.Equal(HttpStatusCode.Unauthorized, await AuditApiAsync(fixture.NodeB, token.AccessToken!));
    }

    private static async Task SetResourceAsync(IdentityProviderHost node, string name, string resource)
    {
        await using var scope = node.CreateScope();
        var scopes = scope.ServiceProvider.GetRequiredService<IOpenIddictScopeManager>();
        var api = (await scopes.FindByNameAsync(name))!;
        var descriptor = new OpenIddictScopeDescriptor();
        await scopes.PopulateAsync(descriptor, api);
        descriptor.Resources.Clear();
        descriptor.Resources.Add(resource);
        await scopes.UpdateAsync(api, descriptor);
    }

    private static async Task<HttpStatusCode> AuditApiAsync(IdentityProviderHost node, string accessToken)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(node.BaseAddress, "api/v1/audit?pageSize=1"));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", accessToken);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    private async Task<(string ClientId, string Secret)> CreateServiceAppAsync(string name)
    {
        await TestData.RegisterApiScopeAsync(fixture.NodeA, "cache-test", "cache-api");
        await TestData.RegisterApiScopeAsync(fixture.NodeA, "cache-other", "cache-other-api");
        await using var scope = fixture.NodeA.CreateScope();
        var clientId = "cache-" + name;
        var (errors, secret) = await scope.ServiceProvider.GetRequiredService<AdminClients>().CreateAsync("test", new ClientInput
        {
            ClientId = clientId, Type = "confidential", CodeFlow = false, ClientCredentials = true, Scopes = ["cache-test", "cache-other"],
        });
        Assert.Null(errors);
        return (clientId, secret!);
    }

    private static async Task<TokenResponse> TokenAsync(IdentityProviderHost node, string clientId, string secret, string scope = "cache-test")
    {
        using var http = new HttpClient();
        return await http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = new Uri(node.BaseAddress, "connect/token").ToString(), ClientId = clientId, ClientSecret = secret, Scope = scope,
        });
    }

    private static IEnumerable<string> Audiences(TokenResponse response)
    {
        Assert.False(response.IsError, response.Error);
        return new JwtSecurityTokenHandler().ReadJwtToken(response.AccessToken).Audiences;
    }
}
