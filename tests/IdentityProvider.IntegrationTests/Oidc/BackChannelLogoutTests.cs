using System.Text.Json;
using IdentityProvider.Account;
using IdentityProvider.Admin;
using IdentityProvider.Admin.Clients;
using IdentityProvider.Admin.Users;
using IdentityProvider.Admin.Users.Actions;
using IdentityProvider.Data;
using IdentityProvider.Messaging;
using IdentityProvider.Testing;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace IdentityProvider.IntegrationTests.Oidc;

/// <summary>Two relying apps that registered back-channel logout endpoints, and a server that delivers quickly.</summary>
public sealed class BackChannelFixture : TestServerFixture
{
    public LogoutReceiver First { get; private set; } = null!;

    public LogoutReceiver Second { get; private set; } = null!;

    public string FirstSecret { get; private set; } = null!;

    public string SecondSecret { get; private set; } = null!;

    public static Uri FirstRedirect { get; } = new("https://first.example/callback");

    public static Uri SecondRedirect { get; } = new("https://second.example/callback");

    public ConformanceClient FirstApp() => new(Idp, "first-app", FirstSecret, FirstRedirect);

    public ConformanceClient SecondApp() => new(Idp, "second-app", SecondSecret, SecondRedirect);

    /// <summary>Registers an app the way an administrator does, with its back-channel logout address.</summary>
    public async Task<string> RegisterAsync(string clientId, Uri redirect, Uri backChannel)
    {
        await using var scope = Idp.CreateScope();
        var (errors, secret) = await scope.ServiceProvider.GetRequiredService<AdminClients>().CreateAsync("test", new ClientInput
        {
            ClientId = clientId,
            Type = "confidential",
            RedirectUris = [redirect.ToString()],
            Scopes = ["profile", "offline_access"],
            BackChannelLogoutUri = backChannel.ToString(),
        });
        Assert.Null(errors);
        return secret!;
    }

    protected override void Configure(TestServerOptions server)
    {
        server.Settings["Messaging:PollInterval"] = "00:00:00.100";
        server.Settings["Messaging:RetryBaseDelay"] = "00:00:00.100";
        server.Settings["Messaging:RetryMaxDelay"] = "00:00:00.300";
        // An app's circuit, once open, lets a delivery through again after 3 seconds (30 by default), so an app
        // that was down gets its logout soon after it is back, even on a busy machine.
        server.Settings["Messaging:CircuitBreakDuration"] = "00:00:03";
    }

    protected override async Task StartedAsync()
    {
        First = await LogoutReceiver.StartAsync();
        Second = await LogoutReceiver.StartAsync();
        FirstSecret = await RegisterAsync("first-app", FirstRedirect, First.Address);
        SecondSecret = await RegisterAsync("second-app", SecondRedirect, Second.Address);
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        await First.DisposeAsync();
        await Second.DisposeAsync();
        await base.DisposeAsyncCore();
    }
}

/// <summary>
/// OpenID Connect Back-Channel Logout 1.0: when a session ends, each app it signed in to gets a signed logout token
/// (with the session's <c>sid</c>); when every session of a user ends (password change or reset, an administrator's
/// reset, disable or session revocation, "sign out everywhere"), every app the user is signed in to gets one (with
/// <c>sub</c>). Delivered through the outbox, retried while the app is down.
/// </summary>
public sealed class BackChannelLogoutTests(BackChannelFixture fixture) : IClassFixture<BackChannelFixture>
{
    private static readonly SemaphoreSlim OneAtATime = new(1, 1);

    [Fact]
    public async Task SignOut_PostsALogoutTokenWithTheSessionsSid_OnlyToTheAppsThatSessionSignedInTo()
    {
        await OneAtATime.WaitAsync();
        try
        {
            var user = await TestData.CreateUserAsync(fixture.Idp);
            var here = fixture.FirstApp();
            var (_, idToken) = await here.CodeFlowAsync(user.UserName!, pkce: true);
            var elsewhere = fixture.SecondApp();
            await elsewhere.CodeFlowAsync(user.UserName!, pkce: true);

            using var browser = here.Browser();
            using var confirm = await browser.GetAsync(new Uri("Account/Logout", UriKind.Relative));
            (await HtmlForms.SubmitAsync(browser, confirm, new Dictionary<string, string>())).Dispose();

            var token = await ValidateAsync(await fixture.First.NextAsync(), "first-app");
            Assert.Equal(user.Id, token.Subject);
            Assert.Equal(idToken.GetPayloadValue<string>("sid"), token.GetPayloadValue<string>("sid"));
            Assert.Equal(0, await QueuedForAsync("second-app", user.Id));
        }
        finally
        {
            OneAtATime.Release();
        }
    }

    [Fact]
    public async Task EndSessionEndpoint_NotifiesTheAppsOfThatSession()
    {
        await OneAtATime.WaitAsync();
        try
        {
            var user = await TestData.CreateUserAsync(fixture.Idp);
            var app = fixture.FirstApp();
            var (tokens, idToken) = await app.CodeFlowAsync(user.UserName!, pkce: true);

            using var browser = app.Browser();
            (await browser.GetAsync(new Uri(QueryHelpers.AddQueryString("connect/endsession", "id_token_hint", tokens.IdentityToken!), UriKind.Relative))).Dispose();

            var token = await ValidateAsync(await fixture.First.NextAsync(), "first-app");
            Assert.Equal(idToken.GetPayloadValue<string>("sid"), token.GetPayloadValue<string>("sid"));
        }
        finally
        {
            OneAtATime.Release();
        }
    }

    [Fact]
    public async Task PasswordChange_NotifiesEveryAppTheUserIsSignedInTo()
    {
        await AssertEveryAppToldAsync(async (services, user) =>
        {
            var result = await services.GetRequiredService<PasswordChanger>().ChangeAsync(user, TestData.Password, "Another-Long-Passphrase-31", "test");
            Assert.True(result.Succeeded);
        });
    }

    [Fact]
    public async Task AdministratorsReset_NotifiesEveryAppTheUserIsSignedInTo()
    {
        await AssertEveryAppToldAsync(async (services, user) =>
            Assert.Equal(AdminActionResult.Done, (await services.GetRequiredService<ResetPasswordAction>().RunAsync(new AdminActor("admin", true), user)).Result));
    }

    [Fact]
    public async Task DisablingTheUser_NotifiesEveryAppTheUserIsSignedInTo()
    {
        await AssertEveryAppToldAsync(async (services, user) =>
            Assert.Equal(AdminActionResult.Done, await services.GetRequiredService<SetEnabledAction>().RunAsync(new AdminActor("admin", true), user, enabled: false)));
    }

    [Fact]
    public async Task AdministratorEndingTheSessions_NotifiesEveryAppTheUserIsSignedInTo()
    {
        await AssertEveryAppToldAsync(async (services, user) =>
            Assert.Equal(AdminActionResult.Done, await services.GetRequiredService<RevokeSessionsAction>().RunAsync(new AdminActor("admin", true), user)));
    }

    [Fact]
    public async Task SignOutEverywhere_NotifiesEveryAppTheUserIsSignedInTo()
    {
        await AssertEveryAppToldAsync(async (_, user) =>
        {
            using var browser = fixture.Idp.CreateClient();
            using var login = await browser.GetAsync(new Uri("Account/Login?returnUrl=%2FAccount", UriKind.Relative));
            using var page = await HtmlForms.SignInAsync(browser, login, user.UserName!, TestData.Password);
            using var done = await HtmlForms.SubmitAsync(browser, page, new Dictionary<string, string> { ["Password"] = TestData.Password }, "form[action*='handler=SignOutEverywhere']");
            Assert.Contains("You are signed out everywhere else", await done.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }, perSession: true);
    }

    [Fact]
    public async Task AnAppThatStaysDown_PausesOnlyItsOwnLogouts_WithoutSpendingTheirAttempts()
    {
        await using var down = await LogoutReceiver.StartAsync();
        down.FailFirst = int.MaxValue;
        var downSecret = await fixture.RegisterAsync("down-app", new Uri("https://down.example/callback"), down.Address);
        var downApp = new ConformanceClient(fixture.Idp, "down-app", downSecret, new Uri("https://down.example/callback"));

        // Logouts to the app that is down fail until its circuit opens (six failures in a row).
        var first = await TestData.CreateUserAsync(fixture.Idp);
        await downApp.CodeFlowAsync(first.UserName!, pkce: true);
        await RevokeSessionsAsync(first);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (down.Attempts < 6)
        {
            Assert.True(DateTime.UtcNow < deadline, $"The app that is down was tried {down.Attempts} times.");
            await Task.Delay(100);
        }

        // Another app's logout goes out at once all the same.
        await OneAtATime.WaitAsync();
        try
        {
            var second = await TestData.CreateUserAsync(fixture.Idp);
            await fixture.SecondApp().CodeFlowAsync(second.UserName!, pkce: true);
            await RevokeSessionsAsync(second);
            Assert.Equal(second.Id, (await ValidateAsync(await fixture.Second.NextAsync(TimeSpan.FromSeconds(20)), "second-app")).Subject);
        }
        finally
        {
            OneAtATime.Release();
        }

        // While the circuit is open the waiting logout spends no attempts (only the trial each time it half-opens):
        // it is not dead-lettered. Before, every dispatch spent one and it was dead-lettered within seconds.
        await Task.Delay(TimeSpan.FromSeconds(2));
        await using var scope = fixture.Idp.CreateScope();
        var waiting = await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Set<OutboxMessage>().AsNoTracking()
            .SingleAsync(m => m.Recipient == "down-app" && m.Channel == MessageChannel.BackChannelLogout);
        Assert.Equal(OutboxStatus.Pending, waiting.Status);
        Assert.True(waiting.Attempts <= 5, $"{waiting.Attempts} attempts were spent while the circuit was open.");
    }

    private async Task RevokeSessionsAsync(ApplicationUser user)
    {
        await using var scope = fixture.Idp.CreateScope();
        var stored = await scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().FindByIdAsync(user.Id);
        Assert.Equal(AdminActionResult.Done, await scope.ServiceProvider.GetRequiredService<RevokeSessionsAction>().RunAsync(new AdminActor("admin", true), stored!));
    }

    [Fact]
    public async Task AnAppThatIsDown_GetsTheLogoutTokenWhenItIsBack()
    {
        await OneAtATime.WaitAsync();
        try
        {
            var user = await TestData.CreateUserAsync(fixture.Idp);
            var app = fixture.FirstApp();
            await app.CodeFlowAsync(user.UserName!, pkce: true);
            fixture.First.FailFirst = fixture.First.Attempts + 5;

            await using (var scope = fixture.Idp.CreateScope())
            {
                var stored = await scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().FindByIdAsync(user.Id);
                await scope.ServiceProvider.GetRequiredService<RevokeSessionsAction>().RunAsync(new AdminActor("admin", true), stored!);
            }

            var token = await ValidateAsync(await fixture.First.NextAsync(), "first-app");
            Assert.Equal(user.Id, token.Subject);
            Assert.True(fixture.First.Attempts >= fixture.First.FailFirst + 1);
        }
        finally
        {
            fixture.First.FailFirst = 0;
            OneAtATime.Release();
        }
    }

    /// <summary>
    /// The user is signed in to both apps from two browsers; <paramref name="endSessions"/> ends every session. When
    /// every session ends the apps get a token for the user (<c>sub</c>); when the acting browser stays signed in
    /// (<paramref name="perSession"/>), each ended session is named (<c>sid</c>), so the apps of the staying browser keep theirs.
    /// </summary>
    private async Task AssertEveryAppToldAsync(Func<IServiceProvider, ApplicationUser, Task> endSessions, bool perSession = false)
    {
        await OneAtATime.WaitAsync();
        try
        {
            var user = await TestData.CreateUserAsync(fixture.Idp);
            await fixture.FirstApp().CodeFlowAsync(user.UserName!, pkce: true);
            await fixture.SecondApp().CodeFlowAsync(user.UserName!, scope: "openid offline_access", pkce: true);

            await using (var scope = fixture.Idp.CreateScope())
            {
                var stored = await scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().FindByIdAsync(user.Id);
                await endSessions(scope.ServiceProvider, stored!);
            }

            foreach (var (receiver, clientId) in new[] { (fixture.First, "first-app"), (fixture.Second, "second-app") })
            {
                var token = await ValidateAsync(await receiver.NextAsync(), clientId);
                Assert.Equal(user.Id, token.Subject);
                Assert.Equal(perSession, token.TryGetPayloadValue<string>("sid", out _));
            }
        }
        finally
        {
            OneAtATime.Release();
        }
    }

    /// <summary>
    /// Validates a logout token as an app must (Back-Channel Logout 1.0, 2.6): signed with a key the server publishes,
    /// this issuer, this app as audience, iat and jti present, the back-channel logout event, sub or sid, no nonce,
    /// type logout+jwt.
    /// </summary>
    private async Task<JsonWebToken> ValidateAsync(string logoutToken, string clientId)
    {
        using var http = new HttpClient();
        var jwks = new JsonWebKeySet(await http.GetStringAsync(new Uri(fixture.Idp.BaseAddress, ".well-known/jwks")));
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(logoutToken, new TokenValidationParameters
        {
            ValidIssuer = fixture.Idp.BaseAddress.ToString(),
            ValidAudience = clientId,
            IssuerSigningKeys = jwks.GetSigningKeys(),
            ValidTypes = ["logout+jwt"],
        });
        Assert.True(result.IsValid, result.Exception?.Message);
        var token = (JsonWebToken)result.SecurityToken;
        Assert.True(token.TryGetPayloadValue<long>("iat", out _));
        Assert.False(string.IsNullOrEmpty(token.Id));
        Assert.False(token.TryGetPayloadValue<string>("nonce", out _));
        var events = JsonDocument.Parse(token.GetPayloadValue<JsonElement>("events").GetRawText()).RootElement;
        Assert.Equal(JsonValueKind.Object, events.GetProperty("http://schemas.openid.net/event/backchannel-logout").ValueKind);
        return token;
    }

    private async Task<int> QueuedForAsync(string clientId, string userId)
    {
        await using var scope = fixture.Idp.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Set<OutboxMessage>()
            .CountAsync(m => m.Channel == MessageChannel.BackChannelLogout && m.Recipient == clientId && m.TextBody.Contains(userId));
    }
}
