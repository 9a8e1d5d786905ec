using System.IdentityModel.Tokens.Jwt;
using System.Net;
using Duende.IdentityModel.Client;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.IntegrationTests.SelfService;
using IdentityProvider.Testing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityProvider.IntegrationTests.Account;

/// <summary>
/// A reset or a password change takes the account back at once: every older session, journey, code and pending change
/// ends at its next request, and <c>auth_time</c>/<c>max_age</c> follow real authentication, not cookie renewals.
/// </summary>
public sealed class TakeBackTests(RecoveryClockFixture fixture) : IClassFixture<RecoveryClockFixture>
{
    private const string NewPassword = "Velvet-Orchard-Kettle-73";

    private IdentityProviderHost Idp => fixture.Idp;

    [Fact]
    public async Task AResetElsewhere_EndsAnOldSession_AtItsNextRequest_SoItCannotChangeSecurityInfo()
    {
        var user = await RecoveryData.CreateUserAsync(Idp, u => u.AlternateEmail = $"{u.UserName}@home.example");
        using var attacker = new RecoveryBrowser(Idp);
        await HtmlForms.SignInAsync(attacker.Client, user.UserName!, TestData.Password);
        await attacker.OpenAsync("Account/SecurityInfo");
        Assert.Equal("/Account/SecurityInfo", attacker.Path);
        var emailForm = attacker.FormContent(new() { ["NewEmail"] = "attacker@evil.example" }, "Email");
        var emailAction = attacker.FormAction("Email");

        using (var owner = new RecoveryBrowser(Idp))
        {
            await owner.StartAsync(user.UserName!);
            await owner.ChooseReasonAsync();
            await owner.ChooseMethodAsync("AlternateEmail");
            await owner.EnterCodeAsync(await RecoveryData.LatestCodeAsync(Idp, user.AlternateEmail!));
            await owner.NewPasswordAsync(NewPassword);
            Assert.Equal("/recover/done", owner.Path);
        }

        // The very next request of the old session is refused, with no clock moved and no cache to wait for.
        await attacker.OpenAsync("Account");
        Assert.Equal("/Account/Login", attacker.Path);
        using var posted = await attacker.Client.PostAsync(emailAction, emailForm);
        Assert.Equal("/Account/Login", posted.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Empty(await RecoveryData.MessagesToAsync(Idp, "attacker@evil.example"));
        await using var scope = Idp.CreateScope();
        var stored = await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Users.AsNoTracking().SingleAsync(u => u.Id == user.Id);
        Assert.Equal(user.AlternateEmail, stored.AlternateEmail);
    }

    [Fact]
    public async Task APasswordChange_EndsAnOpenRecoveryJourney_AndItsCode()
    {
        var user = await RecoveryData.CreateUserAsync(Idp, u => u.AlternateEmail = $"{u.UserName}@home.example");
        using var journey = new RecoveryBrowser(Idp);
        await journey.StartAsync(user.UserName!);
        await journey.ChooseReasonAsync();
        await journey.ChooseMethodAsync("AlternateEmail");
        var code = await RecoveryData.LatestCodeAsync(Idp, user.AlternateEmail!);

        using (var owner = new RecoveryBrowser(Idp))
        {
            await HtmlForms.SignInAsync(owner.Client, user.UserName!, TestData.Password);
            await owner.OpenAsync("Account/ChangePassword");
            await owner.SubmitAsync(new()
            {
                ["Input.CurrentPassword"] = TestData.Password, ["Input.NewPassword"] = NewPassword, ["Input.ConfirmPassword"] = NewPassword,
            });
            Assert.Contains("Your password has been changed", owner.Alert, StringComparison.Ordinal);
        }

        await journey.EnterCodeAsync(code);
        Assert.Equal("/recover/expired", journey.Path);
        using var signIn = new RecoveryBrowser(Idp);
        await HtmlForms.SignInAsync(signIn.Client, user.UserName!, NewPassword);
        await signIn.OpenAsync("Account");
        Assert.Equal("/Account", signIn.Path);
    }

    [Fact]
    public async Task AForcedChangeWaitingInABrowser_IsVoidedByAResetElsewhere()
    {
        var user = await RecoveryData.CreateUserAsync(Idp, u =>
        {
            u.AlternateEmail = $"{u.UserName}@home.example";
            u.MustChangePassword = true;
        });
        using var pending = new RecoveryBrowser(Idp);
        await pending.OpenAsync("Account/Login");
        await pending.SubmitAsync(new() { ["Input.UserName"] = user.UserName!, ["Input.Password"] = TestData.Password });
        Assert.Equal("/Account/ForcedChange", pending.Path);

        using (var owner = new RecoveryBrowser(Idp))
        {
            await owner.StartAsync(user.UserName!);
            await owner.ChooseReasonAsync();
            await owner.ChooseMethodAsync("AlternateEmail");
            await owner.EnterCodeAsync(await RecoveryData.LatestCodeAsync(Idp, user.AlternateEmail!));
            await owner.NewPasswordAsync(NewPassword);
        }

        await pending.SubmitAsync(new() { ["Input.NewPassword"] = "Amber-Lighthouse-Quarry-58", ["Input.ConfirmPassword"] = "Amber-Lighthouse-Quarry-58" });
        Assert.Equal("/Account/Login", pending.Path);
        using var check = new RecoveryBrowser(Idp);
        await HtmlForms.SignInAsync(check.Client, user.UserName!, NewPassword);
        await check.OpenAsync("Account");
        Assert.Equal("/Account", check.Path);
    }

    [Fact]
    public async Task MaxAge_ComparesWithTheLastSignIn_NotWithTheCookiesRenewal_AndAuthTimeStaysTheSignIn()
    {
        var user = await RecoveryData.CreateUserAsync(Idp);
        var clientId = "max-age-" + Guid.NewGuid().ToString("N")[..8];
        var redirect = new Uri("https://app.example/callback");
        await TestData.RegisterClientAsync(Idp, clientId, redirect);
        var browser = new AuthorizationCodeClient(Idp);
        var signedInAt = fixture.Clock.GetUtcNow();
        await browser.SignInAsync(user.UserName!, TestData.Password);

        fixture.Clock.Advance(TimeSpan.FromSeconds(320));
        using (var renew = browser.Browser)
        {
            (await renew.GetAsync(new Uri("Account", UriKind.Relative))).Dispose();
        }

        var (verifier, challenge) = AuthorizationCodeClient.NewPkce();
        var request = AuthorizationCodeClient.Request(clientId, redirect, challenge, "openid");
        request["max_age"] = "60";
        using (var tooOld = await browser.AuthorizeAsync(request))
        {
            Assert.Equal("/Account/Login", tooOld.Headers.Location!.AbsolutePath);
        }

        request["prompt"] = "none";
        using (var silent = await browser.AuthorizeAsync(request))
        {
            Assert.Equal("login_required", QueryHelpers.ParseQuery(silent.Headers.Location!.Query)["error"].ToString());
        }

        // Without max_age a code comes back, and its id_token's auth_time is the sign-in, not the renewal.
        var code = await browser.GetCodeAsync(clientId, redirect, challenge, "openid");
        using var http = new HttpClient();
        var token = await http.RequestAuthorizationCodeTokenAsync(new AuthorizationCodeTokenRequest
        {
            Address = new Uri(Idp.BaseAddress, "connect/token").ToString(), ClientId = clientId, Code = code, RedirectUri = redirect.ToString(), CodeVerifier = verifier,
        });
        Assert.False(token.IsError, token.Error);
        var idToken = new JwtSecurityTokenHandler().ReadJwtToken(token.IdentityToken);
        var authTime = long.Parse(idToken.Claims.Single(c => c.Type == "auth_time").Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(authTime, signedInAt.ToUnixTimeSeconds() - 1, signedInAt.ToUnixTimeSeconds() + 2);
        Assert.NotEmpty(idToken.Claims.Single(c => c.Type == "sid").Value);
    }

    [Fact]
    public async Task AStrangerStartingJourneys_BlocksStrangers_NotTheUsersOwnBrowser()
    {
        var user = await RecoveryData.CreateUserAsync(Idp, u => u.AlternateEmail = $"{u.UserName}@home.example");
        var usual = new CookieContainer();
        using (var own = new RecoveryBrowser(Idp, usual))
        {
            await HtmlForms.SignInAsync(own.Client, user.UserName!, TestData.Password);
        }

        for (var i = 0; i < 6; i++)
        {
            using var stranger = new RecoveryBrowser(Idp);
            await stranger.StartAsync(user.UserName!);
        }

        using (var blocked = new RecoveryBrowser(Idp))
        {
            await blocked.StartAsync(user.UserName!);
            Assert.Contains("Self-service is blocked for this account for now", blocked.Text, StringComparison.Ordinal);
        }

        using var back = new RecoveryBrowser(Idp, usual);
        await back.StartAsync(user.UserName!);
        Assert.Equal("/recover/reason", back.Path);
        Assert.Contains(await fixture.AuditAsync(user.Id), e => e.EventType == AuditEventTypes.RecoveryBlocked);
    }
}
