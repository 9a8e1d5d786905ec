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
        await UserStories.AssertFitsPhoneAndDesktopAsync(page);

        await page.GotoAsync("/Account/SecurityInfo/Questions");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Choose your security questions" })).ToBeVisibleAsync();
        await UserStories.AssertFitsPhoneAndDesktopAsync(page);
        await page.SetViewportSizeAsync(375, 800);
        await UserStories.ScreenshotAsync(page, "security-info-questions-375");
        await page.SetViewportSizeAsync(1280, 800);

        foreach (var (path, heading) in new[] { ("/Account/SecurityInfo/Passkeys", "Passkeys"), ("/Account/SecurityInfo/BackupCodes", "Backup codes") })
        {
            await page.GotoAsync(path);
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = heading, Exact = true })).ToBeVisibleAsync();
            await UserStories.AssertFitsPhoneAndDesktopAsync(page);
        }

        // The code pages of an address and of an authenticator app.
        await page.GotoAsync("/Account/SecurityInfo");
        await page.GetByLabel("Email address", new() { Exact = true }).FillAsync($"{user.UserName}@home.example");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add email address" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Enter the code" })).ToBeVisibleAsync();
        await UserStories.AssertFitsPhoneAndDesktopAsync(page);
        await page.GotoAsync("/Account/SecurityInfo");
        await page.GetByRole(AriaRole.Button, new() { Name = "Set up an authenticator app" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Set up your authenticator app" })).ToBeVisibleAsync();
        await UserStories.AssertFitsPhoneAndDesktopAsync(page);

        await page.GotoAsync("/Account/Reauthenticate?returnUrl=%2FAccount%2FSecurityInfo");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Enter your password again" })).ToBeVisibleAsync();
        await UserStories.AssertFitsPhoneAndDesktopAsync(page);
        await page.GetByLabel("Password").FillAsync(TestData.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your recovery methods" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task RecoveryMethods_InGerman_ChoosingSecurityQuestions()
    {
        var user = await TestData.CreateUserAsync(fixture.Idp);
        var page = await fixture.NewPageAsync();
        await page.GotoAsync("/Account/Login?returnUrl=%2FAccount%2FSecurityInfo");
        await new Pages.LoginPage(page).SignInAsync(user.UserName!, TestData.Password);
        await page.Context.AddCookiesAsync([new Cookie { Name = "idp.language", Value = "c=de|uic=de", Url = fixture.Idp.BaseAddress.ToString() }]);

        await page.GotoAsync("/Account/SecurityInfo");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Ihre Wiederherstellungs\u00AD?methoden$") })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", new System.Text.RegularExpressions.Regex("^de"));
        await UserStories.AssertFitsPhoneAndDesktopAsync(page);

        await page.GetByRole(AriaRole.Link, new() { Name = "Fragen auswählen" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Wählen Sie Ihre Sicherheitsfragen" })).ToBeVisibleAsync();
        await UserStories.AssertFitsPhoneAndDesktopAsync(page);
        await page.SetViewportSizeAsync(375, 800);
        await UserStories.ScreenshotAsync(page, "security-info-questions-de-375");
        await page.SetViewportSizeAsync(1280, 800);

        var pickers = page.GetByRole(AriaRole.Combobox);
        await pickers.Nth(0).SelectOptionAsync(new SelectOptionValue { Label = "Wie hieß Ihr erstes Haustier?" });
        await pickers.Nth(1).SelectOptionAsync(new SelectOptionValue { Label = "Welchen Film haben Sie als ersten im Kino gesehen?" });
        await pickers.Nth(2).SelectOptionAsync(new SelectOptionValue { Label = "Welches Spiel haben Sie als Kind am meisten gespielt?" });
        await page.GetByLabel("Antwort auf Frage 1").FillAsync("Biscuit");
        await page.GetByLabel("Antwort auf Frage 2").FillAsync("Bambi");
        await page.GetByLabel("Antwort auf Frage 3").FillAsync("Bo");
        await page.GetByRole(AriaRole.Button, new() { Name = "Fragen speichern" }).ClickAsync();

        // A too-short answer: the message sits under that answer, the chosen questions stay, the answers are typed again.
        await Assertions.Expect(page.GetByLabel("Antwort auf Frage 3")).ToHaveAttributeAsync("aria-invalid", "true");
        await Assertions.Expect(page.Locator("#Answers_2_-error")).ToHaveTextAsync("Jede Antwort braucht 3 bis 40 Zeichen.");
        await Assertions.Expect(page.Locator("#Answers_2_")).ToBeFocusedAsync();
        await Assertions.Expect(pickers.Nth(1)).ToHaveValueAsync("first-film");
        await UserStories.AssertFitsPhoneAndDesktopAsync(page);
        await page.GetByLabel("Antwort auf Frage 1").FillAsync("Biscuit");
        await page.GetByLabel("Antwort auf Frage 2").FillAsync("Bambi");
        await page.GetByLabel("Antwort auf Frage 3").FillAsync("Murmeln");
        await page.GetByRole(AriaRole.Button, new() { Name = "Fragen speichern" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Ihre Sicherheitsfragen sind gespeichert.");
        await Assertions.Expect(page.Locator(".registered-questions")).ToContainTextAsync("Welchen Film haben Sie als ersten im Kino gesehen?");
        await UserStories.AssertFitsPhoneAndDesktopAsync(page);

        // The saved message was for that page only.
        await page.ReloadAsync();
        await Assertions.Expect(page.GetByText("Ihre Sicherheitsfragen sind gespeichert.")).ToHaveCountAsync(0);
    }
}
