using System.Net;
using IdentityProvider.Testing;
using Microsoft.AspNetCore.WebUtilities;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdentityProvider.IntegrationTests.Oidc;

/// <summary>Explicit-consent clients ask once; the answer is remembered as an authorization.</summary>
public sealed class ConsentTests(OidcFixture fixture) : IClassFixture<OidcFixture>
{
    private static readonly Uri Redirect = new("http://127.0.0.1:1/partner");

    private IdentityProviderHost Idp => fixture.Idp;

    [Fact]
    public async Task ExplicitConsentClient_AsksOnce_ThenRemembers()
    {
        var clientId = await RegisterPartnerAsync();
        var client = await SignedInClientAsync();
        var (_, challenge) = AuthorizationCodeClient.NewPkce();
        var request = AuthorizeRequest(clientId, challenge);

        using var first = await client.AuthorizeAsync(request);
        Assert.Equal("/Account/Consent", first.Headers.Location!.OriginalString.Split('?')[0]);

        using var browser = client.Browser;
        using var consentPage = await browser.GetAsync(first.Headers.Location);
        var html = await consentPage.Content.ReadAsStringAsync();
        Assert.Contains("Allow Test app " + clientId, html, StringComparison.Ordinal);
        Assert.Contains("See your email address", html, StringComparison.Ordinal);

        using var noRedirects = client.NoRedirects;
        using var accepted = await HtmlForms.SubmitAsync(noRedirects, consentPage, new Dictionary<string, string>(), submitName: "Allow");
        Assert.Equal(HttpStatusCode.Redirect, accepted.StatusCode);
        using var afterConsent = await noRedirects.GetAsync(accepted.Headers.Location);
        Assert.StartsWith(Redirect.ToString(), afterConsent.Headers.Location!.ToString(), StringComparison.Ordinal);
        Assert.True(QueryHelpers.ParseQuery(afterConsent.Headers.Location.Query).ContainsKey("code"));

        // Second time: straight to the client with a code.
        using var second = await client.AuthorizeAsync(request);
        Assert.StartsWith(Redirect.ToString(), second.Headers.Location!.ToString(), StringComparison.Ordinal);
        Assert.True(QueryHelpers.ParseQuery(second.Headers.Location.Query).ContainsKey("code"));
    }

    [Fact]
    public async Task DecliningConsent_SendsAccessDeniedToTheClient()
    {
        var clientId = await RegisterPartnerAsync();
        var client = await SignedInClientAsync();
        var (_, challenge) = AuthorizationCodeClient.NewPkce();

        using var first = await client.AuthorizeAsync(AuthorizeRequest(clientId, challenge));
        using var browser = client.Browser;
        using var consentPage = await browser.GetAsync(first.Headers.Location);
        using var noRedirects = client.NoRedirects;
        using var declined = await HtmlForms.SubmitAsync(noRedirects, consentPage, new Dictionary<string, string>(), submitName: "Don't allow");
        using var back = await noRedirects.GetAsync(declined.Headers.Location);

        Assert.StartsWith(Redirect.ToString(), back.Headers.Location!.ToString(), StringComparison.Ordinal);
        Assert.Equal("access_denied", QueryHelpers.ParseQuery(back.Headers.Location.Query)["error"].ToString());
    }

    [Fact]
    public async Task ConsentPage_RefusesAReturnUrlThatIsNotAnAuthorizationRequest()
    {
        var client = await SignedInClientAsync();
        using var browser = client.Browser;

        using var page = await browser.GetAsync(new Uri("Account/Consent?returnUrl=" + Uri.EscapeDataString("https://attacker.example/"), UriKind.Relative));

        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("This consent request is not valid", html, StringComparison.Ordinal);
        Assert.Empty(HtmlForms.Parse(html).QuerySelectorAll("main form"));
    }

    private async Task<string> RegisterPartnerAsync()
    {
        var clientId = "partner-" + Guid.NewGuid().ToString("N")[..6];
        await TestData.RegisterClientAsync(Idp, clientId, Redirect, consentType: ConsentTypes.Explicit);
        return clientId;
    }

    private async Task<AuthorizationCodeClient> SignedInClientAsync()
    {
        var user = await TestData.CreateUserAsync(Idp);
        var client = new AuthorizationCodeClient(Idp);
        await client.SignInAsync(user.UserName!, TestData.Password);
        return client;
    }

    private static Dictionary<string, string?> AuthorizeRequest(string clientId, string challenge) =>
        AuthorizationCodeClient.Request(clientId, Redirect, challenge, "openid email");
}
