using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using IdentityProvider.IntegrationTests.Admin;
using IdentityProvider.IntegrationTests.SelfService;
using IdentityProvider.Testing;

namespace IdentityProvider.IntegrationTests.Passwords;

/// <summary>A deployment whose password policy allows at most 40 characters.</summary>
public sealed class PasswordLengthFixture : RecoveryFixture
{
    protected override void Configure(TestServerOptions server)
    {
        base.Configure(server);
        server.Settings["Passwords:MaximumLength"] = "40";
    }
}

/// <summary>One maximum length, the policy's, counted one way, on every path where a password is typed.</summary>
public sealed class PasswordLengthTests(PasswordLengthFixture fixture) : IClassFixture<PasswordLengthFixture>
{
    private const string TooLong = "Harbour-Lantern-Compass-Meadow-Orbit-4170";
    private const string Refusal = "at most 40 characters";

    /// <summary>40 characters as a person counts them, 52 UTF-16 units: within the limit everywhere.</summary>
    private static readonly string Longest = string.Concat(Enumerable.Repeat("\U0001F34E", 12)) + "Harbour-Lantern-Compass-Mead";

    private IdentityProviderHost Idp => fixture.Idp;

    [Fact]
    public async Task APasswordOverThePolicysMaximum_IsRefused_OnEveryPathWhereOneIsTyped()
    {
        Assert.Equal(41, TooLong.Length);
        var user = await TestData.CreateUserAsync(Idp);
        var failures = new List<string>();
        async Task ExpectRefusalAsync(string path, RecoveryBrowser browser)
        {
            if (!browser.Text.Contains(Refusal, StringComparison.Ordinal))
            {
                failures.Add($"{path}: {browser.Path} {(int)browser.Page.StatusCode} {browser.Alert}");
            }
        }

        using (var signIn = new RecoveryBrowser(Idp))
        {
            await signIn.OpenAsync("Account/Login");
            await signIn.SubmitAsync(new() { ["Input.UserName"] = user.UserName!, ["Input.Password"] = TooLong });
            await ExpectRefusalAsync("sign-in", signIn);
        }

        using var signedIn = new RecoveryBrowser(Idp);
        await HtmlForms.SignInAsync(signedIn.Client, user.UserName!, TestData.Password);
        await signedIn.OpenAsync("Account/Reauthenticate");
        await signedIn.SubmitAsync(new() { ["Password"] = TooLong });
        await ExpectRefusalAsync("re-authentication", signedIn);
        await signedIn.OpenAsync("Account/ChangePassword");
        await signedIn.SubmitAsync(new() { ["Input.CurrentPassword"] = TooLong, ["Input.NewPassword"] = "Velvet-Orchard-Kettle-73", ["Input.ConfirmPassword"] = "Velvet-Orchard-Kettle-73" });
        await ExpectRefusalAsync("change (current password)", signedIn);
        await signedIn.OpenAsync("Account/ChangePassword");
        await signedIn.SubmitAsync(new() { ["Input.CurrentPassword"] = TestData.Password, ["Input.NewPassword"] = TooLong, ["Input.ConfirmPassword"] = TooLong });
        await ExpectRefusalAsync("change (new password)", signedIn);

        var forced = await RecoveryData.CreateUserAsync(Idp, u => u.MustChangePassword = true);
        using (var pending = new RecoveryBrowser(Idp))
        {
            await pending.OpenAsync("Account/Login");
            await pending.SubmitAsync(new() { ["Input.UserName"] = forced.UserName!, ["Input.Password"] = TestData.Password });
            Assert.Equal("/Account/ForcedChange", pending.Path);
            await pending.SubmitAsync(new() { ["Input.NewPassword"] = TooLong, ["Input.ConfirmPassword"] = TooLong });
            await ExpectRefusalAsync("forced change", pending);
        }

        var resetting = await RecoveryData.CreateUserAsync(Idp, u => u.AlternateEmail = $"{u.UserName}@home.example");
        using (var journey = await new RecoveryBrowser(Idp).StartAsync(resetting.UserName!))
        {
            await journey.ChooseReasonAsync();
            await journey.ChooseMethodAsync("AlternateEmail");
            await journey.EnterCodeAsync(await RecoveryData.LatestCodeAsync(Idp, resetting.AlternateEmail!));
            await journey.NewPasswordAsync(TooLong);
            await ExpectRefusalAsync("self-service reset", journey);
        }

        var (_, admin) = await StaffSession.StartAsync(Idp, "Administrator");
        using (admin)
        {
            await admin.OpenAsync("admin/users/new");
            await admin.SubmitAsync(new() { ["Input.UserName"] = "long" + Guid.NewGuid().ToString("N")[..8], ["Input.Email"] = $"l{Guid.NewGuid():N}@example.org", ["Input.Temporary"] = "false", ["Input.Password"] = TooLong });
            await ExpectRefusalAsync("admin: new account", admin);
        }

        using var api = await AdminApiClient.CreateAsync(Idp, "admin.users");
        using var created = await api.PostAsJsonAsync("api/v1/users", new { userName = "api" + Guid.NewGuid().ToString("N")[..8], email = $"a{Guid.NewGuid():N}@example.org", password = TooLong });
        if (created.StatusCode != HttpStatusCode.BadRequest || !(await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("password")[0].GetString()!.Contains(Refusal, StringComparison.Ordinal))
        {
            failures.Add($"admin API: new account answered {(int)created.StatusCode}");
        }

        Assert.True(failures.Count == 0, "Accepted a password over the maximum:\n" + string.Join('\n', failures));
    }

    [Fact]
    public async Task ThePolicysMaximum_CountsCharactersAsPeopleDo_SoTheLongestPasswordSetIsTheLongestThatSignsIn()
    {
        Assert.Equal(52, Longest.Length);
        var user = await TestData.CreateUserAsync(Idp);
        using var browser = new RecoveryBrowser(Idp);
        await HtmlForms.SignInAsync(browser.Client, user.UserName!, TestData.Password);
        await browser.OpenAsync("Account/ChangePassword");
        await browser.SubmitAsync(new() { ["Input.CurrentPassword"] = TestData.Password, ["Input.NewPassword"] = Longest, ["Input.ConfirmPassword"] = Longest });
        Assert.Contains("Your password has been changed", browser.Alert, StringComparison.Ordinal);

        using var again = new RecoveryBrowser(Idp);
        await again.OpenAsync("Account/Login");
        await again.SubmitAsync(new() { ["Input.UserName"] = user.UserName!, ["Input.Password"] = Longest });
        Assert.Equal("/", again.Path);
    }
}
