using IdentityProvider.Testing;
using Microsoft.Playwright;

namespace IdentityProvider.EndToEndTests;

/// <summary>The account page, the forced change after a temporary password, and the sign-out confirmation.</summary>
public sealed class AccountStoryTests(BrowserFixture fixture)
{
    [Fact]
    public async Task TemporaryPassword_LeadsToTheForcedChange_ThenToTheAccountPage()
    {
        var user = await TestData.CreateUserAsync(fixture.Idp);
        await TestData.UpdateUserAsync(fixture.Idp, user.Id, (users, stored) =>
        {
            stored.MustChangePassword = true;
            return users.UpdateAsync(stored);
        });
        var page = await fixture.NewPageAsync();
        await page.GotoAsync("/Account/Login?returnUrl=%2FAccount");

        await new Pages.LoginPage(page).SignInAsync(user.UserName!, TestData.Password);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Choose a new password" })).ToBeVisibleAsync();
        await UserStories.AssertAccessibleAsync(page);
        await UserStories.ScreenshotAsync(page, "forced-change");

        await page.GetByLabel("New password", new() { Exact = true }).FillAsync("Velvet-Thunder-Pickle-Orbit-88");
        await page.GetByLabel("Confirm new password").FillAsync("Velvet-Thunder-Pickle-Orbit-88");
        await page.GetByRole(AriaRole.Button, new() { Name = "Set new password" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your account" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText(user.Email!)).ToBeVisibleAsync();
        await UserStories.AssertAccessibleAsync(page);
        await UserStories.ScreenshotAsync(page, "account");

        // This browser is listed among the sessions; signing out the others asks for the password.
        await Assertions.Expect(page.GetByRole(AriaRole.Cell, new() { Name = "This browser" })).ToBeVisibleAsync();
        await page.GetByLabel("Your password").FillAsync("Velvet-Thunder-Pickle-Orbit-88");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out everywhere else" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("You are signed out everywhere else");
        await UserStories.AssertAccessibleAsync(page);

        await page.GotoAsync("/Account/Logout");
        await UserStories.AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "You are signed out" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task RecoveryMethodsPages_ChoosingQuestions_AndReenteringThePassword_AreAccessible()
    {
        var user = await TestData.CreateUserAsync(fixture.Idp);
        var page = await fixture.NewPageAsync();
        await page.GotoAsync("/Account/Login?returnUrl=%2FAccount");
        await new Pages.LoginPage(page).SignInAsync(user.UserName!, TestData.Password);

        await page.GetByRole(AriaRole.Link, new() { Name = "Your recovery methods" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your recovery methods" })).ToBeVisibleAsync();
        await UserStories.AssertAccessibleAsync(page);

        await page.GotoAsync("/Account/SecurityInfo/Questions");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Choose your security questions" })).ToBeVisibleAsync();
        await UserStories.AssertAccessibleAsync(page);
        await UserStories.ScreenshotAsync(page, "security-info-questions");

        await page.GotoAsync("/Account/Reauthenticate?returnUrl=%2FAccount%2FSecurityInfo");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Enter your password again" })).ToBeVisibleAsync();
        await UserStories.AssertAccessibleAsync(page);
        await page.GetByLabel("Password").FillAsync(TestData.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your recovery methods" })).ToBeVisibleAsync();
    }
}
