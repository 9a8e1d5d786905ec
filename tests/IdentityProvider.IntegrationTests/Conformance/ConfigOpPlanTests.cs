using Microsoft.IdentityModel.Tokens;

namespace IdentityProvider.IntegrationTests.Conformance;

/// <summary>The OpenID Foundation's Config OP certification plan (<c>oidcc-config-certification-test-plan</c>): its one module.</summary>
public sealed class ConfigOpPlanTests(ConformanceFixture fixture) : IClassFixture<ConformanceFixture>
{
    /// <summary>
    /// What <c>oidcc-discovery-endpoint-verification</c> checks, except that every endpoint is https: the test server
    /// runs on plain HTTP, and a deployment sets <c>Oidc:Issuer</c> to its https address (Production refuses plain HTTP).
    /// </summary>
    [Fact]
    public async Task OidccDiscoveryEndpointVerification_PublishesWhatTheSpecificationsRequire()
    {
        var disco = await fixture.Client().DiscoverAsync();

        Assert.Equal(fixture.Idp.BaseAddress.ToString(), disco.Issuer);
        foreach (var endpoint in new[] { disco.AuthorizeEndpoint, disco.TokenEndpoint, disco.UserInfoEndpoint, disco.JwksUri, disco.EndSessionEndpoint })
        {
            Assert.StartsWith(disco.Issuer!, endpoint, StringComparison.Ordinal);
        }

        Assert.Contains("openid", disco.ScopesSupported);
        Assert.Contains("code", disco.ResponseTypesSupported);
        Assert.Contains("public", disco.SubjectTypesSupported);
        Assert.Contains("RS256", disco.TryGetStringArray("id_token_signing_alg_values_supported"));
        Assert.Contains("client_secret_basic", disco.TokenEndpointAuthenticationMethodsSupported);
        Assert.Contains("authorization_code", disco.GrantTypesSupported);
        Assert.True(disco.TryGetBoolean("claims_parameter_supported"));
        foreach (var claim in new[] { "sub", "name", "email", "phone_number", "updated_at", "acr", "amr", "auth_time", "sid" })
        {
            Assert.Contains(claim, disco.ClaimsSupported);
        }

        var keys = new JsonWebKeySet(disco.KeySet!.RawData).Keys;
        Assert.NotEmpty(keys);
        Assert.All(keys, key =>
        {
            Assert.Equal("RSA", key.Kty);
            Assert.False(string.IsNullOrEmpty(key.Kid));
            Assert.False(key.HasPrivateKey);
            Assert.True(Base64UrlEncoder.DecodeBytes(key.N).Length * 8 >= 2048);
        });
        Assert.Equal(keys.Count, keys.Select(k => k.Kid).Distinct().Count());
    }
}
