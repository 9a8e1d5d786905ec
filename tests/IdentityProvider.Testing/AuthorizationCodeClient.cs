using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.Tokens;

namespace IdentityProvider.Testing;

/// <summary>
/// Drives the authorization endpoint by hand, for the cases a well-behaved client library will not produce
/// (a wrong verifier, a code used twice, an unregistered redirect URI).
/// </summary>
public sealed class AuthorizationCodeClient(IdentityProviderHost host)
{
    private readonly CookieContainer cookies = new();

    public HttpClient Browser => host.CreateClient(followRedirects: true, cookies);

    public HttpClient NoRedirects => host.CreateClient(followRedirects: false, cookies);

    /// <summary>
    /// Signs in on the sign-in page; when the second step asks for a second factor, answers it with
    /// <paramref name="secondFactorCode"/> (without one, the sign-in stays pending and no session exists).
    /// </summary>
    public async Task SignInAsync(string userName, string password, string? secondFactorCode = null)
    {
        using var browser = Browser;
        using var page = await browser.GetAsync(new Uri("Account/Login", UriKind.Relative));
        using var result = await HtmlForms.SignInAsync(browser, page, userName, password);
        if (!result.IsSuccessStatusCode || result.RequestMessage!.RequestUri!.AbsolutePath.Contains("Login", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("Sign-in failed: " + await result.Content.ReadAsStringAsync());
        }

        if (secondFactorCode is not null && result.RequestMessage.RequestUri.AbsolutePath == "/Account/SecondFactor")
        {
            using var verified = await HtmlForms.SubmitAsync(browser, result, new Dictionary<string, string> { ["Code"] = secondFactorCode }, "form[action*='handler=Verify']");
            if (verified.RequestMessage!.RequestUri!.AbsolutePath == "/Account/SecondFactor")
            {
                throw new InvalidOperationException("The second factor failed: " + await verified.Content.ReadAsStringAsync());
            }
        }
    }

    /// <summary>Completes the administration step-up (<c>/admin/verify</c>) in this browser with an authenticator code.</summary>
    public async Task StepUpAsync(string code)
    {
        using var browser = Browser;
        using var page = await browser.GetAsync(new Uri("admin/verify", UriKind.Relative));
        using var result = await HtmlForms.SubmitAsync(browser, page, new Dictionary<string, string> { ["Secret"] = code });
        if (result.RequestMessage!.RequestUri!.AbsolutePath.Contains("verify", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("The step-up failed: " + await result.Content.ReadAsStringAsync());
        }
    }

    public static (string Verifier, string Challenge) NewPkce()
    {
        var verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        return (verifier, challenge);
    }

    /// <summary>Sends an authorization request and returns the raw response (not followed).</summary>
    public async Task<HttpResponseMessage> AuthorizeAsync(IDictionary<string, string?> parameters)
    {
        using var client = NoRedirects;
        return await client.GetAsync(new Uri(QueryHelpers.AddQueryString("connect/authorize", parameters), UriKind.Relative));
    }

    /// <summary>The parameters of a code-flow authorization request; a null challenge leaves PKCE out.</summary>
    public static Dictionary<string, string?> Request(string clientId, Uri redirectUri, string? challenge, string scope = "openid", string method = "S256")
    {
        ArgumentNullException.ThrowIfNull(redirectUri);
        var parameters = new Dictionary<string, string?>
        {
            ["client_id"] = clientId,
            ["response_type"] = "code",
            ["redirect_uri"] = redirectUri.ToString(),
            ["scope"] = scope,
            ["state"] = "s1",
        };
        if (challenge is not null)
        {
            parameters["code_challenge"] = challenge;
            parameters["code_challenge_method"] = method;
        }

        return parameters;
    }

    /// <summary>Runs the authorization request and returns the code from the redirect to the client.</summary>
    public async Task<string> GetCodeAsync(string clientId, Uri redirectUri, string challenge, string scope = "openid profile offline_access")
    {
        using var response = await AuthorizeAsync(Request(clientId, redirectUri, challenge, scope));
        var location = response.Headers.Location ?? throw new InvalidOperationException($"No redirect: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var query = QueryHelpers.ParseQuery(location.Query);
        return query.TryGetValue("code", out var code) ? code.ToString() : throw new InvalidOperationException("No code in " + location);
    }
}
