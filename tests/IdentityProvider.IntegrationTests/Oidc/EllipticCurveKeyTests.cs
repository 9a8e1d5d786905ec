using System.IdentityModel.Tokens.Jwt;
using System.Net.Http.Json;
using Duende.IdentityModel.Client;
using IdentityProvider.Testing;

namespace IdentityProvider.IntegrationTests.Oidc;

public sealed class EllipticCurveKeyFixture : TestServerFixture
{
    protected override void Configure(TestServerOptions server)
    {
        server.RelyingParty = true;
        server.Settings["Oidc:Keys:SigningKeyPath"] = TestKeys.EllipticCurveSigningKeyPath;
    }
}

/// <summary>A P-256 signing key: tokens are signed ES256 and a real relying party checks them against the key set.</summary>
public sealed class EllipticCurveKeyTests(EllipticCurveKeyFixture fixture) : IClassFixture<EllipticCurveKeyFixture>
{
    [Fact]
    public async Task AP256SigningKey_SignsTokensES256_WhichTheRelyingPartyVerifiesAgainstThePublishedKey()
    {
        var user = await TestData.CreateUserAsync(fixture.Idp);
        using var browser = fixture.Rp.CreateBrowser();

        // ASP.NET Core's OpenID Connect handler refuses an ID token whose signature the published key set does not verify.
        using var loginPage = await browser.GetAsync(new Uri("login", UriKind.Relative));
        using var landed = await HtmlForms.SignInAsync(browser, loginPage, user.UserName!, TestData.Password);
        Assert.True(landed.IsSuccessStatusCode, await landed.Content.ReadAsStringAsync());
        var session = (await landed.Content.ReadFromJsonAsync<RelyingPartySession>())!;
        Assert.Equal(user.Id, session.Claim("sub"));

        var idToken = new JwtSecurityTokenHandler().ReadJwtToken(session.IdToken);
        var accessToken = new JwtSecurityTokenHandler().ReadJwtToken(session.AccessToken);
        Assert.Equal("ES256", idToken.Header.Alg);
        Assert.Equal("ES256", accessToken.Header.Alg);

        using var http = new HttpClient();
        var discovery = await http.GetDiscoveryDocumentAsync(new DiscoveryDocumentRequest
        {
            Address = fixture.Idp.BaseAddress.ToString(),
            Policy = { RequireHttps = false },
        });
        Assert.False(discovery.IsError, discovery.Error);
        Assert.Equal(["ES256"], discovery.TryGetStringArray("id_token_signing_alg_values_supported"));
        var key = Assert.Single(discovery.KeySet!.Keys);
        Assert.Equal(("EC", "P-256", idToken.Header.Kid), (key.Kty, key.Crv, key.Kid));
    }

    [Fact]
    public async Task AnEllipticCurveEncryptionKey_IsRefusedAtStart_WithWhatToUseInstead()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await using var host = await IdentityProviderHost.StartAsync(fixture.Database, new Dictionary<string, string?>
            {
                ["Oidc:Keys:EncryptionKeyPath"] = TestKeys.EllipticCurveSigningKeyPath,
            });
        });

        Assert.Contains("encryption key must be RSA", error.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> WeakOrMislabelledKeys => new()
    {
        { "p384.pem", "P-256" },
        { "p384-certificate.pem", "P-256" },
        { "rsa1024.pem", "at least 2048 bits" },
    };

    [Theory]
    [MemberData(nameof(WeakOrMislabelledKeys))]
    public async Task ASigningKeyOnAnotherCurveOrTooShort_IsRefusedAtStart(string file, string expected)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("idp-keys-").FullName, file);
        switch (file)
        {
            case "p384.pem":
                using (var p384 = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP384))
                {
                    await File.WriteAllTextAsync(path, p384.ExportPkcs8PrivateKeyPem());
                }

                break;
            case "p384-certificate.pem":
                using (var p384 = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP384))
                {
                    var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=tokens", p384, System.Security.Cryptography.HashAlgorithmName.SHA384);
                    using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
                    await File.WriteAllTextAsync(path, certificate.ExportCertificatePem() + "\n" + p384.ExportPkcs8PrivateKeyPem());
                }

                break;
            default:
                using (var rsa = System.Security.Cryptography.RSA.Create(1024))
                {
                    await File.WriteAllTextAsync(path, rsa.ExportPkcs8PrivateKeyPem());
                }

                break;
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await using var host = await IdentityProviderHost.StartAsync(fixture.Database, new Dictionary<string, string?>
            {
                ["Oidc:Keys:SigningKeyPath"] = path,
            });
        });

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
