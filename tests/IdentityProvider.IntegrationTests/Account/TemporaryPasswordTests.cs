using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using IdentityProvider.Account;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.IntegrationTests.Admin;
using IdentityProvider.IntegrationTests.SelfService;
using IdentityProvider.Testing;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityProvider.IntegrationTests.Account;

/// <summary>Passwords that staff set: always changed at the first sign-in, and useless after their lifetime.</summary>
public sealed class TemporaryPasswordTests(RecoveryFixture fixture) : IClassFixture<RecoveryFixture>
{
    private IdentityProviderHost Idp => fixture.Idp;

    [Fact]
    public async Task APasswordAnAdministratorChoseForANewAccount_MustBeChangedAtTheFirstSignIn_AndExpiresIn24Hours()
    {
        var (_, admin) = await StaffSession.StartAsync(Idp, "Administrator");
        using var _ = admin;
        var name = "chosen" + Guid.NewGuid().ToString("N")[..8];
        await admin.OpenAsync("admin/users/new");
        await admin.SubmitAsync(new() { ["Input.UserName"] = name, ["Input.Email"] = name + "@example.org", ["Input.Temporary"] = "false", ["Input.Password"] = "Harbour-Velvet-Compass-31" });
        Assert.StartsWith("/admin/users/", admin.Path, StringComparison.Ordinal);

        var stored = await StoredAsync(name);
        Assert.True(stored.MustChangePassword);
        Assert.InRange(stored.TemporaryPasswordExpiresAt!.Value - DateTimeOffset.UtcNow, TimeSpan.FromHours(23.9), TimeSpan.FromHours(24));

        using var signIn = new RecoveryBrowser(Idp);
        await signIn.OpenAsync("Account/Login");
        await signIn.SubmitAsync(new() { ["Input.UserName"] = name, ["Input.Password"] = "Harbour-Velvet-Compass-31" });
        Assert.Equal("/Account/ForcedChange", signIn.Path);
    }

    [Fact]
    public async Task AnExpiredTemporaryPassword_CannotSignIn_AndOnlySomeoneWhoTypedItLearnsThatItExpired()
    {
        var user = await TestData.CreateUserAsync(Idp);
        using var api = await AdminApiClient.CreateAsync(Idp, "admin.users");
        using var reset = await api.PostAsync(new Uri($"api/v1/users/{user.Id}/password-reset", UriKind.Relative), null);
        var temporary = (await reset.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("temporaryPassword").GetString()!;
        await TestData.UpdateUserAsync(Idp, user.Id, async (users, stored) =>
        {
            stored.TemporaryPasswordExpiresAt = DateTimeOffset.UtcNow.AddMinutes(-1);
            await users.UpdateAsync(stored);
        });

        using var wrong = new RecoveryBrowser(Idp);
        await wrong.OpenAsync("Account/Login");
        await wrong.SubmitAsync(new() { ["Input.UserName"] = user.UserName!, ["Input.Password"] = "Not-The-Temporary-One-1" });
        Assert.Contains("That username or password is not right. Check them and try again.", wrong.Alert, StringComparison.Ordinal);
        Assert.DoesNotContain("expired", wrong.Text, StringComparison.OrdinalIgnoreCase);

        using var right = new RecoveryBrowser(Idp);
        await right.OpenAsync("Account/Login");
        await right.SubmitAsync(new() { ["Input.UserName"] = user.UserName!, ["Input.Password"] = temporary });
        Assert.Equal("/Account/Login", right.Path);
        Assert.Contains("Your temporary password has expired. Ask your IT helpdesk for a new one.", right.Alert, StringComparison.Ordinal);
        await right.OpenAsync("Account/ForcedChange");
        Assert.Equal("/Account/Login", right.Path);
        await right.OpenAsync("Account");
        Assert.Equal("/Account/Login", right.Path);
        Assert.Contains(await fixture.AuditAsync(user.Id), e => e.EventType == AuditEventTypes.SignInFailed && e.Reason == "temporary-password-expired");
    }

    [Fact]
    public async Task TheLifetime_IsConfigurable()
    {
        var database = await TestDatabase.CreateAsync("temporary");
        await using var idp = await IdentityProviderHost.StartAsync(database, new Dictionary<string, string?> { ["Passwords:TemporaryPasswordLifetime"] = "02:00:00" });
        var user = await TestData.CreateUserAsync(idp);
        using var api = await AdminApiClient.CreateAsync(idp, "admin.users");
        using var reset = await api.PostAsync(new Uri($"api/v1/users/{user.Id}/password-reset", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);

        await using var scope = idp.CreateScope();
        var stored = (await scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().FindByIdAsync(user.Id))!;
        Assert.True(stored.MustChangePassword);
        Assert.InRange(stored.TemporaryPasswordExpiresAt!.Value - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(119), TimeSpan.FromMinutes(120));
    }

    private async Task<ApplicationUser> StoredAsync(string userName)
    {
        await using var scope = Idp.CreateScope();
        return (await scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().FindByNameAsync(userName))!;
    }
}
