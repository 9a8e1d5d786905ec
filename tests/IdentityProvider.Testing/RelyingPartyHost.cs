using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace IdentityProvider.Testing;

/// <summary>
/// A relying web app built on ASP.NET Core's own OpenID Connect handler: discovery, code flow with PKCE,
/// userinfo and RP-initiated sign-out against the identity provider. It runs on 127.0.0.1 while the
/// identity provider runs on localhost, so their cookies never mix.
/// </summary>
public sealed class RelyingPartyHost : IAsyncDisposable
{
    public const string ClientId = "test-rp";
    /// <summary>A generated secret (cs_ form), so the fast secret check is what the tests exercise.</summary>
    public static readonly string ClientSecret = IdentityProvider.Oidc.ClientSecrets.Generate();

    private readonly WebApplication app;

    private RelyingPartyHost(WebApplication app, Uri baseAddress)
    {
        this.app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public Uri RedirectUri => new(BaseAddress, "signin-oidc");

    public Uri PostLogoutRedirectUri => new(BaseAddress, "signout-callback-oidc");

    /// <summary>Where the hosted change-password page sends the user back (a registered redirect URI of the client).</summary>
    public Uri PasswordChangedUri => new(BaseAddress, "password-changed");

    /// <summary>Reserves a port so the client can be registered before the host starts.</summary>
    public static Uri ReserveAddress() => new($"http://127.0.0.1:{Ports.Free()}/");

    public static async Task<RelyingPartyHost> StartAsync(Uri authority, Uri baseAddress, string scope = "openid profile email offline_access")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(baseAddress.GetLeftPart(UriPartial.Authority));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddAuthentication(options =>
            {
                options.DefaultScheme = CookieAuthenticationDefaults.AuthenticationScheme;
                options.DefaultChallengeScheme = OpenIdConnectDefaults.AuthenticationScheme;
            })
            .AddCookie(options => options.Cookie.Name = "rp.session")
            .AddOpenIdConnect(options =>
            {
                options.Authority = authority.ToString();
                options.RequireHttpsMetadata = false;
                options.ClientId = ClientId;
                options.ClientSecret = ClientSecret;
                options.ResponseType = OpenIdConnectResponseType.Code;
                options.ResponseMode = OpenIdConnectResponseMode.Query;
                options.UsePkce = true;
                options.SaveTokens = true;
                options.GetClaimsFromUserInfoEndpoint = true;
                options.MapInboundClaims = false;

                // Plain HTTP on loopback: the handler's default Secure + SameSite=None cookies would never come back.
                options.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.CorrelationCookie.SameSite = SameSiteMode.Lax;
                options.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.NonceCookie.SameSite = SameSiteMode.Lax;
                options.Scope.Clear();
                foreach (var item in scope.Split(' '))
                {
                    options.Scope.Add(item);
                }

                options.ClaimActions.MapUniqueJsonKey("email", "email");
                options.ClaimActions.MapUniqueJsonKey("preferred_username", "preferred_username");
                options.TokenValidationParameters.NameClaimType = "name";
                options.Events.OnRedirectToIdentityProvider = context =>
                {
                    foreach (var parameter in new[] { "action", "acr_values", "max_age", "prompt" })
                    {
                        if (context.Properties.Items.TryGetValue(parameter, out var value) && value is not null)
                        {
                            context.ProtocolMessage.SetParameter(parameter, value);
                        }
                    }

                    return Task.CompletedTask;
                };
                options.Events.OnRemoteFailure = context =>
                {
                    context.Response.Redirect("/error?message=" + Uri.EscapeDataString(context.Failure?.Message ?? "unknown"));
                    context.HandleResponse();
                    return Task.CompletedTask;
                };
            });
        builder.Services.AddAuthorization();

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/", () => "relying party");
        // /login?acr_values=mfa&max_age=0&prompt=none: the request parameters an app adds to ask for more.
        app.MapGet("/login", (string? acr_values, string? max_age, string? prompt) => Results.Challenge(new AuthenticationProperties(new Dictionary<string, string?>
        {
            ["acr_values"] = acr_values,
            ["max_age"] = max_age,
            ["prompt"] = prompt,
        }) { RedirectUri = "/me" }));
        app.MapGet("/change-password", () => Results.Challenge(new AuthenticationProperties(new Dictionary<string, string?> { ["action"] = "change_password" }) { RedirectUri = "/me" }));
        app.MapGet("/password-changed", (string? result, string? state) => $"result={result} state={state}");
        app.MapGet("/me", (Func<HttpContext, Task<IResult>>)(async context => Results.Json(new RelyingPartySession(
            context.User.Claims.GroupBy(c => c.Type).ToDictionary(g => g.Key, g => g.Select(c => c.Value).ToArray()),
            await context.GetTokenAsync("access_token"),
            await context.GetTokenAsync("refresh_token"),
            await context.GetTokenAsync("id_token"))))).RequireAuthorization();
        app.MapGet("/logout", () => Results.SignOut(
            new AuthenticationProperties { RedirectUri = "/signed-out" },
            [CookieAuthenticationDefaults.AuthenticationScheme, OpenIdConnectDefaults.AuthenticationScheme]));
        app.MapGet("/signed-out", () => "signed out of the relying party");
        app.MapGet("/error", (string? message) => Results.Text("relying party error: " + message, statusCode: 400));
        await app.StartAsync();
        return new RelyingPartyHost(app, baseAddress);
    }

    public HttpClient CreateBrowser(CookieContainer? cookies = null) =>
        new(new HttpClientHandler { AllowAutoRedirect = true, CookieContainer = cookies ?? new CookieContainer() }) { BaseAddress = BaseAddress };

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}

/// <summary>What the relying party knows after sign-in.</summary>
public sealed record RelyingPartySession(Dictionary<string, string[]> Claims, string? AccessToken, string? RefreshToken, string? IdToken)
{
    public string? Claim(string type) => Claims.TryGetValue(type, out var values) ? values.FirstOrDefault() : null;
}
