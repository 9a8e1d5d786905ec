using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Duende.IdentityModel.Client;
using IdentityProvider.Audit;
using IdentityProvider.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace IdentityProvider.IntegrationTests.Oidc;

public sealed class KeyRotationFixture : TestServerFixture
{
    public const string ApiAudience = "rotation-api";
    public const string ServiceClient = "svc-rotation";
    public const string ServiceSecret = "svc-rotation-secret-0123456789";
    public const string App = "app-rotation";
    public const string AppSecret = "app-rotation-secret-0123456789";
    public static readonly Uri AppRedirect = new("http://127.0.0.1:1/rotation-callback");

    /// <summary>Seconds a new key is published before it signs; the test waits for it, so it is short.</summary>
    public const int LeadSeconds = 4;

    public string SigningFolder { get; } = Directory.CreateTempSubdirectory("idp-signing-keys-").FullName;

    public string EncryptionFolder { get; } = Directory.CreateTempSubdirectory("idp-encryption-keys-").FullName;

    /// <summary>Writes a new RSA key into a folder the way an operator does (a temporary name, then a rename) and returns its kid.</summary>
    public static string AddKey(string folder, string name)
    {
        using var rsa = RSA.Create(2048);
        var path = Path.Combine(folder, name);
        File.WriteAllText(path + ".tmp", rsa.ExportPkcs8PrivateKeyPem());
        File.Move(path + ".tmp", path);
        return Base64UrlEncoder.Encode(new RsaSecurityKey(rsa.ExportParameters(false)).ComputeJwkThumbprint());
    }

    protected override void Configure(TestServerOptions server)
    {
        server.Nodes = 2;
        SigningKeyA = AddKey(SigningFolder, "a.pem");
        EncryptionKeyA = AddKey(EncryptionFolder, "a.pem");
        server.Settings["Oidc:Keys:SigningKeyPath"] = string.Empty;
        server.Settings["Oidc:Keys:EncryptionKeyPath"] = string.Empty;
        server.Settings["Oidc:Keys:SigningKeysDirectory"] = SigningFolder;
        server.Settings["Oidc:Keys:EncryptionKeysDirectory"] = EncryptionFolder;
        server.Settings["Oidc:Keys:KeysDirectoryPollInterval"] = "00:00:01";
        server.Settings["Oidc:Keys:RotationLeadTime"] = TimeSpan.FromSeconds(LeadSeconds).ToString();
        server.Settings["Oidc:DocumentMaxAge"] = "00:00:00";
    }

    public string SigningKeyA { get; private set; } = string.Empty;

    public string EncryptionKeyA { get; private set; } = string.Empty;

    protected override async Task StartedAsync()
    {
        await TestData.RegisterApiScopeAsync(Idp, "rotation", ApiAudience);
        await TestData.RegisterServiceClientAsync(Idp, ServiceClient, ServiceSecret, "rotation");
        await TestData.RegisterClientAsync(Idp, App, AppRedirect, secret: AppSecret);
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        await base.DisposeAsyncCore();
        Directory.Delete(SigningFolder, recursive: true);
        Directory.Delete(EncryptionFolder, recursive: true);
    }
}

/// <summary>
/// Keys roll over under two running nodes: a new key is published before it signs, an API validating through the key
/// set keeps accepting every token, the server keeps accepting its own older tokens, and the old key leaves when its file
/// does. No restart, no failed token request.
/// </summary>
public sealed class KeyRotationTests(KeyRotationFixture fixture) : IClassFixture<KeyRotationFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    // One clock for the token answers and the key set observations.
    private readonly Stopwatch clock = Stopwatch.StartNew();

    [Fact]
    public async Task ANewKeyIsPublishedBeforeItSigns_TheOldOneKeepsVerifying_AndLeavesWithItsFile_WithNoFailedRequest()
    {
        var nodes = fixture.Nodes;
        using var http = new HttpClient();

        // Before: key A signs on both nodes; a user's tokens (access token for userinfo, refresh token) come from key A.
        var before = await ClientCredentialsTokenAsync(http, nodes[0]);
        Assert.Equal(fixture.SigningKeyA, new JsonWebToken(before).Kid);
        Assert.Equal(fixture.SigningKeyA, new JsonWebToken(await ClientCredentialsTokenAsync(http, nodes[1])).Kid);
        var user = await UserTokensAsync(nodes[0]);
        Assert.Equal(fixture.SigningKeyA, new JsonWebToken(user.AccessToken).Kid);
        Assert.Equal(fixture.EncryptionKeyA, new JsonWebToken(user.RefreshToken).Kid); // a JWE names the key it is encrypted for
        await AssertValidAtApiAsync(await FetchKeySetAsync(), before);

        // Hammer the token endpoint of both nodes through the whole rotation.
        var answers = new ConcurrentQueue<(TimeSpan At, int Node, HttpStatusCode Status, string? Kid, DateTime IssuedAt)>();
        using var stop = new CancellationTokenSource();
        var hammer = Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var node = i % nodes.Count;
                using var response = await http.PostAsync(new Uri(nodes[node].BaseAddress, "connect/token"), ClientCredentialsForm());
                var body = await response.Content.ReadAsStringAsync();
                var token = response.IsSuccessStatusCode ? new JsonWebToken(JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()) : null;
                answers.Enqueue((clock.Elapsed, node, response.StatusCode, token?.Kid ?? body, token?.IssuedAt ?? default));
            }
        });

        // Key B arrives (signing and encryption, as a Kubernetes Secret update brings both).
        var signingKeyB = KeyRotationFixture.AddKey(fixture.SigningFolder, "b.pem");
        var encryptionKeyB = KeyRotationFixture.AddKey(fixture.EncryptionFolder, "b.pem");

        // B is in the key set of every node...
        var publishedAt = await UntilAsync(() => EveryNodePublishesAsync(http, signingKeyB, true));
        // ...and an API fetches the key set now, once, and keeps it: it must verify whatever is signed from now on.
        var keptByApi = await FetchKeySetAsync();
        Assert.Contains(keptByApi.SigningKeys, k => k.KeyId == signingKeyB);

        // B signs on every node once it has been published for the lead time; A signed meanwhile.
        await UntilAsync(() => Task.FromResult(answers.Where(a => a.Kid == signingKeyB).Select(a => a.Node).Distinct().Count() == nodes.Count ? clock.Elapsed : (TimeSpan?)null));
        // The first node to see B recorded when (its audit event is written in the same step): no token names B earlier
        // than the lead time after that (iat has whole seconds), and every node published B before the first B token came.
        var firstSignedByB = answers.Where(a => a.Kid == signingKeyB).Min(a => a.At);
        var firstIssuedByB = answers.Where(a => a.Kid == signingKeyB).Min(a => a.IssuedAt);
        var recorded = (await fixture.AuditAsync(null)).Single(e => e.EventType == AuditEventTypes.TokenKeyPublished && e.Reason == "sig " + signingKeyB).Time.UtcDateTime;
        Assert.True(
            firstIssuedByB >= recorded.AddSeconds(KeyRotationFixture.LeadSeconds - 1),
            $"Key B signed a token {(firstIssuedByB - recorded).TotalSeconds:0.0} s after it was published; the lead time is {KeyRotationFixture.LeadSeconds} s.");
        Assert.True(publishedAt < firstSignedByB, $"The first B token came at {firstSignedByB}, before every node published B ({publishedAt}).");
        Assert.Contains(answers, a => a.Kid == fixture.SigningKeyA && a.At > publishedAt);

        // The nodes agree: one poll interval after the first B token, neither node signs with A.
        var settled = firstSignedByB + TimeSpan.FromSeconds(2.5);
        await UntilAsync(() => Task.FromResult(clock.Elapsed > settled + TimeSpan.FromSeconds(0.5) ? clock.Elapsed : (TimeSpan?)null));
        Assert.DoesNotContain(answers, a => a.At > settled && a.Kid != signingKeyB);

        // Every token issued so far verifies with the key set the API fetched when B was published (before B signed).
        var afterSwitch = await ClientCredentialsTokenAsync(http, nodes[1]);
        Assert.Equal(signingKeyB, new JsonWebToken(afterSwitch).Kid);
        await AssertValidAtApiAsync(keptByApi, before);
        await AssertValidAtApiAsync(keptByApi, afterSwitch);

        // The server still accepts its own tokens from before: userinfo (signed by A), introspection, and the refresh token
        // (signed by A, encrypted for A), which comes back encrypted for B. (Each node of the fixture has its own issuer,
        // so a node checks the tokens it issued.)
        using (var userInfo = await http.GetUserInfoAsync(new UserInfoRequest { Address = new Uri(nodes[0].BaseAddress, "connect/userinfo").ToString(), Token = user.AccessToken }))
        {
            Assert.False(userInfo.IsError, userInfo.Error);
        }

        Assert.True((await IntrospectAsync(http, nodes[0], before)).IsActive);
        var refreshed = await http.RequestRefreshTokenAsync(new RefreshTokenRequest
        {
            Address = new Uri(nodes[0].BaseAddress, "connect/token").ToString(),
            ClientId = KeyRotationFixture.App,
            ClientSecret = KeyRotationFixture.AppSecret,
            RefreshToken = user.RefreshToken,
        });
        Assert.False(refreshed.IsError, refreshed.Error);
        Assert.Equal(encryptionKeyB, new JsonWebToken(refreshed.RefreshToken).Kid);
        Assert.Equal(signingKeyB, new JsonWebToken(refreshed.AccessToken).Kid);

        // A's files go: A leaves the key set of every node; B keeps working.
        File.Delete(Path.Combine(fixture.SigningFolder, "a.pem"));
        File.Delete(Path.Combine(fixture.EncryptionFolder, "a.pem"));
        await UntilAsync(() => EveryNodePublishesAsync(http, fixture.SigningKeyA, false));
        await Task.Delay(TimeSpan.FromSeconds(1.5)); // a poll on each node after the key set changed: the encryption folder too

        await stop.CancelAsync();
        await hammer;
        Assert.All(answers, a => Assert.True(a.Status == HttpStatusCode.OK, $"{a.Status} from node {a.Node} at {a.At}: {a.Kid}"));
        Assert.True(answers.Count > 20, $"Only {answers.Count} token requests ran during the rotation.");

        var latest = await FetchKeySetAsync();
        Assert.Equal([signingKeyB], latest.SigningKeys.Select(k => k.KeyId));
        await AssertValidAtApiAsync(latest, await ClientCredentialsTokenAsync(http, nodes[0]));
        var again = await http.RequestRefreshTokenAsync(new RefreshTokenRequest
        {
            Address = new Uri(nodes[0].BaseAddress, "connect/token").ToString(),
            ClientId = KeyRotationFixture.App,
            ClientSecret = KeyRotationFixture.AppSecret,
            RefreshToken = refreshed.RefreshToken!,
        });
        Assert.False(again.IsError, again.Error);

        // The cluster's history: each step audited once, by whichever node saw it first.
        var audit = await fixture.AuditAsync(null);
        Assert.Single(audit, e => e.EventType == AuditEventTypes.TokenKeyPublished && e.Reason == "sig " + signingKeyB);
        Assert.Single(audit, e => e.EventType == AuditEventTypes.TokenKeyActivated && e.Reason == "sig " + signingKeyB);
        Assert.Single(audit, e => e.EventType == AuditEventTypes.TokenKeyActivated && e.Reason == "enc " + encryptionKeyB);
        Assert.Single(audit, e => e.EventType == AuditEventTypes.TokenKeyRetired && e.Reason == "sig " + fixture.SigningKeyA);
        Assert.Single(audit, e => e.EventType == AuditEventTypes.TokenKeyRetired && e.Reason == "enc " + fixture.EncryptionKeyA);
    }

    [Theory]
    [InlineData("00:10:00", "00:15:00", "RotationLeadTime must be at least Oidc:DocumentMaxAge")]
    [InlineData("1.00:00:00", "00:15:00", "SigningKeyPath or Oidc:Keys:SigningKeysDirectory, not both")]
    public async Task ALeadTimeShorterThanTheKeySetsCacheTime_OrAFolderAndAFile_AreRefusedAtStart(string leadTime, string maxAge, string expected)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var host = await IdentityProviderHost.StartAsync(fixture.Database, new Dictionary<string, string?>
            {
                ["Oidc:Keys:SigningKeysDirectory"] = fixture.SigningFolder,
                ["Oidc:Keys:SigningKeyPath"] = expected.Contains("not both", StringComparison.Ordinal) ? TestKeys.SigningKeyPath : string.Empty,
                ["Oidc:Keys:RotationLeadTime"] = leadTime,
                ["Oidc:DocumentMaxAge"] = maxAge,
            });
        });

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    private static FormUrlEncodedContent ClientCredentialsForm() => new(new Dictionary<string, string>
    {
        ["grant_type"] = "client_credentials",
        ["client_id"] = KeyRotationFixture.ServiceClient,
        ["client_secret"] = KeyRotationFixture.ServiceSecret,
        ["scope"] = "rotation",
    });

    private static async Task<string> ClientCredentialsTokenAsync(HttpClient http, IdentityProviderHost node)
    {
        using var response = await http.PostAsync(new Uri(node.BaseAddress, "connect/token"), ClientCredentialsForm());
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
    }

    private static Task<TokenIntrospectionResponse> IntrospectAsync(HttpClient http, IdentityProviderHost node, string token) =>
        http.IntrospectTokenAsync(new TokenIntrospectionRequest
        {
            Address = new Uri(node.BaseAddress, "connect/introspect").ToString(),
            ClientId = KeyRotationFixture.ServiceClient,
            ClientSecret = KeyRotationFixture.ServiceSecret,
            Token = token,
        });

    private static async Task<(string AccessToken, string RefreshToken)> UserTokensAsync(IdentityProviderHost node)
    {
        var user = await TestData.CreateUserAsync(node);
        var client = new AuthorizationCodeClient(node);
        await client.SignInAsync(user.UserName!, TestData.Password);
        var (verifier, challenge) = AuthorizationCodeClient.NewPkce();
        var code = await client.GetCodeAsync(KeyRotationFixture.App, KeyRotationFixture.AppRedirect, challenge);
        using var http = new HttpClient();
        var tokens = await http.RequestAuthorizationCodeTokenAsync(new AuthorizationCodeTokenRequest
        {
            Address = new Uri(node.BaseAddress, "connect/token").ToString(),
            ClientId = KeyRotationFixture.App,
            ClientSecret = KeyRotationFixture.AppSecret,
            Code = code,
            RedirectUri = KeyRotationFixture.AppRedirect.ToString(),
            CodeVerifier = verifier,
        });
        Assert.False(tokens.IsError, tokens.Error);
        return (tokens.AccessToken!, tokens.RefreshToken!);
    }

    /// <summary>What an API validating tokens as JwtBearer does fetches: discovery, then the key set it names.</summary>
    private Task<OpenIdConnectConfiguration> FetchKeySetAsync() =>
        new ConfigurationManager<OpenIdConnectConfiguration>(
            new Uri(fixture.Nodes[0].BaseAddress, ".well-known/openid-configuration").ToString(),
            new OpenIdConnectConfigurationRetriever(),
            new HttpDocumentRetriever { RequireHttps = false }).GetConfigurationAsync(CancellationToken.None);

    /// <summary>Validates like an API: signature against the fetched key set, issuer, lifetime.</summary>
    private async Task AssertValidAtApiAsync(OpenIdConnectConfiguration configuration, string token)
    {
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            // The fixture's nodes each name their own address as issuer (a real cluster has one): the API trusts both.
            ValidIssuers = fixture.Nodes.Select(n => n.BaseAddress.ToString()),
            ValidAudience = KeyRotationFixture.ApiAudience,
            IssuerSigningKeys = configuration.SigningKeys,
        });
        Assert.True(result.IsValid, $"The API refused a token signed by {new JsonWebToken(token).Kid}: {result.Exception?.Message}");
    }

    /// <summary>The time (since the test started) at which every node's key set has (or no longer has) the key.</summary>
    private async Task<TimeSpan?> EveryNodePublishesAsync(HttpClient http, string kid, bool published)
    {
        foreach (var node in fixture.Nodes)
        {
            var keys = JsonDocument.Parse(await http.GetStringAsync(new Uri(node.BaseAddress, ".well-known/jwks"))).RootElement.GetProperty("keys");
            if (keys.EnumerateArray().Any(k => k.GetProperty("kid").GetString() == kid) != published)
            {
                return null;
            }
        }

        return clock.Elapsed;
    }

    private static async Task<TimeSpan> UntilAsync(Func<Task<TimeSpan?>> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (await condition() is { } at)
            {
                return at;
            }

            if (deadline.Elapsed > Patience)
            {
                throw new TimeoutException($"Still waiting after {Patience.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s.");
            }

            await Task.Delay(100);
        }
    }
}
