using System.IdentityModel.Tokens.Jwt;
using System.Net;
using System.Net.Http.Json;
using IdentityProvider.Account.Sessions;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.Lockout;
using IdentityProvider.SelfService.MultiFactor;
using IdentityProvider.Testing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityProvider.IntegrationTests.SelfService;

/// <summary>
/// A second factor at sign-in through a real relying app (ASP.NET Core's OpenID Connect handler): each kind of code,
/// what the app receives (<c>amr</c>, <c>acr</c>), remembered browsers, step-up, <c>prompt=none</c>, grace, lockout.
/// </summary>
public sealed class MultiFactorSignInTests(OidcFixture fixture) : IClassFixture<OidcFixture>
{
    private static readonly System.Text.Json.JsonSerializerOptions Json = new(System.Text.Json.JsonSerializerDefaults.Web);

    private IdentityProviderHost Idp => fixture.Idp;

    private RelyingPartyHost Rp => fixture.Rp;

    [Fact]
    public async Task AuthenticatorApp_AsSecondFactor_TheAppReceivesOtpAndMfa()
    {
        var user = await RecoveryData.CreateMultiFactorUserAsync(Idp, authenticator: true);
        using var browser = new RecoveryBrowser(Idp);
        await SignInThroughAppAsync(browser, user);
        Assert.Equal("/Account/SecondFactor", browser.Path);
        Assert.Contains("authenticator app", browser.Text, StringComparison.OrdinalIgnoreCase);

        await browser.EnterSecondFactorAsync(RecoveryData.AuthenticatorCode(DateTimeOffset.UtcNow));

        var token = IdToken(browser);
        Assert.Equal(["mfa", "otp", "pwd"], token.Claims.Where(c => c.Type == "amr").Select(c => c.Value).Order(StringComparer.Ordinal).ToArray());
        Assert.Equal("2", token.Claims.Single(c => c.Type == "acr").Value);
        Assert.Contains(await fixture.AuditAsync(user.Id), e => e.EventType == AuditEventTypes.SecondFactorPassed && e.Method == nameof(SignInMethod.AuthenticatorApp));
    }

    [Fact]
    public async Task RightPasswordAlone_GivesNoSessionAndNoCode()
    {
        var user = await RecoveryData.CreateMultiFactorUserAsync(Idp, authenticator: true);
        using var browser = new RecoveryBrowser(Idp);
        await SignInThroughAppAsync(browser, user);
        Assert.Equal("/Account/SecondFactor", browser.Path);

        await browser.OpenAsync("Account");
        Assert.Equal("/Account/Login", browser.Path);
        using var client = Idp.CreateClient(followRedirects: false, browser.Cookies);
        var request = AuthorizationCodeClient.Request(RelyingPartyHost.ClientId, Rp.RedirectUri, AuthorizationCodeClient.NewPkce().Challenge);
        request["prompt"] = "none";
        using var answer = await client.GetAsync(new Uri(QueryHelpers.AddQueryString("connect/authorize", request), UriKind.Relative));
        Assert.Equal("login_required", QueryHelpers.ParseQuery(answer.Headers.Location!.Query)["error"].ToString());
    }

    [Fact]
    public async Task SignInAsSomeoneElse_DropsTheSignInWaitingForItsSecondFactor()
    {
        var user = await RecoveryData.CreateMultiFactorUserAsync(Idp, authenticator: true);
        using var browser = new RecoveryBrowser(Idp);
        await SignInThroughAppAsync(browser, user);
        var verify = browser.FormAction("Verify");
        using var answer = browser.FormContent(new() { ["Code"] = RecoveryData.AuthenticatorCode(DateTimeOffset.UtcNow) }, "Verify");

        await browser.SubmitAsync([], "Cancel");
        Assert.Equal("/Account/Login", browser.Path);

        // The right code, posted afterwards to the page it was meant for, finds no sign-in to finish.
        using var late = await browser.Client.PostAsync(verify, answer);
        Assert.Equal("/Account/Login", late.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.DoesNotContain(await fixture.AuditAsync(user.Id), e => e.EventType == AuditEventTypes.SecondFactorPassed);
    }

    [Fact]
    public async Task TextMessageCode_AsSecondFactor_RecordsSms()
    {
        var user = await RecoveryData.CreateMultiFactorUserAsync(Idp, configure: u => u.MobilePhone = "+15550" + Random.Shared.Next(100000, 999999));
        using var browser = new RecoveryBrowser(Idp);
        await SignInThroughAppAsync(browser, user);
        Assert.Contains("Text a code", browser.Text, StringComparison.Ordinal);

        await browser.SubmitAsync([], "Send");
        var code = await RecoveryData.LatestCodeAsync(Idp, user.MobilePhone!);
        await browser.EnterSecondFactorAsync(code);

        var token = IdToken(browser);
        Assert.Contains(token.Claims, c => c.Type == "amr" && c.Value == "sms");
        Assert.Contains(token.Claims, c => c.Type == "amr" && c.Value == "mfa");
    }

    [Fact]
    public async Task PhoneCall_AsSecondFactor_RecordsTel()
    {
        var user = await RecoveryData.CreateMultiFactorUserAsync(Idp, configure: u => u.MobilePhone = "+15551" + Random.Shared.Next(100000, 999999));
        using var browser = new RecoveryBrowser(Idp);
        await SignInThroughAppAsync(browser, user, SignInMethod.MobileCall);
        Assert.Equal("Call your mobile", HtmlForms.Parse(browser.Html).QuerySelector("#method-heading")!.TextContent.Trim());

        await browser.SubmitAsync([], "Send");
        var call = (await RecoveryData.MessagesToAsync(Idp, user.MobilePhone!)).First();
        Assert.Equal(IdentityProvider.Messaging.MessageChannel.Voice, call.Channel);
        await browser.EnterSecondFactorAsync(RecoveryData.CodeIn(call.TextBody));

        var amr = IdToken(browser).Claims.Where(c => c.Type == "amr").Select(c => c.Value).ToList();
        Assert.Contains("tel", amr);
        Assert.Contains("mfa", amr);
    }

    [Fact]
    public async Task EmailCode_CountsOnlyWhenThePolicyAllowsIt()
    {
        var user = await RecoveryData.CreateMultiFactorUserAsync(Idp, configure: u => u.AlternateEmail = u.UserName + "@home.example");
        using (var refused = new RecoveryBrowser(Idp))
        {
            // Email is not a second factor by default: this user has no method, so sign-in asks them to register one.
            await SignInThroughAppAsync(refused, user);
            Assert.Equal("/Account/SecurityInfo", refused.Path);
        }

        await RecoveryData.SetPolicyAsync<MultiFactorPolicySettings>(Idp, p => p.Methods = [.. p.Methods, SignInMethod.AlternateEmail]);
        using var browser = new RecoveryBrowser(Idp);
        await SignInThroughAppAsync(browser, user);
        Assert.Equal("/Account/SecondFactor", browser.Path);
        await browser.SubmitAsync([], "Send");
        await browser.EnterSecondFactorAsync(await RecoveryData.LatestCodeAsync(Idp, user.AlternateEmail!));

        Assert.Contains(IdToken(browser).Claims, c => c.Type == "amr" && c.Value == "otp");
    }

    [Fact]
    public async Task BackupCode_SignsInOnce()
    {
        var user = await RecoveryData.CreateMultiFactorUserAsync(Idp, authenticator: true);
        var codes = await GenerateBackupCodesAsync(user.Id);
        Assert.Equal(10, codes.Count);
        Assert.Equal(10, codes.Distinct().Count());

        using (var first = new RecoveryBrowser(Idp))
        {
            await SignInThroughAppAsync(first, user, SignInMethod.BackupCode);
            await first.EnterSecondFactorAsync(codes[3].ToUpperInvariant());
            Assert.Contains(IdToken(first).Claims, c => c.Type == "amr" && c.Value == "otp");
        }

        using var second = new RecoveryBrowser(Idp);
        await SignInThroughAppAsync(second, user, SignInMethod.BackupCode);
        await second.EnterSecondFactorAsync(codes[3]);
        Assert.Equal("/Account/SecondFactor", second.Path);
        Assert.Contains("used already", second.Text, StringComparison.Ordinal);
        await using var scope = Idp.CreateScope();
        var stored = await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Set<BackupCode>().AsNoTracking().Where(c => c.UserId == user.Id).ToListAsync();
        Assert.DoesNotContain(stored, c => codes.Any(code => c.CodeHash.Contains(code.Replace("-", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase)));
        Assert.Single(stored, c => c.UsedAt is not null);
    }

    [Fact]
    public async Task BackupCodesAlone_AreNotASecondFactor_TheUserIsAskedToRegisterOne()
    {
        var user = await RecoveryData.CreateMultiFactorUserAsync(Idp);
        await GenerateBackupCodesAsync(user.Id);
        using var browser = new RecoveryBrowser(Idp);
        await SignInThroughAppAsync(browser, user);

        Assert.Equal("/Account/SecurityInfo", browser.Path);
        Assert.Contains("Add a second way to sign in", browser.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RememberedBrowser_SkipsTheStep_UntilAResetForgetsIt()
    {
        var user = await RecoveryData.CreateMultiFactorUserAsync(Idp, authenticator: true);
        using var browser = new RecoveryBrowser(Idp);
        await SignInThroughAppAsync(browser, user);
        await browser.EnterSecondFactorAsync(RecoveryData.AuthenticatorCode(DateTimeOffset.UtcNow), rememberBrowser: true);
        Assert.Equal("/me", browser.Path);

        await SignOutAsync(browser);
        await SignInThroughAppAsync(browser, user);
        Assert.Equal("/me", browser.Path);
        Assert.Contains(await fixture.AuditAsync(user.Id), e => e.EventType == AuditEventTypes.SecondFactorSkippedRememberedBrowser);

        // A reset (like a password change or "sign out everywhere") gives the user a new security stamp.
        await EndAllSessionsAsync(user.Id);
        await SignOutAsync(browser);
        await SignInThroughAppAsync(browser, user);
        Assert.Equal("/Account/SecondFactor", browser.Path);
    }

    [Fact]
    public async Task RememberedBrowser_DoesNotCarryOverToAnotherUser()
    {
        var first = await RecoveryData.CreateMultiFactorUserAsync(Idp, authenticator: true);
        var second = await RecoveryData.CreateMultiFactorUserAsync(Idp, authenticator: true);
        using var browser = new RecoveryBrowser(Idp);
        await SignInThroughAppAsync(browser, first);
        await browser.EnterSecondFactorAsync(RecoveryData.AuthenticatorCode(DateTimeOffset.UtcNow), rememberBrowser: true);
        await SignOutAsync(browser);

        await SignInThroughAppAsync(browser, second);
        Assert.Equal("/Account/SecondFactor", browser.Path);
    }

    [Fact]
    public async Task CredentialChangeWhileWaiting_VoidsThePendingSignIn()
    {
        var user = await RecoveryData.CreateMultiFactorUserAsync(Idp, authenticator: true);
        using var browser = new RecoveryBrowser(Idp);
        await SignInThroughAppAsync(browser, user);
        Assert.Equal("/Account/SecondFactor", browser.Path);

        await EndAllSessionsAsync(user.Id);
        await browser.EnterSecondFactorAsync(RecoveryData.AuthenticatorCode(DateTimeOffset.UtcNow));
        Assert.Equal("/Account/Login", browser.Path);
    }

    [Fact]
    public async Task StepUp_WithAcrValuesMfa_AsksASignedInUserForASecondFactor()
    {
        // Not covered by the policy: the password alone signs in, until the app asks for more.
        var user = await RecoveryData.CreateUserAsync(Idp, authenticator: true);
        using var browser = new RecoveryBrowser(Idp);
        await SignInThroughAppAsync(browser, user);
        Assert.Equal("/me", browser.Path);
        Assert.Equal("1", IdToken(browser).Claims.Single(c => c.Type == "acr").Value);

        await browser.OpenAsync(new Uri(Rp.BaseAddress, "login?acr_values=mfa").ToString());
        Assert.Equal("/Account/SecondFactor", browser.Path);
        Assert.Contains("asks for a second proof", browser.Text, StringComparison.Ordinal);
        await browser.EnterSecondFactorAsync(RecoveryData.AuthenticatorCode(DateTimeOffset.UtcNow));

        var token = IdToken(browser);
        Assert.Equal("mfa", token.Claims.Single(c => c.Type == "acr").Value);
        Assert.Contains(token.Claims, c => c.Type == "amr" && c.Value == "otp");
        Assert.Contains(await fixture.AuditAsync(user.Id), e => e.EventType == AuditEventTypes.SecondFactorPassed && e.Reason == "step-up");
    }

    [Fact]
    public async Task PromptNone_WhenASecondFactorIsNeeded_AnswersInteractionRequired()
    {
        var user = await RecoveryData.CreateUserAsync(Idp, authenticator: true);
        using var browser = new RecoveryBrowser(Idp);
        await SignInThroughAppAsync(browser, user);

        using var client = Idp.CreateClient(followRedirects: false, browser.Cookies);
        var request = AuthorizationCodeClient.Request(RelyingPartyHost.ClientId, Rp.RedirectUri, AuthorizationCodeClient.NewPkce().Challenge);
        request["prompt"] = "none";
        request["acr_values"] = "mfa";
        using var answer = await client.GetAsync(new Uri(QueryHelpers.AddQueryString("connect/authorize", request), UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, answer.StatusCode);
        Assert.StartsWith(Rp.RedirectUri.ToString(), answer.Headers.Location!.ToString(), StringComparison.Ordinal);
        Assert.Equal("interaction_required", QueryHelpers.ParseQuery(answer.Headers.Location.Query)["error"].ToString());
    }

    [Fact]
    public async Task MaxAge_DemandsAFreshSecondFactor()
    {
        var user = await RecoveryData.CreateMultiFactorUserAsync(Idp, authenticator: true);
        using var browser = new RecoveryBrowser(Idp);
        await SignInThroughAppAsync(browser, user);
        await browser.EnterSecondFactorAsync(RecoveryData.AuthenticatorCode(DateTimeOffset.UtcNow));
        Assert.Equal("/me", browser.Path);

        await using (var scope = Idp.CreateScope())
        {
            var old = DateTimeOffset.UtcNow.AddMinutes(-10);
            await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Set<UserSession>().Where(s => s.UserId == user.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.SecondFactorAt, old));
        }

        // The session is fresh enough for max_age=3600, but its second factor is not fresh enough for max_age=300.
        await browser.OpenAsync(new Uri(Rp.BaseAddress, "login?acr_values=mfa&max_age=3600").ToString());
        Assert.Equal("/me", browser.Path);
        await browser.OpenAsync(new Uri(Rp.BaseAddress, "login?acr_values=mfa&max_age=300").ToString());
        Assert.NotEqual("/me", browser.Path);
    }

    [Fact]
    public async Task UserWithoutAMethod_IsAskedToRegister_AndMayPutItOffOnlyDuringTheGracePeriod()
    {
        var user = await RecoveryData.CreateMultiFactorUserAsync(Idp);
        using var browser = new RecoveryBrowser(Idp);
        await SignInThroughAppAsync(browser, user);
        Assert.Equal("/Account/SecurityInfo", browser.Path);
        Assert.Contains("Add a second way to sign in", browser.Text, StringComparison.Ordinal);
        await browser.SubmitAsync([], "Skip");
        Assert.Equal("/me", browser.Path);

        await TestData.UpdateUserAsync(Idp, user.Id, async (users, u) =>
        {
            u.MultiFactorGraceStartedAt = DateTimeOffset.UtcNow.AddDays(-30);
            await users.UpdateAsync(u);
        });
        await browser.OpenAsync(new Uri(Rp.BaseAddress, "login").ToString());
        Assert.Equal("/Account/SecurityInfo", browser.Path);
        Assert.Empty(HtmlForms.Parse(browser.Html).QuerySelectorAll("form[action*='handler=Skip']"));
        // Posting "Not now" anyway (with a valid antiforgery token from another form of the page) is refused.
        using var content = browser.FormContent([], "AuthenticatorStart");
        using var skipped = await browser.Client.PostAsync(new Uri(browser.Page.RequestMessage!.RequestUri!, "?handler=Skip&step=mfa"), content);
        Assert.Equal("/Account/SecurityInfo", skipped.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Contains("asks you to register before you go on", await skipped.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ParallelWrongCodes_AreCountedExactly_AndDoNotPauseThePassword()
    {
        var user = await RecoveryData.CreateMultiFactorUserAsync(Idp, authenticator: true);
        using var browser = new RecoveryBrowser(Idp);
        await SignInThroughAppAsync(browser, user);
        var action = browser.FormAction("Verify");

        var statuses = await Task.WhenAll(Enumerable.Range(0, 25).Select(async _ =>
        {
            using var content = browser.FormContent(new() { ["Code"] = "000000" }, "Verify");
            using var response = await browser.Client.PostAsync(action, content);
            return (int)response.StatusCode;
        }));

        Assert.All(statuses, s => Assert.True(s is 400 or 429, $"A wrong code answered {s}."));
        // The default threshold is 10: exactly ten codes were checked, the rest were refused unchecked.
        Assert.Equal(10, statuses.Count(s => s == 400));
        Assert.Equal(15, statuses.Count(s => s == 429));
        Assert.Equal(10, (await fixture.AuditAsync(user.Id)).Count(e => e.EventType == AuditEventTypes.SecondFactorFailed && e.Reason!.StartsWith("wrong-code", StringComparison.Ordinal)));

        // The password is counted apart: the right one still reaches the second step.
        using var again = new RecoveryBrowser(Idp);
        await SignInThroughAppAsync(again, user);
        Assert.Equal("/Account/SecondFactor", again.Path);
    }

    private async Task SignInThroughAppAsync(RecoveryBrowser browser, ApplicationUser user, SignInMethod? method = null)
    {
        await browser.OpenAsync(new Uri(Rp.BaseAddress, "login").ToString());
        if (browser.Path != "/Account/Login")
        {
            return;
        }

        await browser.SubmitAsync(new() { ["Input.UserName"] = user.UserName!, ["Input.Password"] = TestData.Password });
        if (method is { } chosen && browser.Path == "/Account/SecondFactor")
        {
            await browser.OpenAsync(browser.Page.RequestMessage!.RequestUri!.PathAndQuery + "&method=" + chosen);
        }
    }

    private static async Task SignOutAsync(RecoveryBrowser browser)
    {
        await browser.OpenAsync("Account/Logout");
        if (browser.Path == "/Account/Logout")
        {
            await browser.SubmitAsync([]);
        }

        foreach (Cookie cookie in browser.Cookies.GetAllCookies())
        {
            if (!cookie.Name.Contains("mfa-browser", StringComparison.Ordinal) && !cookie.Name.Contains("device", StringComparison.Ordinal))
            {
                cookie.Expired = true;
            }
        }
    }

    private async Task EndAllSessionsAsync(string userId)
    {
        await using var scope = Idp.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        var user = await db.Users.SingleAsync(u => u.Id == userId);
        await scope.ServiceProvider.GetRequiredService<UserSessions>().EndAllAsync(user, keepSessionId: null);
    }

    private async Task<IReadOnlyList<string>> GenerateBackupCodesAsync(string userId)
    {
        await using var scope = Idp.CreateScope();
        var codes = await scope.ServiceProvider.GetRequiredService<BackupCodes>().GenerateAsync(userId);
        await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().SaveChangesAsync();
        return codes;
    }

    private static JwtSecurityToken IdToken(RecoveryBrowser browser)
    {
        Assert.True(browser.Path == "/me", $"The app did not sign the user in: {browser.Path} {browser.Text[..Math.Min(300, browser.Text.Length)]}");
        var session = System.Text.Json.JsonSerializer.Deserialize<RelyingPartySession>(browser.Html, Json)!;
        return new JwtSecurityTokenHandler().ReadJwtToken(session.IdToken);
    }
}
