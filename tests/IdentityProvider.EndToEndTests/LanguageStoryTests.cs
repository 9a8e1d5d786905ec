using IdentityProvider.Testing;
using Microsoft.Playwright;

namespace IdentityProvider.EndToEndTests;

/// <summary>
/// Every page in French, German and Spanish, picked with the picker at the foot of the page: written in that language
/// (its main text differs from the English page, <c>lang</c> says the language) and no wider than a 375 px phone or a
/// 1280 px screen. German, which has the longest words, is photographed at 375 px. (axe runs on every page in the
/// stories of each area; its rules do not depend on the language.)
/// </summary>
[Collection(DemoOrganisation.Collection)]
public sealed class LanguageStoryTests(BrowserFixture fixture)
{
    private static readonly string[] AnonymousPages =
    [
        "/Account/Login", "/recover", "/recover/expired", "/language", "/Account/SignedOut", "/demo", "/dev/mailbox",
        "/no-such-page",
    ];

    private static readonly string[] SignedInPages =
    [
        "/Account", "/Account/ChangePassword", "/Account/SecurityInfo", "/Account/SecurityInfo/Email",
        "/Account/SecurityInfo/Phone", "/Account/SecurityInfo/Questions", "/Account/SecurityInfo/Authenticator",
        "/Account/SecurityInfo/Passkeys", "/Account/Logout", "/admin", "/admin/users", "/admin/users/new",
        "/admin/audit", "/admin/usage", "/admin/requests", "/admin/policies/passwords", "/admin/policies/self-service",
        "/admin/policies/multi-factor", "/admin/clients", "/admin/clients/edit", "/admin/groups", "/admin/directories",
        "/admin/outbox",
    ];

    [Theory]
    [InlineData("fr", "Français")]
    [InlineData("de", "Deutsch")]
    [InlineData("es", "Español")]
    public async Task EveryPage_IsInThePickedLanguage_AndFitsAPhoneAndADesktop(string language, string name)
    {
        var admin = await RecoveryData.CreateUserAsync(fixture.Idp, role: "Administrator", authenticator: true);
        var anonymous = await fixture.NewPageAsync();
        var signedIn = await SignedInAsync(admin);
        var pages = AnonymousPages.Select(p => (anonymous, p))
            .Concat(SignedInPages.Append($"/admin/users/{admin.Id}").Select(p => (signedIn, p)))
            .ToList();

        var english = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (page, path) in pages)
        {
            english[path] = await MainTextAsync(page, path);
        }

        foreach (var page in new[] { anonymous, signedIn })
        {
            await page.GotoAsync("/language");
            await page.Locator("footer").GetByLabel("Language").SelectOptionAsync(new SelectOptionValue { Label = name });
            await page.Locator("footer").GetByRole(AriaRole.Button).ClickAsync();
            await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", language);
        }

        var problems = new List<string>();
        foreach (var (page, path) in pages)
        {
            var text = await MainTextAsync(page, path);
            if (text == english[path])
            {
                problems.Add($"{path} reads the same in {language} as in English:\n{text}");
            }

            if (await page.Locator("html").GetAttributeAsync("lang") != language)
            {
                problems.Add($"{path}: lang is not {language}");
            }

            foreach (var width in new[] { 375, 1280 })
            {
                await page.SetViewportSizeAsync(width, 800);
                try
                {
                    await UserStories.AssertFitsAsync(page);
                    // axe runs on every page in the area stories; here what changes with the language is the length of words.
                    if (language == "de" && width == 375)
                    {
                        await UserStories.ScreenshotAsync(page, "de-375" + path.Replace('/', '-'));
                    }
                }
                catch (Xunit.Sdk.XunitException failure)
                {
                    problems.Add(failure.Message);
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n\n", problems));
    }

    private static async Task<string> MainTextAsync(IPage page, string path)
    {
        await page.GotoAsync(path);
        return await page.Locator("main").InnerTextAsync();
    }

    private async Task<IPage> SignedInAsync(IdentityProvider.Data.ApplicationUser staff)
    {
        var page = await fixture.NewPageAsync();
        await page.GotoAsync("/Account/Login?returnUrl=%2Fadmin");
        await new Pages.LoginPage(page).SignInAsync(staff.UserName!, TestData.Password);
        await page.Locator("main input[autocomplete='one-time-code']").First.FillAsync(RecoveryData.AuthenticatorCode(DateTimeOffset.UtcNow));
        await page.Locator("main button[type='submit']").First.ClickAsync();
        await page.WaitForURLAsync("**/admin");
        return page;
    }
}
