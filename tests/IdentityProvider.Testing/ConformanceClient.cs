using System.Net;
using System.Security.Cryptography;
using System.Text;
using Duende.IdentityModel.Client;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace IdentityProvider.Testing;

/// <summary>What came back to the client's redirect URI (or the page the browser stopped on).</summary>
public sealed record AuthorizationOutcome(Uri? RedirectedTo, IReadOnlyDictionary<string, string> Parameters, HttpResponseMessage? Page)
{
    public string? this[string name] => Parameters.TryGetValue(name, out var value) ? value : null;
}

/// <summary>
/// A relying party that behaves like the OpenID Foundation's conformance suite with a statically registered
/// client: a cookie-keeping browser that follows the server's own redirects and signs in on the real login page,
/// Duende.IdentityModel for discovery, the token and userinfo endpoints, and Microsoft's JsonWebTokenHandler to
/// validate identity tokens against the published keys.
/// </summary>
public sealed class ConformanceClient(IdentityProviderHost host, string clientId, string? clientSecret, Uri redirectUri)
{
    private readonly CookieContainer cookies = new();
    private DiscoveryDocumentResponse? discovery;

    public string ClientId => clientId;

    public Uri RedirectUri => redirectUri;

    /// <summary>The browser: keeps this client's cookies for the identity provider, follows no redirect by itself.</summary>
    public HttpClient Browser() => host.CreateClient(followRedirects: false, cookies);

    public async Task<DiscoveryDocumentResponse> DiscoverAsync()
    {
        if (discovery is not null)
        {
            return discovery;
        }

        using var http = new HttpClient();
        var response = await http.GetDiscoveryDocumentAsync(new DiscoveryDocumentRequest
        {
            Address = host.BaseAddress.ToString(),
            Policy = { RequireHttps = false, ValidateEndpoints = true, ValidateIssuerName = true },
        });
        if (response.IsError)
        {
            throw new InvalidOperationException("Discovery failed: " + response.Error);
        }

        return discovery = response;
    }

    public static string NewValue() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16));

    /// <summary>The parameters of a code-flow request as the suite sends them: scope, state, nonce; no PKCE unless added.</summary>
    public Dictionary<string, string> Request(string scope = "openid", string? nonce = null, string? state = null) => new()
    {
        ["client_id"] = clientId,
        ["redirect_uri"] = redirectUri.ToString(),
        ["response_type"] = "code",
        ["scope"] = scope,
        ["state"] = state ?? NewValue(),
        ["nonce"] = nonce ?? NewValue(),
    };

    public static (string Verifier, string Challenge) NewPkce()
    {
        var verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        return (verifier, Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
    }

    /// <summary>
    /// Sends the browser to the authorization endpoint (GET, or a form POST) and follows the server's redirects,
    /// signing in on the login page with <paramref name="userName"/> when it appears, until the browser is sent to
    /// another site (the client) or stops on a page.
    /// </summary>
    public async Task<AuthorizationOutcome> AuthorizeAsync(IDictionary<string, string> parameters, string? userName = null, string? password = null, bool post = false)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        using var browser = Browser();
        var response = post
            ? await browser.PostAsync(new Uri("connect/authorize", UriKind.Relative), new FormUrlEncodedContent(parameters))
            : await browser.GetAsync(new Uri(QueryHelpers.AddQueryString("connect/authorize", parameters!), UriKind.Relative));
        return await FollowAsync(browser, response, userName, password);
    }

    /// <summary>Follows redirects inside the identity provider (signing in when asked) and reports where the browser ended.</summary>
    public async Task<AuthorizationOutcome> FollowAsync(HttpClient browser, HttpResponseMessage response, string? userName = null, string? password = null)
    {
        ArgumentNullException.ThrowIfNull(browser);
        ArgumentNullException.ThrowIfNull(response);
        for (var hops = 0; hops < 20; hops++)
        {
            if (response.Headers.Location is { } location)
            {
                var target = location.IsAbsoluteUri ? location : new Uri(response.RequestMessage!.RequestUri!, location);
                if (target.GetLeftPart(UriPartial.Authority) != host.BaseAddress.GetLeftPart(UriPartial.Authority))
                {
                    response.Dispose();
                    return new AuthorizationOutcome(target, Parse(target), null);
                }

                response.Dispose();
                response = await browser.GetAsync(target);
                continue;
            }

            if (response.IsSuccessStatusCode && response.RequestMessage!.RequestUri!.AbsolutePath == "/Account/Login" && userName is not null)
            {
                var signedIn = await HtmlForms.SignInAsync(browser, response, userName, password ?? TestData.Password);
                response.Dispose();
                response = signedIn;
                userName = null;
                continue;
            }

            return new AuthorizationOutcome(null, new Dictionary<string, string>(), response);
        }

        throw new InvalidOperationException("Too many redirects.");
    }

    /// <summary>Signs in on the login page, outside any authorization request.</summary>
    public async Task SignInAsync(string userName, string password = TestData.Password)
    {
        using var browser = Browser();
        using var page = await browser.GetAsync(new Uri("Account/Login", UriKind.Relative));
        using var result = await HtmlForms.SignInAsync(browser, page, userName, password);
        if (result.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException("Sign-in failed: " + await result.Content.ReadAsStringAsync());
        }
    }

    /// <summary>Redeems a code with client_secret_basic (default) or client_secret_post.</summary>
    public async Task<TokenResponse> RedeemAsync(string code, string? verifier = null, ClientCredentialStyle style = ClientCredentialStyle.AuthorizationHeader, string? asClientId = null, string? asSecret = null)
    {
        var disco = await DiscoverAsync();
        using var http = new HttpClient();
        return await http.RequestAuthorizationCodeTokenAsync(new AuthorizationCodeTokenRequest
        {
            Address = disco.TokenEndpoint,
            ClientId = asClientId ?? clientId,
            ClientSecret = asSecret ?? clientSecret,
            ClientCredentialStyle = style,
            Code = code,
            RedirectUri = redirectUri.ToString(),
            CodeVerifier = verifier,
        });
    }

    public async Task<TokenResponse> RefreshAsync(string refreshToken, string? asClientId = null, string? asSecret = null)
    {
        var disco = await DiscoverAsync();
        using var http = new HttpClient();
        return await http.RequestRefreshTokenAsync(new RefreshTokenRequest
        {
            Address = disco.TokenEndpoint,
            ClientId = asClientId ?? clientId,
            ClientSecret = asSecret ?? clientSecret,
            RefreshToken = refreshToken,
        });
    }

    public async Task<UserInfoResponse> UserInfoAsync(string accessToken)
    {
        var disco = await DiscoverAsync();
        using var http = new HttpClient();
        return await http.GetUserInfoAsync(new UserInfoRequest { Address = disco.UserInfoEndpoint, Token = accessToken });
    }

    /// <summary>
    /// Validates an identity token as OpenID Connect Core 3.1.3.7 asks: signature with a published key, issuer,
    /// audience, lifetime, and the nonce of the request; returns the token to read its claims.
    /// </summary>
    public async Task<JsonWebToken> ValidateIdTokenAsync(string idToken, string? nonce)
    {
        var disco = await DiscoverAsync();
        var keys = new JsonWebKeySet(disco.KeySet!.RawData).GetSigningKeys();
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(idToken, new TokenValidationParameters
        {
            ValidIssuer = disco.Issuer,
            ValidAudience = clientId,
            IssuerSigningKeys = keys,
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
        });
        if (!result.IsValid)
        {
            throw new InvalidOperationException("The identity token is not valid: " + result.Exception?.Message, result.Exception);
        }

        var token = (JsonWebToken)result.SecurityToken;
        if (nonce is not null && (!token.TryGetPayloadValue<string>("nonce", out var echoed) || echoed != nonce))
        {
            throw new InvalidOperationException("The identity token does not carry the request's nonce.");
        }

        return token;
    }

    /// <summary>Runs the whole code flow (signing in when asked), redeems the code and validates the identity token.</summary>
    public async Task<(TokenResponse Tokens, JsonWebToken IdToken)> CodeFlowAsync(
        string? userName, string scope = "openid", IDictionary<string, string>? extra = null,
        ClientCredentialStyle style = ClientCredentialStyle.AuthorizationHeader, bool pkce = false)
    {
        var request = Request(scope);
        string? verifier = null;
        if (pkce)
        {
            (verifier, request["code_challenge"]) = NewPkce();
            request["code_challenge_method"] = "S256";
        }

        foreach (var (name, value) in extra ?? new Dictionary<string, string>())
        {
            request[name] = value;
        }

        var outcome = await AuthorizeAsync(request, userName);
        var code = outcome["code"] ?? throw new InvalidOperationException($"No code: {outcome["error"]} {outcome["error_description"]} {(outcome.Page is null ? string.Empty : await outcome.Page.Content.ReadAsStringAsync())}");
        if (outcome["state"] != request["state"])
        {
            throw new InvalidOperationException("The state did not come back unchanged.");
        }

        var tokens = await RedeemAsync(code, verifier, style);
        if (tokens.IsError)
        {
            throw new InvalidOperationException($"Token request failed: {tokens.Error} {tokens.ErrorDescription}");
        }

        return (tokens, await ValidateIdTokenAsync(tokens.IdentityToken!, request["nonce"]));
    }

    private static Dictionary<string, string> Parse(Uri target)
    {
        var parameters = QueryHelpers.ParseQuery(target.Query).ToDictionary(p => p.Key, p => p.Value.ToString(), StringComparer.Ordinal);
        if (target.Fragment.Length > 1)
        {
            foreach (var (name, value) in QueryHelpers.ParseQuery(target.Fragment[1..]))
            {
                parameters[name] = value.ToString();
            }
        }

        return parameters;
    }
}
