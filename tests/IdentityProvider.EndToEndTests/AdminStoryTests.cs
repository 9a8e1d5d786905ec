using IdentityProvider.Testing;
using Microsoft.Playwright;

namespace IdentityProvider.EndToEndTests;

/// <summary>IT staff find a user, help them, and read what happened, on accessible pages.</summary>
public sealed class AdminStoryTests(BrowserFixture fixture)
{
    [Fact]
    public async Task AHelpdeskAdministrator_ResetsAUsersPassword_AndReadsTheAuditLog()
    {
        var admin = await RecoveryData.CreateUserAsync(fixture.Idp, role: "Administrator");
        var user = await TestData.CreateUserAsync(fixture.Idp);
        var page = await fixture.NewPageAsync();
        await page.GotoAsync("/Account/Login?returnUrl=%2Fadmin");
        await new Pages.LoginPage(page).SignInAsync(admin.UserName!, TestData.Password);

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Confirm it is you" })).ToBeVisibleAsync();
        await UserStories.AssertAccessibleAsync(page);
        await page.GetByLabel("Password").FillAsync(TestData.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Administration" })).ToBeVisibleAsync();
        await UserStories.AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Link, new() { Name = "Users" }).ClickAsync();
        await page.GetByLabel("Find by username, email or name").FillAsync(user.UserName!);
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await UserStories.AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Link, new() { Name = user.UserName! }).ClickAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Reset password" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The password was reset");
        await Assertions.Expect(page.Locator("code.secret")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[A-Za-z0-9]{4}(-[A-Za-z0-9]{4}){3}$"));
        await UserStories.AssertAccessibleAsync(page);
        await UserStories.ScreenshotAsync(page, "admin-user");

        await page.GotoAsync("/admin/audit?type=admin.");
        await Assertions.Expect(page.GetByRole(AriaRole.Cell, new() { Name = "admin.password-reset" }).First).ToBeVisibleAsync();
        await UserStories.AssertAccessibleAsync(page);
        await UserStories.ScreenshotAsync(page, "admin-audit");
    }
}
