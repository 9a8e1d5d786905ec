using IdentityProvider.Testing;
using IdentityProvider.EndToEndTests.Pages;
using Microsoft.Playwright;

namespace IdentityProvider.EndToEndTests;

/// <summary>A person signs in to the demo relying app through the real pages in Chromium.</summary>
[Collection(DemoOrganisation.Collection)]
public sealed class SignInStoryTests(BrowserFixture fixture)
{
    [Fact]
    public async Task DemoUser_SignsInOnTheLoginPage_AndReachesTheDemoApp()
    {
        var page = await fixture.NewPageAsync();
        var demo = new DemoAppPage(page);
        await demo.OpenAsync();

        await demo.SignInButton.ClickAsync();
        var login = new LoginPage(page);
        await Assertions.Expect(login.Heading).ToBeVisibleAsync();
        await login.SignInAsync("demo", "Rainy-Harbour-Lantern-42");

        await Assertions.Expect(demo.Greeting).ToHaveTextAsync("Signed in as Dana Demo", new() { Timeout = 15_000 });
        await UserStories.ScreenshotAsync(page, "demo-app-signed-in");

        await demo.RefreshButton.ClickAsync();
        await Assertions.Expect(demo.Greeting).ToHaveTextAsync("Signed in as Dana Demo");
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToBeHiddenAsync();
    }

    [Fact]
    public async Task LoginPage_HasNoAccessibilityViolations_AlsoWithAnError()
    {
        var page = await fixture.NewPageAsync();
        await page.GotoAsync("/Account/Login");
        var login = new LoginPage(page);
        await Assertions.Expect(login.CantAccessAccount).ToBeVisibleAsync();
        await UserStories.AssertAccessibleAsync(page);

        await login.SignInAsync("nobody", "wrong-password");
        await Assertions.Expect(login.Error).ToContainTextAsync("That username or password is not right.");
        await UserStories.ScreenshotAsync(page, "login-error");
        await UserStories.AssertAccessibleAsync(page);
    }

    [Fact]
    public async Task CantAccessYourAccount_LeadsToTheRecoveryPage_AndBack()
    {
        var page = await fixture.NewPageAsync();
        await page.GotoAsync("/Account/Login?returnUrl=%2Fdemo");

        await new LoginPage(page).CantAccessAccount.ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Can't access your account?" })).ToBeVisibleAsync();
        await UserStories.AssertAccessibleAsync(page);

        await page.GetByRole(AriaRole.Link, new() { Name = "Cancel" }).ClickAsync();
        await new LoginPage(page).SignInAsync("demo", "Rainy-Harbour-Lantern-42");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/demo$"));
    }

    [Fact]
    public async Task PartnerApp_AsksForConsent_OnAnAccessiblePage()
    {
        var page = await fixture.NewPageAsync();
        var demo = new DemoAppPage(page);
        await demo.OpenAsync();
        await demo.Application.SelectOptionAsync("demo-partner");
        await demo.SignInButton.ClickAsync();
        await new LoginPage(page).SignInAsync("admin", "Copper-Meadow-Falcon-17");

        // Staff always prove a second factor; the demo staff's authenticator key is known.
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Verify it's you" })).ToBeVisibleAsync();
        await page.GetByLabel("Code", new() { Exact = true }).FillAsync(
            new OtpNet.Totp(OtpNet.Base32Encoding.ToBytes(IdentityProvider.Demo.DemoSeeder.StaffAuthenticatorSecret)).ComputeTotp(DateTime.UtcNow));
        await page.GetByRole(AriaRole.Button, new() { Name = "Verify" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Allow Partner app") })).ToBeVisibleAsync();
        await UserStories.AssertAccessibleAsync(page);
        await UserStories.ScreenshotAsync(page, "consent");
        await UserStories.AssertFitsPhoneAndDesktopAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Allow", Exact = true }).ClickAsync();

        await Assertions.Expect(demo.Greeting).ToHaveTextAsync("Signed in as Ada Admin", new() { Timeout = 15_000 });
    }

    [Fact]
    public async Task TheDemoShowsThePicker_AndTheSignInPageFollowsIt_CarryingTheTypedUserIdToRecovery()
    {
        var page = await fixture.NewPageAsync();
        var demo = new DemoAppPage(page);
        await demo.OpenAsync();
        await page.GetByLabel("Language", new() { Exact = true }).SelectOptionAsync("fr");
        await page.GetByRole(AriaRole.Button, new() { Name = "Change language" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Application de démonstration", Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "fr");
        await UserStories.AssertFitsPhoneAndDesktopAsync(page);

        await page.GetByRole(AriaRole.Button, new() { Name = "Se connecter avec" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Se connecter", Exact = true })).ToBeVisibleAsync();
        await page.GetByLabel("Nom d'utilisateur ou e-mail").FillAsync("riley");
        var recover = page.GetByRole(AriaRole.Link, new() { Name = "Vous n'arrivez pas à accéder à votre compte ?" });
        await Assertions.Expect(recover).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex("userName=riley"));

        await page.GetByLabel("Mot de passe", new() { Exact = true }).FillAsync("not-the-password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Se connecter", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("#Input_Password-error")).ToContainTextAsync("Ce nom d'utilisateur ou ce mot de passe n'est pas correct.");
        await Assertions.Expect(page.Locator("#Input_Password")).ToBeFocusedAsync();
        await Assertions.Expect(page.GetByLabel("Nom d'utilisateur ou e-mail")).ToHaveValueAsync("riley");
        await UserStories.ScreenshotAsync(page, "login-error-fr");
        await UserStories.AssertFitsPhoneAndDesktopAsync(page);

        await recover.ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/recover\\?.*userName=riley"));
    }

    [Fact]
    public async Task EveryPageOfTheSignInArea_FitsPhoneAndDesktop()
    {
        var user = await TestData.CreateUserAsync(fixture.Idp);
        var page = await fixture.NewPageAsync();
        foreach (var path in new[] { "/Account/Login", "/Account/SignedOut", "/Account/AccessDenied", "/no-such-page", "/", "/demo", "/dev/mailbox" })
        {
            await page.GotoAsync(path);
            await UserStories.AssertFitsPhoneAndDesktopAsync(page);
        }

        await page.GotoAsync("/Account/Login");
        await new LoginPage(page).SignInAsync(user.UserName!, TestData.Password);
        await Assertions.Expect(page.GetByText("You are signed in as")).ToBeVisibleAsync();
        foreach (var path in new[] { "/", "/Account", "/Account/ChangePassword", "/Account/PasswordExpiring?days=3&returnUrl=%2F", "/Account/Logout" })
        {
            await page.GotoAsync(path);
            await UserStories.AssertFitsPhoneAndDesktopAsync(page);
        }
    }
}
