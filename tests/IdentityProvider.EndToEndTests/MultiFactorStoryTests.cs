using IdentityProvider.Data;
using IdentityProvider.SelfService.MultiFactor;
using IdentityProvider.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace IdentityProvider.EndToEndTests;

/// <summary>The second step of sign-in in a real browser: the authenticator app, "use another way", backup codes.</summary>
public sealed class MultiFactorStoryTests(BrowserFixture fixture)
{
    [Fact]
    public async Task ASecondFactor_IsAskedAfterThePassword_AndBackupCodesAreShownOnceAndWork()
    {
        var user = await RecoveryData.CreateMultiFactorUserAsync(fixture.Idp, u => u.MobilePhone = "+15557" + Random.Shared.Next(100000, 999999), authenticator: true);
        var page = await fixture.NewPageAsync();
        await page.GotoAsync("/Account/Login?returnUrl=%2FAccount");
        await new Pages.LoginPage(page).SignInAsync(user.UserName!, TestData.Password);

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Verify it's you" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Enter a code from your authenticator app" })).ToBeVisibleAsync();
        await UserStories.AssertAccessibleAsync(page);
        await UserStories.ScreenshotAsync(page, "second-factor");

        // "Use another way" lists the other methods; a wrong code says so and keeps the user on the page.
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Text a code to your mobile" })).ToBeVisibleAsync();
        await page.GetByLabel("Code", new() { Exact = true }).FillAsync("000000");
        await page.GetByRole(AriaRole.Button, new() { Name = "Verify" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("That code is not right");
        await UserStories.AssertAccessibleAsync(page);

        await page.GetByLabel("Code", new() { Exact = true }).FillAsync(RecoveryData.AuthenticatorCode(DateTimeOffset.UtcNow));
        await page.GetByRole(AriaRole.Button, new() { Name = "Verify" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your account" })).ToBeVisibleAsync();

        await page.GotoAsync("/Account/SecurityInfo/BackupCodes");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Backup codes" })).ToBeVisibleAsync();
        await UserStories.AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Get backup codes" }).ClickAsync();
        var codes = await page.GetByRole(AriaRole.List, new() { Name = "Backup codes" }).Locator("code").AllInnerTextsAsync();
        Assert.Equal(10, codes.Count);
        await UserStories.AssertAccessibleAsync(page);
        await UserStories.ScreenshotAsync(page, "backup-codes");

        // Signed out, the user signs in again with a backup code instead of the app.
        await page.GotoAsync("/Account/Logout");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.GotoAsync("/Account/Login?returnUrl=%2FAccount");
        await new Pages.LoginPage(page).SignInAsync(user.UserName!, TestData.Password);
        await page.GetByRole(AriaRole.Link, new() { Name = "Enter a backup code" }).ClickAsync();
        await page.GetByRole(AriaRole.Textbox, new() { Name = "Backup code" }).FillAsync(codes[0]);
        await page.GetByRole(AriaRole.Button, new() { Name = "Verify" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your account" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task APasskey_IsOfferedFirstAsTheSecondFactor_AndTheAppReceivesItsMethod()
    {
        var user = await RecoveryData.CreateMultiFactorUserAsync(fixture.Idp, u => u.MobilePhone = "+15557" + Random.Shared.Next(100000, 999999), authenticator: true);
        var page = await fixture.NewPageAsync();
        var cdp = await page.Context.NewCDPSessionAsync(page);
        await cdp.SendAsync("WebAuthn.enable");
        await cdp.SendAsync("WebAuthn.addVirtualAuthenticator", new Dictionary<string, object>
        {
            ["options"] = new Dictionary<string, object>
            {
                ["protocol"] = "ctap2", ["transport"] = "internal", ["hasResidentKey"] = true,
                ["hasUserVerification"] = true, ["isUserVerified"] = true, ["automaticPresenceSimulation"] = true,
            },
        });

        // Signed in with the password and the app, the user adds a passkey.
        await page.GotoAsync("/Account/Login?returnUrl=" + Uri.EscapeDataString("/Account/SecurityInfo/Passkeys"));
        await new Pages.LoginPage(page).SignInAsync(user.UserName!, TestData.Password);
        await page.GetByLabel("Code", new() { Exact = true }).FillAsync(RecoveryData.AuthenticatorCode(DateTimeOffset.UtcNow));
        await page.GetByRole(AriaRole.Button, new() { Name = "Verify" }).ClickAsync();
        await page.GetByLabel("Name of the passkey").FillAsync("Laptop");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add a passkey" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("is added");
        await page.GotoAsync("/Account/Logout");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();

        // Through a relying app: the password, then the passkey, the strongest method, comes first.
        await page.GotoAsync(new Uri(fixture.Rp.BaseAddress, "login").ToString());
        await new Pages.LoginPage(page).SignInAsync(user.UserName!, TestData.Password);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Use a passkey or security key" })).ToBeVisibleAsync();
        await UserStories.AssertAccessibleAsync(page);
        await UserStories.ScreenshotAsync(page, "second-factor-passkey");
        await page.GetByRole(AriaRole.Button, new() { Name = "Use your passkey" }).ClickAsync();

        await Assertions.Expect(page).ToHaveURLAsync(new Uri(fixture.Rp.BaseAddress, "me").ToString(), new() { Timeout = 15_000 });
        using var session = System.Text.Json.JsonDocument.Parse(await page.Locator("body").InnerTextAsync());
        var amr = session.RootElement.GetProperty("claims").GetProperty("amr").EnumerateArray().Select(v => v.GetString()).ToList();
        Assert.Contains("pwd", amr);
        Assert.Contains("mfa", amr);
        Assert.True(amr.Contains("hwk") || amr.Contains("swk"), "amr: " + string.Join(' ', amr));
        Assert.Contains(await fixture.AuditAsync(user.Id), e => e.EventType == IdentityProvider.Audit.AuditEventTypes.SecondFactorPassed && e.Method == nameof(SignInMethod.Passkey));
    }
}
