using IdentityProvider.EndToEndTests.Pages;
using Microsoft.Playwright;

namespace IdentityProvider.EndToEndTests;

/// <summary>"Show password" beside every password field: a real toggle button, and forms that work without it.</summary>
[Collection(DemoOrganisation.Collection)]
public sealed class ShowPasswordStoryTests(BrowserFixture fixture)
{
    [Fact]
    public async Task EveryPasswordField_HasAShowPasswordToggle_ThatRevealsAndHidesWhatWasTyped()
    {
        var page = await fixture.NewPageAsync();
        await page.GotoAsync("/Account/Login");
        var login = new LoginPage(page);
        var toggle = page.GetByRole(AriaRole.Button, new() { Name = "Show password" });
        await Assertions.Expect(toggle).ToHaveAttributeAsync("aria-pressed", "false");

        await login.Password.FillAsync("Rainy-Harbour-Lantern-42");
        await toggle.ClickAsync();
        await Assertions.Expect(login.Password).ToHaveAttributeAsync("type", "text");
        await Assertions.Expect(toggle).ToHaveAttributeAsync("aria-pressed", "true");
        await Assertions.Expect(login.Password).ToHaveValueAsync("Rainy-Harbour-Lantern-42");
        await UserStories.AssertAccessibleAsync(page);
        await toggle.PressAsync("Enter");
        await Assertions.Expect(login.Password).ToHaveAttributeAsync("type", "password");
        await Assertions.Expect(toggle).ToHaveAttributeAsync("aria-pressed", "false");

        // Shown or not, the form sends the password.
        await toggle.ClickAsync();
        await login.UserName.FillAsync("demo");
        await login.SignInButton.ClickAsync();
        await Assertions.Expect(page.GetByText("You are signed in as")).ToBeVisibleAsync();

        // A page with three password fields has three toggles, one after each.
        await page.GotoAsync("/Account/ChangePassword");
        await Assertions.Expect(page.Locator("input[type=password] + button.show-password")).ToHaveCountAsync(3);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Show password" })).ToHaveCountAsync(3);
        await UserStories.AssertAccessibleAsync(page);
    }

    [Fact]
    public async Task WithoutJavaScript_ThereIsNoToggle_AndSigningInStillWorks()
    {
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = fixture.Idp.BaseAddress.ToString(), JavaScriptEnabled = false });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/Account/Login");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Show password" })).ToHaveCountAsync(0);

        await new LoginPage(page).SignInAsync("demo", "Rainy-Harbour-Lantern-42");
        await Assertions.Expect(page.GetByText("You are signed in as")).ToBeVisibleAsync();
    }
}
