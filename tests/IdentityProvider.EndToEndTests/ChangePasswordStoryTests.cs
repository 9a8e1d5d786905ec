using IdentityProvider.EndToEndTests.Pages;
using IdentityProvider.Testing;
using Microsoft.Playwright;

namespace IdentityProvider.EndToEndTests;

/// <summary>A signed-in person changes their password, guided by the strength meter.</summary>
public sealed class ChangePasswordStoryTests(BrowserFixture fixture)
{
    [Fact]
    public async Task StrengthMeter_ShowsTheServersVerdict_AndTheChangeSucceeds()
    {
        var user = await TestData.CreateUserAsync(fixture.Idp);
        var page = await fixture.NewPageAsync();
        await page.GotoAsync("/Account/Login?returnUrl=%2FAccount%2FChangePassword");
        await new LoginPage(page).SignInAsync(user.UserName!, TestData.Password);

        var change = new ChangePasswordPage(page);
        await Assertions.Expect(change.CurrentPassword).ToBeVisibleAsync();
        await UserStories.AssertAccessibleAsync(page);

        await change.NewPassword.FillAsync("password1");
        await Assertions.Expect(change.Meter).ToContainTextAsync("Not acceptable");
        await Assertions.Expect(change.Meter).ToContainTextAsync("too common");
        await UserStories.ScreenshotAsync(page, "change-password-weak");
        await UserStories.AssertAccessibleAsync(page);

        await change.NewPassword.FillAsync("Velvet-Thunder-Pickle-Orbit-88");
        await Assertions.Expect(change.Meter).ToContainTextAsync("Password strength: Good");

        await change.CurrentPassword.FillAsync(TestData.Password);
        await change.ConfirmPassword.FillAsync("Velvet-Thunder-Pickle-Orbit-88");
        await change.Submit.ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Your password has been changed");
    }

    [Fact]
    public async Task RelyingApp_SendsTheUserToTheHostedPage_AndGetsThemBack()
    {
        var user = await TestData.CreateUserAsync(fixture.Idp);
        var page = await fixture.NewPageAsync();
        var hosted = $"/Account/ChangePassword?client_id={RelyingPartyHost.ClientId}&return_uri={Uri.EscapeDataString(fixture.Rp.PasswordChangedUri.ToString())}&state=from-the-app";
        await page.GotoAsync(hosted);

        await new LoginPage(page).SignInAsync(user.UserName!, TestData.Password);
        await Assertions.Expect(page.GetByText("asked you to change your password")).ToBeVisibleAsync();
        await UserStories.AssertAccessibleAsync(page);
        await UserStories.ScreenshotAsync(page, "hosted-change-password");

        var change = new ChangePasswordPage(page);
        await change.CurrentPassword.FillAsync(TestData.Password);
        await change.NewPassword.FillAsync("Velvet-Thunder-Pickle-Orbit-88");
        await change.ConfirmPassword.FillAsync("Velvet-Thunder-Pickle-Orbit-88");
        await change.Submit.ClickAsync();

        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/password-changed\\?result=changed&state=from-the-app$"));
        await Assertions.Expect(page.Locator("body")).ToHaveTextAsync("result=changed state=from-the-app");
    }

    [Fact]
    public async Task TheMeterStartsNeutral_AndAServerErrorOnTheNewPassword_GoesAwayOnceTheMeterSaysItIsGood()
    {
        var user = await TestData.CreateUserAsync(fixture.Idp);
        var page = await fixture.NewPageAsync();
        await page.GotoAsync("/Account/Login?returnUrl=%2FAccount%2FChangePassword");
        await new LoginPage(page).SignInAsync(user.UserName!, TestData.Password);
        var change = new ChangePasswordPage(page);
        await Assertions.Expect(page.Locator(".meter-bar")).ToHaveAttributeAsync("data-strength", "none");

        await change.CurrentPassword.FillAsync(TestData.Password);
        await change.NewPassword.FillAsync("short1");
        await change.ConfirmPassword.FillAsync("short1");
        await change.Submit.ClickAsync();

        var error = page.Locator("#Input_NewPassword-error");
        await Assertions.Expect(error).ToBeVisibleAsync();
        await Assertions.Expect(change.NewPassword).ToHaveAttributeAsync("aria-invalid", "true");
        await Assertions.Expect(change.NewPassword).ToBeFocusedAsync();
        await Assertions.Expect(page.Locator(".meter-bar")).ToHaveAttributeAsync("data-strength", "none");
        await Assertions.Expect(page.Locator("#form-errors a[href='#Input_NewPassword']").First).ToBeVisibleAsync();
        await UserStories.AssertFitsPhoneAndDesktopAsync(page);

        await change.NewPassword.FillAsync("Velvet-Thunder-Pickle-Orbit-88");
        await Assertions.Expect(change.Meter).ToContainTextAsync("Password strength: Good");
        await Assertions.Expect(error).ToHaveCountAsync(0);
        await Assertions.Expect(change.NewPassword).Not.ToHaveAttributeAsync("aria-invalid", "true");
        await Assertions.Expect(page.Locator("#form-errors")).ToHaveCountAsync(0);
        await UserStories.AssertFitsPhoneAndDesktopAsync(page);
    }
}
