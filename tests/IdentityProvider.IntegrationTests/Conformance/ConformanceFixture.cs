using IdentityProvider.Oidc;
using IdentityProvider.Testing;

namespace IdentityProvider.IntegrationTests.Conformance;

/// <summary>
/// The server registered the way the README tells a deployment to register the OpenID Foundation's conformance
/// suite: two confidential clients (client_secret_basic or client_secret_post, PKCE not required) with a redirect URI
/// and a post-logout redirect URI each, and a user with every profile claim the server knows.
/// </summary>
public class ConformanceFixture : TestServerFixture
{
    public const string ClientId = "conformance-op";
    public const string SecondClientId = "conformance-op-2";

    public static readonly string Secret = ClientSecrets.Generate();
    public static readonly string SecondSecret = ClientSecrets.Generate();

    public Data.ApplicationUser User { get; private set; } = null!;

    /// <summary>The suite's callback; nothing listens there, the tests read where the browser was sent.</summary>
    public Uri RedirectUri { get; } = new("https://conformance.example/test/a/op/callback");

    public Uri PostLogoutRedirectUri { get; } = new("https://conformance.example/test/a/op/post_logout_redirect");

    public Uri SecondRedirectUri { get; } = new("https://conformance.example/test/a/op2/callback");

    /// <summary>A fresh relying party (its own cookies: a browser nobody signed in with yet).</summary>
    public ConformanceClient Client() => new(Idp, ClientId, Secret, RedirectUri);

    public ConformanceClient SecondClient() => new(Idp, SecondClientId, SecondSecret, SecondRedirectUri);

    protected override async Task StartedAsync()
    {
        await TestData.RegisterClientAsync(Idp, ClientId, RedirectUri, PostLogoutRedirectUri, Secret);
        await TestData.RegisterClientAsync(Idp, SecondClientId, SecondRedirectUri, secret: SecondSecret);
        User = await TestData.CreateUserAsync(Idp);
        await TestData.UpdateUserAsync(Idp, User.Id, (users, stored) =>
        {
            stored.MobilePhone = "+447700900123";
            stored.Locale = "en-GB";
            stored.TimeZone = "Europe/London";
            return users.UpdateAsync(stored);
        });
    }
}
