using System.Net.Http.Json;
using IdentityProvider.Data;
using IdentityProvider.IntegrationTests.SelfService;
using IdentityProvider.Passwords;
using IdentityProvider.Testing;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityProvider.IntegrationTests.Passwords;

/// <summary>
/// A password typed in composed or decomposed form, or in full-width characters, is the same password on every path:
/// administrator-set, sign-in, re-authentication, change (with history), self-service reset, forced change and the
/// strength meter.
/// </summary>
public sealed class PasswordNormalisationTests(RecoveryFixture fixture) : IClassFixture<RecoveryFixture>
{
    // The same passwords in two Unicode forms each: NFC and NFD, and full-width and its compatibility (NFKC) form.
    private const string Composed = "Caf\u00e9-Lantern-Harbour-73";
    private const string Decomposed = "Cafe\u0301-Lantern-Harbour-73";
    private const string FullWidth = "\uff2d\uff45\uff41\uff44\uff4f\uff57-Falcon-River-\uff15\uff18";
    private const string Compatible = "Meadow-Falcon-River-58";

    private IdentityProviderHost Idp => fixture.Idp;

    [Fact]
    public async Task SetComposed_SignsInDecomposed_ReauthenticatesDecomposed_AndChangesInFullWidth()
    {
        var user = await CreateAsync(Composed);
        using var browser = new RecoveryBrowser(Idp);
        await HtmlForms.SignInAsync(browser.Client, user.UserName!, Decomposed);
        await browser.OpenAsync("Account");
        Assert.Equal("/Account", browser.Path);

        await browser.OpenAsync("Account/Reauthenticate?returnUrl=%2FAccount");
        await browser.SubmitAsync(new() { ["Password"] = Decomposed });
        Assert.Equal("/Account", browser.Path);

        await browser.OpenAsync("Account/ChangePassword");
        await browser.SubmitAsync(new() { ["Input.CurrentPassword"] = Decomposed, ["Input.NewPassword"] = FullWidth, ["Input.ConfirmPassword"] = FullWidth });
        Assert.Contains("Your password has been changed", browser.Alert, StringComparison.Ordinal);
        Assert.True(await SignsInAsync(user, Compatible));

        // History knows the old password in any form.
        await browser.OpenAsync("Account/ChangePassword");
        await browser.SubmitAsync(new() { ["Input.CurrentPassword"] = Compatible, ["Input.NewPassword"] = Decomposed, ["Input.ConfirmPassword"] = Decomposed });
        Assert.Contains("You have used this password recently.", browser.Alert, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AResetInFullWidth_SignsInWithTheCompatibleForm()
    {
        var user = await RecoveryData.CreateUserAsync(Idp, u => u.AlternateEmail = $"{u.UserName}@home.example");
        using var browser = new RecoveryBrowser(Idp);
        await browser.StartAsync(user.UserName!);
        await browser.ChooseReasonAsync();
        await browser.ChooseMethodAsync("AlternateEmail");
        await browser.EnterCodeAsync(await RecoveryData.LatestCodeAsync(Idp, user.AlternateEmail!));
        await browser.NewPasswordAsync(FullWidth);
        Assert.Equal("/recover/done", browser.Path);

        Assert.True(await SignsInAsync(user, Compatible));
    }

    [Fact]
    public async Task AForcedChangeInDecomposedForm_SignsInComposed()
    {
        var user = await RecoveryData.CreateUserAsync(Idp, u => u.MustChangePassword = true);
        using var browser = new RecoveryBrowser(Idp);
        await browser.OpenAsync("Account/Login");
        await browser.SubmitAsync(new() { ["Input.UserName"] = user.UserName!, ["Input.Password"] = TestData.Password });
        Assert.Equal("/Account/ForcedChange", browser.Path);
        await browser.SubmitAsync(new() { ["Input.NewPassword"] = Decomposed, ["Input.ConfirmPassword"] = Decomposed });

        Assert.True(await SignsInAsync(user, Composed));
    }

    [Fact]
    public async Task TheStrengthMeter_GivesBothFormsTheSameVerdict()
    {
        var user = await TestData.CreateUserAsync(Idp);
        using var browser = new RecoveryBrowser(Idp);
        await HtmlForms.SignInAsync(browser.Client, user.UserName!, TestData.Password);
        await browser.OpenAsync("Account/ChangePassword");
        var token = HtmlForms.Parse(browser.Html).QuerySelector($"input[name='{HtmlForms.AntiforgeryField}']")!.GetAttribute("value")!;

        Assert.Equal(await CheckAsync(browser.Client, token, Compatible), await CheckAsync(browser.Client, token, FullWidth));
        Assert.Equal(await CheckAsync(browser.Client, token, Composed), await CheckAsync(browser.Client, token, Decomposed));
    }

    private async Task<ApplicationUser> CreateAsync(string password)
    {
        await using var scope = Idp.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var name = "unicode-" + Guid.NewGuid().ToString("N")[..8];
        var user = new ApplicationUser { UserName = name, Email = name + "@example.org", EmailConfirmed = true };
        var result = await users.CreateAsync(user, password);
        Assert.True(result.Succeeded, string.Join(" ", result.Errors.Select(e => e.Description)));
        return user;
    }

    private async Task<bool> SignsInAsync(ApplicationUser user, string password)
    {
        using var check = new RecoveryBrowser(Idp);
        await HtmlForms.SignInAsync(check.Client, user.UserName!, password);
        await check.OpenAsync("Account");
        return check.Path == "/Account";
    }

    private static async Task<string> CheckAsync(HttpClient client, string token, string password)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(PasswordEndpoints.CheckPath, UriKind.Relative)) { Content = JsonContent.Create(new { password }) };
        request.Headers.Add("RequestVerificationToken", token);
        using var response = await client.SendAsync(request);
        return await response.Content.ReadAsStringAsync();
    }
}
