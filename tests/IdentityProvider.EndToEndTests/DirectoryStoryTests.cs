using System.Text.Json;
using IdentityProvider.EndToEndTests.Pages;
using IdentityProvider.Data;
using IdentityProvider.SelfService;
using IdentityProvider.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace IdentityProvider.EndToEndTests;

/// <summary>
/// A person whose password lives in the organisation's on-premises directory (a real slapd with its password policy)
/// gets back in on their own: the reset is written back to the directory, and the directory's own rules speak on the
/// same page. Self-service covers the person through a directory group the story adds to the demo policy's groups (the
/// scope stays "selected groups", so stories running beside it see the policy they expect).
/// </summary>
[Collection(DemoOrganisation.Collection)]
public sealed class DirectoryStoryTests(BrowserFixture fixture)
{
    private const string DirectoryPassword = "Granite-Lantern-Meadow-41";
    private const string NewPassword = "Orchid-Ferry-Lantern-72";

    [Fact]
    public async Task ADirectoryUser_ResetsFromTheApp_TheDirectoryRefusesAnOldPassword_ThenTakesTheNewOne()
    {
        var uid = "dir" + Guid.NewGuid().ToString("N")[..8];
        const string mobile = "+447400123888";
        var groupName = "Directory people " + uid;
        await fixture.Slapd.AddUserAsync(uid, DirectoryPassword, $"{uid}@example.org", mobile, "Dana", "Lee", groupName);

        // The group the import will put the person in, known to the policy before the person is.
        var group = new Group { Name = groupName, DirectoryName = TestServerFixture.DirectoryName };
        await using (var scope = fixture.Idp.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
            db.Add(group);
            await db.SaveChangesAsync();
        }

        await RecoveryData.SetPolicyAsync(fixture.Idp, p => p.Groups = [.. p.Groups, group.Id]);
        try
        {
            var page = await fixture.NewPageAsync();
            var recovery = new RecoveryPages(page);
            await page.GotoAsync(new Uri(fixture.Rp.BaseAddress, "login").ToString());
            await new LoginPage(page).CantAccessAccount.ClickAsync();

            // Never signed in here before: the start page finds the person in the directory.
            await recovery.StartAsync(uid);
            await recovery.ChooseReasonAsync("I forgot my password");
            await Assertions.Expect(page.GetByText(Masking.Phone(mobile)).First).ToBeVisibleAsync();
            await recovery.ChooseMethodAsync("Text me a code");
            await page.GetByLabel("Your mobile number").FillAsync(mobile);
            await page.GetByRole(AriaRole.Button, new() { Name = "Text me the code" }).ClickAsync();
            await recovery.EnterCodeAsync(await RecoveryData.LatestCodeAsync(fixture.Idp, mobile));
            await Assertions.Expect(recovery.Heading("Choose a new password")).ToBeVisibleAsync();

            // The directory's history knows the current password; this service's policy doesn't.
            await recovery.NewPasswordAsync(DirectoryPassword);
            await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("because you used it recently");
            await UserStories.AssertAccessibleAsync(page);
            await UserStories.ScreenshotAsync(page, "directory-refused");
            Assert.True(await fixture.Slapd.CanBindAsync(uid, DirectoryPassword));

            await recovery.NewPasswordAsync(NewPassword);
            await Assertions.Expect(recovery.Heading("Your password was reset")).ToBeVisibleAsync();
            Assert.True(await fixture.Slapd.CanBindAsync(uid, NewPassword));
            Assert.False(await fixture.Slapd.CanBindAsync(uid, DirectoryPassword));

            await recovery.SignIn.ClickAsync();
            await new LoginPage(page).SignInAsync(uid, NewPassword);
            await Assertions.Expect(page).ToHaveURLAsync(new Uri(fixture.Rp.BaseAddress, "me").ToString());
            using var session = JsonDocument.Parse(await page.Locator("body").InnerTextAsync());
            Assert.Equal($"{uid}@example.org", session.RootElement.GetProperty("claims").GetProperty("email")[0].GetString());
        }
        finally
        {
            await RecoveryData.SetPolicyAsync(fixture.Idp, p => p.Groups = [.. p.Groups.Where(id => id != group.Id)]);
        }
    }
}
