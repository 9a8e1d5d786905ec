using System.Net;
using System.Net.Http.Json;
using IdentityProvider.Data;
using IdentityProvider.Passwords;
using IdentityProvider.Testing;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace IdentityProvider.IntegrationTests.Passwords;

/// <summary>The one password policy on Identity's write paths, its stored settings, history and hashing.</summary>
public sealed class PasswordPolicyTests(PasswordPolicyFixture fixture) : IClassFixture<PasswordPolicyFixture>
{
    private IdentityProviderHost Idp => fixture.Idp;

    [Theory]
    [InlineData("Sh0rt!", PasswordPolicy.Codes.TooShort)]
    [InlineData("Password123!", PasswordPolicy.Codes.TooCommon)]
    [InlineData("C0nt0so-1!", PasswordPolicy.Codes.OrganisationTerm)]
    [InlineData("northwind-rocks-2025", PasswordPolicy.Codes.PersonalInfo)]
    public async Task CreatingAUser_RunsThePolicy_WithAPlainMessagePerRule(string password, string code)
    {
        var result = await CreateAsync("Maria", "Lopez", password);

        Assert.False(result.Succeeded);
        Assert.Contains(result.Errors, e => e.Code == code && e.Description.Length > 10);
    }

    [Fact]
    public async Task EveryBrokenRule_ComesBackAsItsOwnMessage()
    {
        var result = await CreateAsync("Poll", "Smith", "p0LL");

        Assert.Equal([PasswordPolicy.Codes.TooShort, PasswordPolicy.Codes.PersonalInfo], result.Errors.Select(e => e.Code));
        Assert.Contains("at least 12 characters", result.Errors.First().Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StoredPolicy_IsSeededFromConfiguration()
    {
        await CreateAsync("Seed", "Check", "Rainy-Harbour-Lantern-42");
        await using var scope = Idp.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();

        var stored = await db.Set<PasswordPolicySettings>().Include(p => p.CustomBannedTerms).SingleAsync();

        Assert.Equal(12, stored.MinimumLength);
        Assert.Equal(5, stored.HistoryDepth);
        Assert.Equal(["contoso", "widgets"], stored.CustomBannedTerms.Select(t => t.Term).Order());
    }

    [Fact]
    public async Task ChangingBackToARecentPassword_IsRefused_UntilItLeavesTheHistory()
    {
        var user = await TestData.CreateUserAsync(Idp, password: "Amber-Quarry-Sparrow-01");
        string[] passwords = ["Amber-Quarry-Sparrow-01", "Bright-Canyon-Otter-02", "Cobalt-Meadow-Heron-03", "Dusty-Orchard-Finch-04", "Ember-Valley-Lynx-05", "Frosty-Garden-Crane-06"];

        await using var scope = Idp.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var stored = (await users.FindByIdAsync(user.Id))!;

        Assert.True((await users.ChangePasswordAsync(stored, passwords[0], passwords[1])).Succeeded);
        var back = await users.ChangePasswordAsync(stored, passwords[1], passwords[0]);
        Assert.Equal([PasswordPolicy.Codes.Reused], back.Errors.Select(e => e.Code));
        var same = await users.ChangePasswordAsync(stored, passwords[1], passwords[1]);
        Assert.Equal([PasswordPolicy.Codes.Reused], same.Errors.Select(e => e.Code));

        for (var i = 2; i < passwords.Length; i++)
        {
            Assert.True((await users.ChangePasswordAsync(stored, passwords[i - 1], passwords[i])).Succeeded);
        }

        // The current password and the four before it are remembered; the first one is now six back.
        Assert.Equal([PasswordPolicy.Codes.Reused], (await users.ChangePasswordAsync(stored, passwords[^1], passwords[2])).Errors.Select(e => e.Code));
        Assert.True((await users.ChangePasswordAsync(stored, passwords[^1], passwords[0])).Succeeded);
    }

    [Fact]
    public async Task ResetToARecentPassword_IsRefusedToo()
    {
        var user = await TestData.CreateUserAsync(Idp, password: "Glacier-Pepper-Walrus-11");
        await using var scope = Idp.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var stored = (await users.FindByIdAsync(user.Id))!;

        var token = await users.GeneratePasswordResetTokenAsync(stored);
        var result = await users.ResetPasswordAsync(stored, token, "Glacier-Pepper-Walrus-11");

        Assert.Equal([PasswordPolicy.Codes.Reused], result.Errors.Select(e => e.Code));
    }

    [Fact]
    public async Task OlderHash_IsUpgradedAtTheNextSuccessfulSignIn()
    {
        var user = await TestData.CreateUserAsync(Idp);
        var weak = new PasswordHasher<ApplicationUser>(Options.Create(new PasswordHasherOptions { IterationCount = 100_000 }));
        await TestData.UpdateUserAsync(Idp, user.Id, (users, stored) =>
        {
            stored.PasswordHash = weak.HashPassword(stored, TestData.Password);
            return users.UpdateAsync(stored);
        });
        Assert.Equal(100_000, Pbkdf2Iterations(await StoredHashAsync(user.Id)));
        var historyBefore = await HistoryCountAsync(user.Id);

        using var client = Idp.CreateClient();
        using var page = await client.GetAsync(new Uri("Account/Login", UriKind.Relative));
        using var signedIn = await HtmlForms.SignInAsync(client, page, user.UserName!, TestData.Password);
        Assert.Contains("You are signed in", await signedIn.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        Assert.StartsWith("$argon2id$v=19$m=19456,t=2,p=1$", await StoredHashAsync(user.Id), StringComparison.Ordinal);
        Assert.Equal(historyBefore, await HistoryCountAsync(user.Id)); // a rehash is not a new password
    }

    [Fact]
    public async Task GeneratedClientSecrets_AreStoredAsAFastHash_OthersKeepTheSlowOne()
    {
        var generated = IdentityProvider.Oidc.ClientSecrets.Generate();
        await TestData.RegisterServiceClientAsync(Idp, "svc-fast", generated);
        await TestData.RegisterServiceClientAsync(Idp, "svc-typed", "a secret someone typed in");

        await using var scope = Idp.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        var stored = await db.Set<OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreApplication>()
            .Where(a => a.ClientId == "svc-fast" || a.ClientId == "svc-typed")
            .ToDictionaryAsync(a => a.ClientId!, a => a.ClientSecret!);

        Assert.StartsWith("$sha256$", stored["svc-fast"], StringComparison.Ordinal);
        Assert.DoesNotContain(generated, stored["svc-fast"], StringComparison.Ordinal);
        Assert.DoesNotContain("$sha256$", stored["svc-typed"], StringComparison.Ordinal);

        using var http = new HttpClient();
        foreach (var (clientId, secret) in new[] { ("svc-fast", generated), ("svc-typed", "a secret someone typed in") })
        {
            var ok = await Duende.IdentityModel.Client.HttpClientTokenRequestExtensions.RequestClientCredentialsTokenAsync(http, new()
            {
                Address = new Uri(Idp.BaseAddress, "connect/token").ToString(),
                ClientId = clientId,
                ClientSecret = secret,
            });
            Assert.False(ok.IsError, clientId + ": " + ok.Error);
        }
    }

    [Fact]
    public async Task StrengthMeter_AgreesWithTheServer_AndNeedsTheAntiforgeryToken()
    {
        using var client = await SignedInClientAsync();
        using var page = await client.GetAsync(new Uri("Account/ChangePassword", UriKind.Relative));
        var token = HtmlForms.Parse(await page.Content.ReadAsStringAsync()).QuerySelector("input[name='__RequestVerificationToken']")!.GetAttribute("value")!;

        using (var forged = await client.PostAsJsonAsync(new Uri(PasswordEndpoints.CheckPath, UriKind.Relative), new { password = "x" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        }

        var weak = await CheckAsync(client, token, "C0nt0so-1");
        Assert.False(weak.Acceptable);
        Assert.Equal(0, weak.Strength);

        var strong = await CheckAsync(client, token, "Velvet-Thunder-Pickle-Orbit-88");
        Assert.True(strong.Acceptable);
        Assert.True(strong.Strength >= 2);

        // The form refuses the weak password with the very messages the meter showed.
        using var refused = await HtmlForms.SubmitAsync(client, page, new Dictionary<string, string>
        {
            ["Input.CurrentPassword"] = TestData.Password,
            ["Input.NewPassword"] = "C0nt0so-1",
            ["Input.ConfirmPassword"] = "C0nt0so-1",
        });
        var html = WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync());
        Assert.All(weak.Messages, message => Assert.Contains(message, html, StringComparison.Ordinal));

        using var changed = await HtmlForms.SubmitAsync(client, page, new Dictionary<string, string>
        {
            ["Input.CurrentPassword"] = TestData.Password,
            ["Input.NewPassword"] = "Velvet-Thunder-Pickle-Orbit-88",
            ["Input.ConfirmPassword"] = "Velvet-Thunder-Pickle-Orbit-88",
        });
        Assert.Contains("Your password has been changed", await changed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChangePasswordPage_SaysWhenTheCurrentPasswordIsWrong_OrTheConfirmationDiffers()
    {
        using var client = await SignedInClientAsync();
        using var page = await client.GetAsync(new Uri("Account/ChangePassword", UriKind.Relative));

        using var refused = await HtmlForms.SubmitAsync(client, page, new Dictionary<string, string>
        {
            ["Input.CurrentPassword"] = "not-my-password",
            ["Input.NewPassword"] = "Velvet-Thunder-Pickle-Orbit-88",
            ["Input.ConfirmPassword"] = "Velvet-Thunder-Pickle-Orbit-88",
        });
        Assert.Contains("Your current password is not right.", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var mismatch = await HtmlForms.SubmitAsync(client, page, new Dictionary<string, string>
        {
            ["Input.CurrentPassword"] = TestData.Password,
            ["Input.NewPassword"] = "Velvet-Thunder-Pickle-Orbit-88",
            ["Input.ConfirmPassword"] = "Velvet-Thunder-Pickle-Orbit-77",
        });
        Assert.Contains("The two new passwords are not the same.", await mismatch.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private async Task<HttpClient> SignedInClientAsync()
    {
        var user = await TestData.CreateUserAsync(Idp);
        var client = Idp.CreateClient();
        await HtmlForms.SignInAsync(client, user.UserName!, TestData.Password);
        return client;
    }

    private static async Task<PasswordCheckResponse> CheckAsync(HttpClient client, string token, string password)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(PasswordEndpoints.CheckPath, UriKind.Relative))
        {
            Content = JsonContent.Create(new { password }),
        };
        request.Headers.Add("RequestVerificationToken", token);
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<PasswordCheckResponse>())!;
    }

    private async Task<int> HistoryCountAsync(string userId)
    {
        await using var scope = Idp.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Set<PasswordHistoryEntry>().CountAsync(h => h.UserId == userId);
    }

    private async Task<string> StoredHashAsync(string userId)
    {
        await using var scope = Idp.CreateScope();
        return (await scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().FindByIdAsync(userId))!.PasswordHash!;
    }

    // Identity's V3 format: marker, PRF, iteration count (big-endian), salt length, salt, subkey.
    private static int Pbkdf2Iterations(string encoded)
    {
        var hash = Convert.FromBase64String(encoded);
        return (hash[5] << 24) | (hash[6] << 16) | (hash[7] << 8) | hash[8];
    }

    private async Task<IdentityResult> CreateAsync(string givenName, string familyName, string password)
    {
        await using var scope = Idp.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var userName = (givenName + familyName).ToLowerInvariant() + Guid.NewGuid().ToString("N")[..4];
        return await users.CreateAsync(new ApplicationUser { UserName = userName, Email = userName + "@example.org", GivenName = givenName, FamilyName = familyName }, password);
    }
}
