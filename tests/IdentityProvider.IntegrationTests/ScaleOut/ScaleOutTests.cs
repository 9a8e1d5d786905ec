using System.Net;
using Duende.IdentityModel.Client;
using IdentityProvider.IntegrationTests.Lockout;
using IdentityProvider.Testing;

namespace IdentityProvider.IntegrationTests.ScaleOut;

/// <summary>
/// Journeys through a real load balancer (nginx, round robin, no sticky sessions) in front of three server processes on
/// one database: consecutive requests go to different nodes, and a node killed mid-journey costs the user nothing.
/// Each test writes what happened, request by request, with the node that served it.
/// </summary>
public sealed class ScaleOutTests(ScaleOutFixture fixture, ITestOutputHelper output) : IClassFixture<ScaleOutFixture>
{
    private const string NewPassword = "Velvet-Orchard-Kettle-73";

    private readonly System.Diagnostics.Stopwatch clock = System.Diagnostics.Stopwatch.StartNew();

    private IdentityProviderHost Idp => fixture.Data;

    [Fact]
    public async Task SignIn_OnOneNode_IsASessionOnEveryNode()
    {
        var user = await TestData.CreateUserAsync(Idp);
        await TakeAsync();
        using var browser = Idp.CreateClient();

        await HtmlForms.SignInAsync(browser, user.UserName!, TestData.Password);
        var signIn = await StepAsync("Sign-in: login page, form post with its anti-forgery token, home page");
        for (var i = 0; i < ScaleOutFixture.NodeCount; i++)
        {
            using var account = await browser.GetAsync(new Uri("Account", UriKind.Relative));
            Assert.Equal("/Account", account.RequestMessage!.RequestUri!.AbsolutePath);
            Assert.Contains(user.UserName!, await account.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var pages = await StepAsync("The account page (needs the cookie), once per node");

        Assert.Equal(["GET", "POST", "GET"], signIn.Select(r => r.Method));
        Assert.Equal(302, signIn[1].Status);
        AssertAlternating(signIn.Concat(pages).ToList());
        Assert.All(pages, r => Assert.Equal(200, r.Status));
    }

    [Fact]
    public async Task SelfServiceReset_WithTheCodeByEmail_CompletesAcrossNodes_AndTheNewPasswordSignsIn()
    {
        var user = await RecoveryData.CreateUserAsync(Idp, u => u.AlternateEmail = $"{u.UserName}@home.example");
        await TakeAsync();
        using var browser = new RecoveryBrowser(Idp);

        await browser.OpenAsync("Account/Login");
        var link = HtmlForms.Parse(browser.Html).QuerySelectorAll("a").Single(a => a.TextContent.Contains("Can't access your account?", StringComparison.Ordinal));
        await browser.OpenAsync(link.GetAttribute("href")!);
        await browser.StartAsync(user.UserName!);
        Assert.Equal("/recover/reason", browser.Path);
        await browser.ChooseReasonAsync();
        var start = await StepAsync("Login page, \"Can't access your account?\", user ID and CAPTCHA, reason");

        await browser.ChooseMethodAsync("AlternateEmail");
        Assert.Contains("We emailed a code to", browser.Alert, StringComparison.Ordinal);
        var code = await CodeByEmailAsync(user.AlternateEmail!);
        var sent = await StepAsync($"Email chosen; a node's dispatcher sent the code {code} to the SMTP server");

        await browser.EnterCodeAsync(code);
        Assert.Equal("/recover/password", browser.Path);
        await browser.NewPasswordAsync(NewPassword);
        Assert.Equal("/recover/done", browser.Path);
        var reset = await StepAsync("Code entered, new password set");

        using var signIn = Idp.CreateClient();
        await HtmlForms.SignInAsync(signIn, user.UserName!, NewPassword);
        using var home = await signIn.GetAsync(new Uri("Account", UriKind.Relative));
        Assert.Equal("/Account", home.RequestMessage!.RequestUri!.AbsolutePath);
        var after = await StepAsync("Signed in with the new password");

        AssertAlternating([.. start, .. sent, .. reset, .. after]);
    }

    [Fact]
    public async Task CodeFlow_TokenAndRefresh_AreServedByDifferentNodes()
    {
        var user = await TestData.CreateUserAsync(Idp);
        var clientId = "lb-" + Guid.NewGuid().ToString("N")[..8];
        var redirect = new Uri("http://127.0.0.1:9/callback");
        await TestData.RegisterClientAsync(Idp, clientId, redirect);
        await TakeAsync();
        var client = new AuthorizationCodeClient(Idp);

        await client.SignInAsync(user.UserName!, TestData.Password);
        var (verifier, challenge) = AuthorizationCodeClient.NewPkce();
        var code = await client.GetCodeAsync(clientId, redirect, challenge);
        var authorize = await StepAsync("Sign-in, then the authorization request (code + PKCE)");

        using var http = new HttpClient();
        var tokens = await http.RequestAuthorizationCodeTokenAsync(new AuthorizationCodeTokenRequest
        {
            Address = new Uri(Idp.BaseAddress, "connect/token").ToString(), ClientId = clientId, Code = code, RedirectUri = redirect.ToString(), CodeVerifier = verifier,
        });
        Assert.False(tokens.IsError, tokens.Error);
        var redeem = await StepAsync("Code redeemed for tokens");

        var refreshed = await RefreshAsync(http, clientId, tokens.RefreshToken!);
        var again = await RefreshAsync(http, clientId, refreshed.RefreshToken!);
        var refresh = await StepAsync("Refreshed twice (each refresh rotates the refresh token)");
        var userInfo = await http.GetUserInfoAsync(new UserInfoRequest { Address = new Uri(Idp.BaseAddress, "connect/userinfo").ToString(), Token = again.AccessToken! });
        var reuse = await RefreshAsync(http, clientId, tokens.RefreshToken!);
        var info = await StepAsync("Userinfo with the newest access token; then the first, rotated refresh token used again");

        Assert.False(refreshed.IsError, refreshed.Error);
        Assert.False(again.IsError, again.Error);
        Assert.NotEqual(tokens.RefreshToken, refreshed.RefreshToken);
        Assert.False(userInfo.IsError, userInfo.Error);
        Assert.Equal(user.Id, userInfo.Json?.GetProperty("sub").GetString());
        // Reuse of a rotated refresh token is refused whichever node it reaches: the nodes share the token store.
        Assert.Equal("invalid_grant", reuse.Error);
        var exchange = redeem.Concat(refresh).ToList();
        Assert.Equal(3, exchange.Count(r => r.Uri.StartsWith("/connect/token", StringComparison.Ordinal)));
        AssertAlternating([.. authorize, .. exchange, .. info]);
    }

    [Fact]
    public async Task WrongPasswords_OnDifferentNodes_LockTheAccount_AtTheThreshold()
    {
        var user = await TestData.CreateUserAsync(Idp);
        await TakeAsync();
        using var browser = new SignInBrowser(Idp);
        await browser.PrepareAsync();

        var wrong = new List<string>();
        for (var i = 0; i < ScaleOutFixture.LockoutThreshold; i++)
        {
            wrong.Add((await browser.SignInAsync(user.UserName!, $"Wrong-Guess-{i}")).Html);
        }

        var guesses = await StepAsync($"{ScaleOutFixture.LockoutThreshold} wrong passwords");
        var right = await browser.SignInAsync(user.UserName!, TestData.Password);
        var locked = await StepAsync("The right password, now that the account is locked");

        Assert.All(wrong, html => Assert.Contains("That username or password is not right.", html, StringComparison.Ordinal));
        Assert.Contains("Sign-in from this browser is paused", right.Html, StringComparison.Ordinal);
        // Consecutive guesses on different nodes: with a counter per node, none would have reached the threshold.
        AssertAlternating([.. guesses, .. locked]);
    }

    [Fact]
    public async Task ANodeKilledMidJourney_TheResetFinishesOnTheOthers_WithNoErrorTheUserSees()
    {
        var user = await RecoveryData.CreateUserAsync(Idp, u => u.AlternateEmail = $"{u.UserName}@home.example");
        await TakeAsync();
        using var browser = new RecoveryBrowser(Idp);
        await browser.StartAsync(user.UserName!);
        await browser.ChooseReasonAsync();
        var before = await StepAsync("Reset started, reason chosen");

        // Kill the node that round robin gives the next request to, so that request meets a dead node.
        var next = fixture.Nodes[(fixture.Nodes.ToList().FindIndex(n => n.Port == before[^1].ServedBy) + 1) % fixture.Nodes.Count];
        next.Kill();
        output.WriteLine($"== {fixture.NodeName(next.Port)} killed (SIGKILL) (at {clock.Elapsed.TotalSeconds:0.0} s)");
        try
        {
            await browser.ChooseMethodAsync("AlternateEmail");
            Assert.True(browser.Page.IsSuccessStatusCode, $"The user saw {(int)browser.Page.StatusCode} on {browser.Path}.");
            Assert.Contains("We emailed a code to", browser.Alert, StringComparison.Ordinal);
            var code = await CodeByEmailAsync(user.AlternateEmail!);
            await browser.EnterCodeAsync(code);
            await browser.NewPasswordAsync(NewPassword);
            Assert.Equal("/recover/done", browser.Path);
            Assert.Equal("Your password was reset", browser.Heading);
            using var signIn = Idp.CreateClient();
            await HtmlForms.SignInAsync(signIn, user.UserName!, NewPassword);
            using var home = await signIn.GetAsync(new Uri("Account", UriKind.Relative));
            Assert.Equal("/Account", home.RequestMessage!.RequestUri!.AbsolutePath);
            var after = await StepAsync("Email chosen, code entered, new password set, signed in with it");

            var retried = after[0];
            Assert.Equal([next.Port, retried.ServedBy], retried.Tries.Select(t => t.Port));
            Assert.Equal("502", retried.Tries[0].Status);
            Assert.All(after, r => Assert.True(r.Status < 400, $"{r.Method} {r.Uri} answered {r.Status}"));
            // nginx tries the dead node again once its fail_timeout (10 s) has passed, as it should; every such request
            // is passed on to a live node too, so the user never sees it.
            Assert.All(after.Where(r => r.Tries.Any(t => t.Port == next.Port)), r => Assert.NotEqual(next.Port, r.ServedBy));
            Assert.True(after.Select(r => r.ServedBy).Distinct().Count() >= 2);
        }
        catch
        {
            await StepAsync("What nginx logged before the failure");
            throw;
        }
        finally
        {
            // The other tests of the class find all nodes running again.
            var restart = System.Diagnostics.Stopwatch.StartNew();
            await next.StartAgainAsync();
            output.WriteLine($"== {fixture.NodeName(next.Port)} started again in {restart.Elapsed.TotalSeconds:0.0} s");
        }
    }

    private Task<TokenResponse> RefreshAsync(HttpClient http, string clientId, string refreshToken) =>
        http.RequestRefreshTokenAsync(new RefreshTokenRequest { Address = new Uri(Idp.BaseAddress, "connect/token").ToString(), ClientId = clientId, RefreshToken = refreshToken });

    /// <summary>The code in the newest email the SMTP server received for <paramref name="recipient"/>.</summary>
    private async Task<string> CodeByEmailAsync(string recipient)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var mail = fixture.Smtp.Received.LastOrDefault(m => m.To.ToString().Contains(recipient, StringComparison.Ordinal));
            if (mail is not null)
            {
                return RecoveryData.CodeIn(mail.TextBody ?? string.Empty);
            }

            Assert.True(DateTime.UtcNow < deadline, $"No email reached {recipient}.");
            await Task.Delay(50);
        }
    }

    /// <summary>
    /// Consecutive requests went to different nodes, and no request was answered by nginx itself. (Not necessarily all
    /// three: after the test that kills a node, nginx leaves the restarted node out for its fail_timeout.)
    /// </summary>
    private static void AssertAlternating(List<NginxServer.ProxiedRequest> requests)
    {
        Assert.True(requests.Count >= 2, "Too few requests to alternate.");
        Assert.All(requests, r => Assert.NotEqual(0, r.ServedBy));
        for (var i = 1; i < requests.Count; i++)
        {
            Assert.True(requests[i].ServedBy != requests[i - 1].ServedBy, $"{requests[i - 1].Uri} and {requests[i].Uri} went to the same node.");
        }
    }

    /// <summary>The requests of a step of the journey, written to the test output with the node that served each.</summary>
    private async Task<IReadOnlyList<NginxServer.ProxiedRequest>> StepAsync(string step)
    {
        var requests = await fixture.Nginx.TakeRequestsAsync();
        output.WriteLine($"== {step} (at {clock.Elapsed.TotalSeconds:0.0} s)");
        foreach (var request in requests)
        {
            var tries = string.Join(", then ", request.Tries.Select(t => $"{fixture.NodeName(t.Port)} ({t.Status})"));
            output.WriteLine($"   {request.Method,-4} {Shorten(request.Uri),-60} {request.Status}  {tries}");
        }

        return requests;
    }

    /// <summary>Forgets what nginx logged so far (nothing of the journey: test data goes to the database directly).</summary>
    private async Task TakeAsync()
    {
        output.WriteLine($"== {ScaleOutFixture.NodeCount} server processes and nginx started in {fixture.StartTime.TotalSeconds:0.0} s (once for the class, {fixture.KeysAtStart} Data Protection key(s) in the database); test data written in {clock.Elapsed.TotalSeconds:0.0} s");
        await fixture.Nginx.TakeRequestsAsync();
    }

    private static string Shorten(string uri) => uri.Length <= 60 ? uri : uri[..57] + "...";
}
