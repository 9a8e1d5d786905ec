using System.Text.Json;
using IdentityProvider.EndToEndTests.Pages;
using IdentityProvider.Testing;
using Microsoft.Playwright;

namespace IdentityProvider.EndToEndTests;

/// <summary>
/// Passkeys in Chromium with its virtual authenticator (DevTools protocol, WebAuthn domain): a platform authenticator
/// that keeps discoverable credentials and verifies the user. Registration on security info, passwordless sign-in
/// through a relying app, removal, and a passkey as the gate of a password reset.
/// </summary>
[Collection(DemoOrganisation.Collection)]
public sealed class PasskeyStoryTests(BrowserFixture fixture)
{
    private const string NewPassword = "Harbour-Velvet-Compass-73";

    [Fact]
    public async Task APasskeyAddedOnSecurityInfo_SignsInToARelyingAppWithoutAPassword_UntilItIsRemoved()
    {
        var user = await RecoveryData.CreateUserAsync(fixture.Idp, u => u.AlternateEmail = $"{u.UserName}@home.example", group: "Staff");
        var page = await NewPageWithAuthenticatorAsync();

        await RegisterPasskeyAsync(page, user.UserName!, "Work laptop");
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Your passkey \"Work laptop\" is added");
        await Assertions.Expect(page.Locator(".passkey-list")).ToContainTextAsync("Work laptop");

        await page.GotoAsync(PasskeysPath);
        await Assertions.Expect(page.GetByRole(AriaRole.Cell, new() { Name = "Work laptop", Exact = true })).ToBeVisibleAsync();
        await UserStories.AssertFitsPhoneAndDesktopAsync(page);
        await UserStories.ScreenshotAsync(page, "security-info-passkeys");

        // Signed out, the relying app sends the user to sign in; the passkey alone is enough.
        await SignOutAsync(page);
        await page.GotoAsync(new Uri(fixture.Rp.BaseAddress, "login").ToString());
        await Assertions.Expect(PasskeySignIn(page)).ToBeVisibleAsync();
        await UserStories.AssertAccessibleAsync(page);
        await PasskeySignIn(page).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Uri(fixture.Rp.BaseAddress, "me").ToString(), new() { Timeout = 15_000 });
        using (var session = JsonDocument.Parse(await page.Locator("body").InnerTextAsync()))
        {
            var claims = session.RootElement.GetProperty("claims");
            Assert.Equal(user.Id, claims.GetProperty("sub")[0].GetString());
            var amr = claims.GetProperty("amr").EnumerateArray().Select(v => v.GetString()).ToList();
            Assert.Contains("mfa", amr);
            Assert.True(amr.Contains("hwk") || amr.Contains("swk"), "amr: " + string.Join(' ', amr));
            Assert.DoesNotContain("pwd", amr);
        }

        // The list shows when it was last used; removing it stops it signing in, though the device still holds it.
        await page.GotoAsync(PasskeysPath);
        await Assertions.Expect(page.GetByRole(AriaRole.Row, new() { Name = "Work laptop" })).Not.ToContainTextAsync("Never");
        await page.GetByRole(AriaRole.Button, new() { Name = "Remove passkey Work laptop" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Your passkey \"Work laptop\" is removed");
        await Assertions.Expect(page.Locator(".passkey-list")).ToHaveCountAsync(0);

        await SignOutAsync(page);
        await page.GotoAsync("/Account/Login");
        await PasskeySignIn(page).ClickAsync();
        await Assertions.Expect(page.Locator("#passkey-sign-in-error")).ToHaveTextAsync("That passkey did not work. Try again, or sign in with your password.");
        await Assertions.Expect(new LoginPage(page).Heading).ToBeVisibleAsync();
        await UserStories.AssertAccessibleAsync(page);
    }

    [Fact]
    public async Task ForgotPassword_APasskeyPassesTheGate_AndStillSignsInAfterTheReset()
    {
        var user = await RecoveryData.CreateUserAsync(fixture.Idp, u => u.AlternateEmail = $"{u.UserName}@home.example", group: "Staff");
        var page = await NewPageWithAuthenticatorAsync();
        await RegisterPasskeyAsync(page, user.UserName!, "Phone");
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("is added");
        await SignOutAsync(page);

        var recovery = new RecoveryPages(page);
        await page.GotoAsync("/Account/Login");
        await new LoginPage(page).CantAccessAccount.ClickAsync();
        await recovery.StartAsync(user.UserName!);
        await recovery.ChooseReasonAsync("I forgot my password");
        await recovery.ChooseMethodAsync("Use a passkey");

        var usePasskey = page.GetByRole(AriaRole.Button, new() { Name = "Use a passkey" });
        await Assertions.Expect(usePasskey).ToBeVisibleAsync();
        await UserStories.AssertAccessibleAsync(page);
        await UserStories.ScreenshotAsync(page, "recover-passkey");
        await usePasskey.ClickAsync();

        await Assertions.Expect(recovery.Heading("Choose a new password")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await recovery.NewPasswordAsync(NewPassword);
        await Assertions.Expect(recovery.Heading("Your password was reset")).ToBeVisibleAsync();

        // A reset does not remove passkeys: the user's own credential still signs in.
        await page.GotoAsync("/Account/Login?returnUrl=%2FAccount%2FSecurityInfo%2FPasskeys");
        await PasskeySignIn(page).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Cell, new() { Name = "Phone", Exact = true })).ToBeVisibleAsync(new() { Timeout = 15_000 });
    }

    private const string PasskeysPath = "/Account/SecurityInfo/Passkeys";

    private static ILocator PasskeySignIn(IPage page) => page.GetByRole(AriaRole.Button, new() { Name = "Sign in with a passkey" });

    /// <summary>A page in a fresh context whose browser has a virtual platform authenticator with user verification.</summary>
    private async Task<IPage> NewPageWithAuthenticatorAsync()
    {
        var page = await fixture.NewPageAsync();
        var cdp = await page.Context.NewCDPSessionAsync(page);
        await cdp.SendAsync("WebAuthn.enable");
        await cdp.SendAsync("WebAuthn.addVirtualAuthenticator", new Dictionary<string, object>
        {
            ["options"] = new Dictionary<string, object>
            {
                ["protocol"] = "ctap2",
                ["transport"] = "internal",
                ["hasResidentKey"] = true,
                ["hasUserVerification"] = true,
                ["isUserVerified"] = true,
                ["automaticPresenceSimulation"] = true,
            },
        });
        return page;
    }

    /// <summary>Signs in with the password (a recent sign-in, which a change of security info needs) and adds a passkey.</summary>
    private static async Task RegisterPasskeyAsync(IPage page, string userName, string name)
    {
        await page.GotoAsync("/Account/Login?returnUrl=" + Uri.EscapeDataString(PasskeysPath));
        await new LoginPage(page).SignInAsync(userName, TestData.Password);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Add a passkey" })).ToBeVisibleAsync();
        await page.GetByLabel("Name of the passkey").FillAsync(name);
        await page.GetByRole(AriaRole.Button, new() { Name = "Add a passkey" }).ClickAsync();
    }

    private static async Task SignOutAsync(IPage page)
    {
        await page.GotoAsync("/Account/Logout");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "You are signed out" })).ToBeVisibleAsync();
    }
}
