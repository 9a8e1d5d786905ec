using System.Net;
using Duende.IdentityModel.Client;
using IdentityProvider.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace IdentityProvider.IntegrationTests.Oidc;

/// <summary>
/// Discovery and the key set are kept in memory and served with <c>Cache-Control: public, max-age</c> and an
/// <c>ETag</c>: apps revalidate with <c>If-None-Match</c> and get a 304, and the kept key set still validates tokens.
/// </summary>
public sealed class ProtocolDocumentTests(OidcFixture fixture) : IClassFixture<OidcFixture>
{
    [Theory]
    [InlineData(".well-known/openid-configuration")]
    [InlineData(".well-known/jwks")]
    public async Task TheDocument_CarriesAMaxAgeAndAnETag_AndARevalidationGetsA304WithoutABody(string path)
    {
        using var http = new HttpClient { BaseAddress = fixture.Idp.BaseAddress };

        using var first = await http.GetAsync(new Uri(path, UriKind.Relative));
        var body = await first.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("public, max-age=900", first.Headers.CacheControl?.ToString());
        var etag = first.Headers.ETag;
        Assert.NotNull(etag);
        Assert.False(etag.IsWeak);
        Assert.StartsWith("application/json", first.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);

        using var revalidation = new HttpRequestMessage(HttpMethod.Get, path);
        revalidation.Headers.IfNoneMatch.Add(etag);
        using var notModified = await http.SendAsync(revalidation);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());
        Assert.Equal(etag, notModified.Headers.ETag);

        using var stale = new HttpRequestMessage(HttpMethod.Get, path);
        stale.Headers.IfNoneMatch.Add(new System.Net.Http.Headers.EntityTagHeaderValue("\"an-older-version\""));
        using var again = await http.SendAsync(stale);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(body, await again.Content.ReadAsStringAsync());
        Assert.Equal(etag, again.Headers.ETag);
    }

    [Fact]
    public async Task TheKeptKeySet_ValidatesTheTokensTheServerSigns()
    {
        await TestData.RegisterApiScopeAsync(fixture.Idp, "docs", "docs-api");
        await TestData.RegisterServiceClientAsync(fixture.Idp, "svc-docs", "svc-docs-secret-0123456789", "docs");
        using var http = new HttpClient { BaseAddress = fixture.Idp.BaseAddress };
        (await http.GetAsync(new Uri(".well-known/jwks", UriKind.Relative))).Dispose();

        var token = await http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = new Uri(fixture.Idp.BaseAddress, "connect/token").ToString(),
            ClientId = "svc-docs",
            ClientSecret = "svc-docs-secret-0123456789",
            Scope = "docs",
        });
        Assert.False(token.IsError, token.Error);
        var keys = new JsonWebKeySet(await http.GetStringAsync(new Uri(".well-known/jwks", UriKind.Relative)));

        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token.AccessToken, new TokenValidationParameters
        {
            ValidIssuer = fixture.Idp.BaseAddress.ToString(),
            ValidAudience = "docs-api",
            IssuerSigningKeys = keys.GetSigningKeys(),
        });
        Assert.True(result.IsValid, result.Exception?.Message);
    }

    [Fact]
    public async Task ManyMadeUpHosts_AreStillServed_AndTheDocumentNamesTheConfiguredIssuer()
    {
        using var http = new HttpClient { BaseAddress = fixture.Idp.BaseAddress };
        for (var i = 0; i < IdentityProvider.Oidc.ProtocolDocuments.MaxEntries + 4; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, ".well-known/openid-configuration");
            request.Headers.Host = $"made-up-{i}.example";
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.NotNull(response.Headers.ETag);
            Assert.Contains($"\"issuer\": \"{fixture.Idp.BaseAddress}\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }
}
