using System.Net;
using IdentityProvider.Account.Sessions;
using IdentityProvider.Admin;
using IdentityProvider.Admin.Users.Actions;
using IdentityProvider.Data;
using IdentityProvider.Passwords;
using IdentityProvider.SelfService.MultiFactor;
using IdentityProvider.SelfService.Verification;
using IdentityProvider.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityProvider.IntegrationTests.SelfService;

/// <summary>
/// An attacker's view of multi-factor sign-in: each test states what must hold and fails while the weakness is there.
/// </summary>
public sealed class MultiFactorAttackTests(OidcFixture fixture) : IClassFixture<OidcFixture>
{
    /// <summary>The lockout policy's default threshold.</summary>
    private const int Threshold = 10;

    private IdentityProviderHost Idp => fixture.Idp;

    private RelyingPartyHost Rp => fixture.Rp;

    /// <summary>
    /// A stranger who knows only the password must not be able to lock the real user out of the browser they always use:
    /// the familiar-device class exists for exactly that. Today the right password alone hands the stranger the user's
    /// familiar-device cookie (before any second factor), so the stranger's wrong codes land on the familiar counter.
    /// </summary>
    [Fact]
    public async Task StrangerWithThePasswordOnly_CannotLockTheUserOutOfTheirFamiliarBrowser()
    {
        var user = await RecoveryData.CreateMultiFactorUserAsync(Idp, authenticator: true);
        using var familiar = new RecoveryBrowser(Idp);
        await SignInThroughAppAsync(familiar, user);
        await familiar.EnterSecondFactorAsync(RecoveryData.AuthenticatorCode(DateTimeOffset.UtcNow));
        Assert.Equal("/me", familiar.Path);
        await SignOutAsync(familiar);

        using var stranger = new RecoveryBrowser(Idp);
        await SignInThroughAppAsync(stranger, user);
        Assert.Equal("/Account/SecondFactor", stranger.Path);
        for (var i = 0; i <= Threshold; i++)
        {
            await stranger.EnterSecondFactorAsync("000000");
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, stranger.Page.StatusCode);

        // The real user, in the browser they signed in from before, with the right code.
        await SignInThroughAppAsync(familiar, user);
        Assert.Equal("/Account/SecondFactor", familiar.Path);
        await familiar.EnterSecondFactorAsync(RecoveryData.AuthenticatorCode(DateTimeOffset.UtcNow, stepsAhead: 1));
        Assert.True(familiar.Path == "/me", $"The real user was locked out of their familiar browser by a stranger: {familiar.Path} {(int)familiar.Page.StatusCode} {familiar.Alert}");
    }

    /// <summary>
    /// Guesses at the second factor are capped at the threshold per lock period. Today the stranger gets the threshold
    /// twice: once on the familiar counter (the cookie the password earned), and again after deleting that cookie.
    /// </summary>
    [Fact]
    public async Task StrangerWithThePasswordOnly_GetsNoMoreGuessesThanTheThreshold_ByDroppingTheDeviceCookie()
    {
        var user = await RecoveryData.CreateMultiFactorUserAsync(Idp, authenticator: true);
        using var stranger = new RecoveryBrowser(Idp);
        await SignInThroughAppAsync(stranger, user);
        Assert.Equal("/Account/SecondFactor", stranger.Path);
        for (var i = 0; i < Threshold; i++)
        {
            await stranger.EnterSecondFactorAsync("000000");
            Assert.Equal(HttpStatusCode.BadRequest, stranger.Page.StatusCode);
        }

        await stranger.EnterSecondFactorAsync("000000");
        Assert.Equal(HttpStatusCode.TooManyRequests, stranger.Page.StatusCode);

        ExpireCookies(stranger, name => name.Contains("device", StringComparison.Ordinal));
        await stranger.EnterSecondFactorAsync("000001");
        Assert.True(
            stranger.Page.StatusCode == HttpStatusCode.TooManyRequests,
            $"Guess number {Threshold + 1} was checked ({(int)stranger.Page.StatusCode}) after the stranger deleted the device cookie the password gave them.");
    }

    /// <summary>
    /// An administrator "starts the second factor over" because the methods may be in someone else's hands (a stolen
    /// phone). A browser that thief had remembered with the stolen phone must not keep skipping the second factor once the
    /// user registers a new one. Today the remembered browser is bound to the security stamp only, which the action
    /// does not change.
    /// </summary>
    [Fact]
    public async Task AdminStartingTheSecondFactorOver_ForgetsBrowsersRememberedWithTheOldMethods()
    {
        var user = await RecoveryData.CreateMultiFactorUserAsync(Idp, authenticator: true);
        using var thief = new RecoveryBrowser(Idp);
        await SignInThroughAppAsync(thief, user);
        await thief.EnterSecondFactorAsync(RecoveryData.AuthenticatorCode(DateTimeOffset.UtcNow), rememberBrowser: true);
        Assert.Equal("/me", thief.Path);
        await SignOutAsync(thief);

        await using (var scope = Idp.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<ApplicationUserManager>();
            var target = await users.FindByIdAsync(user.Id);
            Assert.Equal(
                AdminActionResult.Done,
                await scope.ServiceProvider.GetRequiredService<RequireSecondFactorRegistrationAction>().RunAsync(new AdminActor("admin", true), target!));
        }

        // The user sets up a new authenticator app on a new phone.
        string newSecret;
        await using (var scope = Idp.CreateScope())
        {
            newSecret = scope.ServiceProvider.GetRequiredService<AuthenticatorCodes>().Protect(AuthenticatorCodes.NewSecret());
        }

        await TestData.UpdateUserAsync(Idp, user.Id, async (users, u) =>
        {
            u.AuthenticatorSecretProtected = newSecret;
            await users.UpdateAsync(u);
        });

        // The thief, with the password (and the old browser), but not the new phone.
        await SignInThroughAppAsync(thief, user);
        Assert.True(thief.Path == "/Account/SecondFactor", $"The thief's remembered browser skipped the new second factor: {thief.Path}");
    }

    /// <summary>
    /// The same action ("methods someone else may hold"): a session the thief opened with the stolen second factor must
    /// end with it. Today the action changes no security stamp and ends no session, so the thief's signed-in browser
    /// keeps getting authorization codes silently (<c>prompt=none</c>).
    /// </summary>
    [Fact]
    public async Task AdminStartingTheSecondFactorOver_EndsSessionsOpenedWithTheOldMethods()
    {
        var user = await RecoveryData.CreateMultiFactorUserAsync(Idp, authenticator: true);
        using var thief = new RecoveryBrowser(Idp);
        await SignInThroughAppAsync(thief, user);
        await thief.EnterSecondFactorAsync(RecoveryData.AuthenticatorCode(DateTimeOffset.UtcNow));
        Assert.Equal("/me", thief.Path);

        await using (var scope = Idp.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<ApplicationUserManager>();
            Assert.Equal(
                AdminActionResult.Done,
                await scope.ServiceProvider.GetRequiredService<RequireSecondFactorRegistrationAction>().RunAsync(new AdminActor("admin", true), (await users.FindByIdAsync(user.Id))!));
        }

        using var client = Idp.CreateClient(followRedirects: false, thief.Cookies);
        var request = AuthorizationCodeClient.Request(RelyingPartyHost.ClientId, Rp.RedirectUri, AuthorizationCodeClient.NewPkce().Challenge);
        request["prompt"] = "none";
        using var answer = await client.GetAsync(new Uri(Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString("connect/authorize", request), UriKind.Relative));
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(answer.Headers.Location!.Query);
        Assert.True(query.ContainsKey("error"), $"The thief's session still receives a code after the administrator voided the second factor: {answer.Headers.Location}");
    }

    /// <summary>
    /// The second-factor page when the user has no method left (removed in another tab, by an administrator, the last
    /// backup code spent elsewhere) while the page was open: an answer, not a server error. Today
    /// <c>OnPostVerifyAsync</c> dereferences <c>Chosen!.Value</c> and answers 500.
    /// </summary>
    [Fact]
    public async Task VerifyingWhenNoMethodIsLeft_IsNotAServerError()
    {
        // Not covered by the policy: signs in with the password, then an app's step-up opens the page.
        var user = await RecoveryData.CreateUserAsync(Idp, authenticator: true);
        using var browser = new RecoveryBrowser(Idp);
        await SignInThroughAppAsync(browser, user);
        Assert.Equal("/me", browser.Path);
        await browser.OpenAsync(new Uri(Rp.BaseAddress, "login?acr_values=mfa").ToString());
        Assert.Equal("/Account/SecondFactor", browser.Path);
        var action = browser.FormAction("Verify");
        using var content = browser.FormContent(new() { ["Code"] = "123456" }, "Verify");

        await using (var scope = Idp.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Users.Where(u => u.Id == user.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(u => u.AuthenticatorSecretProtected, (string?)null));
        }

        using var response = await browser.Client.PostAsync(action, content);
        Assert.True((int)response.StatusCode < 500, $"POST {action} answered {(int)response.StatusCode}.");
    }

    /// <summary>
    /// The admin step-up (<c>/admin/verify</c>) counts every code as coming from an unfamiliar browser, on the same
    /// counter as the sign-in page's second factor. A stranger with only the password (and no device cookie) can so
    /// lock a staff member out of administration from their own signed-in browser.
    /// </summary>
    [Fact]
    public async Task StrangerWithThePasswordOnly_CannotLockAStaffMemberOutOfTheAdminStepUp()
    {
        await using (var scope = Idp.CreateScope())
        {
            var roles = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.RoleManager<Microsoft.AspNetCore.Identity.IdentityRole>>();
            if (!await roles.RoleExistsAsync(StaffRoles.Administrator))
            {
                await roles.CreateAsync(new Microsoft.AspNetCore.Identity.IdentityRole(StaffRoles.Administrator));
            }
        }

        var admin = await RecoveryData.CreateUserAsync(Idp, authenticator: true, role: StaffRoles.Administrator);
        using var own = new RecoveryBrowser(Idp);
        await SignInThroughAppAsync(own, admin);
        Assert.Equal("/Account/SecondFactor", own.Path);
        await own.EnterSecondFactorAsync(RecoveryData.AuthenticatorCode(DateTimeOffset.UtcNow));
        Assert.Equal("/me", own.Path);

        using var stranger = new RecoveryBrowser(Idp);
        await SignInThroughAppAsync(stranger, admin);
        Assert.Equal("/Account/SecondFactor", stranger.Path);
        ExpireCookies(stranger, name => name.Contains("device", StringComparison.Ordinal));
        for (var i = 0; i <= Threshold; i++)
        {
            await stranger.EnterSecondFactorAsync("000000");
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, stranger.Page.StatusCode);

        // The administrator's step-up window has passed; they confirm with the right code from their own browser.
        await using (var scope = Idp.CreateScope())
        {
            var old = DateTimeOffset.UtcNow.AddHours(-1);
            await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Set<UserSession>().Where(s => s.UserId == admin.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.SecondFactorAt, old));
        }

        await own.OpenAsync("admin");
        Assert.Equal("/admin/verify", own.Path);
        await own.SubmitAsync(new() { ["Secret"] = RecoveryData.AuthenticatorCode(DateTimeOffset.UtcNow, stepsAhead: 1) });
        Assert.True(own.Path != "/admin/verify", $"A stranger with the password locked the administrator out of the step-up: {own.Alert}");
    }

    /// <summary>
    /// Text codes at sign-in share the self-service throttle (5 per hour, then a 24-hour block). A stranger with only the
    /// password holds the user's familiar-device cookie (the password earned it), so the block they trigger lands on the
    /// user's own browser: no text code to sign in (nor self-service reset) for a day.
    /// </summary>
    [Fact]
    public async Task StrangerWithThePasswordOnly_CannotBlockTextCodesToTheUsersFamiliarBrowser()
    {
        var user = await RecoveryData.CreateMultiFactorUserAsync(Idp, configure: u => u.MobilePhone = "+15551" + Random.Shared.Next(100000, 999999));
        using var familiar = new RecoveryBrowser(Idp);
        await SignInThroughAppAsync(familiar, user);
        Assert.Equal("/Account/SecondFactor", familiar.Path);
        await familiar.SubmitAsync([], "Send");
        await familiar.EnterSecondFactorAsync(await RecoveryData.LatestCodeAsync(Idp, user.MobilePhone!));
        Assert.Equal("/me", familiar.Path);
        await SignOutAsync(familiar);

        using var stranger = new RecoveryBrowser(Idp);
        await SignInThroughAppAsync(stranger, user);
        Assert.Equal("/Account/SecondFactor", stranger.Path);
        for (var i = 0; i < 6 && stranger.Page.StatusCode != HttpStatusCode.TooManyRequests; i++)
        {
            await stranger.OpenAsync(stranger.Page.RequestMessage!.RequestUri!.PathAndQuery);
            await stranger.SubmitAsync([], "Send");
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, stranger.Page.StatusCode);

        await SignInThroughAppAsync(familiar, user);
        Assert.Equal("/Account/SecondFactor", familiar.Path);
        await familiar.SubmitAsync([], "Send");
        Assert.True(familiar.Page.StatusCode == HttpStatusCode.OK, $"The user's own browser could not get a text code after a stranger's sends: {(int)familiar.Page.StatusCode} {familiar.Alert}");
    }

    /// <summary>
    /// An administrator who turns "remember this browser" off (0 days: never) expects every browser to be asked again.
    /// Today a browser remembered before keeps skipping the second factor for as long as its cookie says (up to 365 days):
    /// <see cref="RememberedBrowsers.IsRemembered"/> does not look at the current policy.
    /// </summary>
    [Fact]
    public async Task TurningRememberBrowserOff_AsksBrowsersRememberedBefore()
    {
        var user = await RecoveryData.CreateMultiFactorUserAsync(Idp, authenticator: true);
        using var browser = new RecoveryBrowser(Idp);
        await SignInThroughAppAsync(browser, user);
        await browser.EnterSecondFactorAsync(RecoveryData.AuthenticatorCode(DateTimeOffset.UtcNow), rememberBrowser: true);
        Assert.Equal("/me", browser.Path);
        await SignOutAsync(browser);

        await RecoveryData.SetPolicyAsync<MultiFactorPolicySettings>(Idp, p => p.RememberBrowserDays = 0);
        try
        {
            await SignInThroughAppAsync(browser, user);
            Assert.True(browser.Path == "/Account/SecondFactor", $"A browser remembered before the policy turned remembering off skipped the second factor: {browser.Path}");
        }
        finally
        {
            await RecoveryData.SetPolicyAsync<MultiFactorPolicySettings>(Idp, p => p.RememberBrowserDays = 30);
        }
    }

    private async Task SignInThroughAppAsync(RecoveryBrowser browser, ApplicationUser user)
    {
        await browser.OpenAsync(new Uri(Rp.BaseAddress, "login").ToString());
        if (browser.Path != "/Account/Login")
        {
            return;
        }

        await browser.SubmitAsync(new() { ["Input.UserName"] = user.UserName!, ["Input.Password"] = TestData.Password });
    }

    /// <summary>Signs out and forgets every cookie but the remembered-browser and familiar-device ones (a browser closed and opened again).</summary>
    private static async Task SignOutAsync(RecoveryBrowser browser)
    {
        await browser.OpenAsync("Account/Logout");
        if (browser.Path == "/Account/Logout")
        {
            await browser.SubmitAsync([]);
        }

        ExpireCookies(browser, name => !name.Contains("mfa-browser", StringComparison.Ordinal) && !name.Contains("device", StringComparison.Ordinal));
    }

    private static void ExpireCookies(RecoveryBrowser browser, Func<string, bool> which)
    {
        foreach (Cookie cookie in browser.Cookies.GetAllCookies())
        {
            if (which(cookie.Name))
            {
                cookie.Expired = true;
            }
        }
    }
}
