using IdentityProvider.Data;
using IdentityProvider.IntegrationTests.SelfService;
using IdentityProvider.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityProvider.IntegrationTests.Directories;

/// <summary>Self-service with every method, email to a real SMTP server, and a real OpenLDAP (slapd, ppolicy, LDAPS) connected as a directory.</summary>
public class DirectoryFixture : RecoveryFixture
{
    protected override void Configure(TestServerOptions server)
    {
        base.Configure(server);
        server.Directory = true;
    }
}

/// <summary>What the directory tests do with users: sign in through the page, read the stored user.</summary>
internal static class DirectoryUsers
{
    /// <summary>A password the directory's policy accepts and the local policy too.</summary>
    public const string Password = "Granite-Lantern-Meadow-41";

    /// <summary>A user ID of its own for each test.</summary>
    public static string NewUid() => "dir" + Guid.NewGuid().ToString("N")[..10];

    /// <summary>Signs in through the sign-in page; returns the path the browser ends on ("/" when signed in).</summary>
    public static async Task<string> SignInAsync(IdentityProviderHost idp, string userName, string password)
    {
        using var client = idp.CreateClient();
        using var page = await client.GetAsync(new Uri("Account/Login", UriKind.Relative));
        using var response = await HtmlForms.SignInAsync(client, page, userName, password);
        return response.RequestMessage!.RequestUri!.AbsolutePath;
    }

    /// <summary>Syncs the directory now, waiting while the background sync holds its lease; asserts that it succeeded.</summary>
    public static async Task<IdentityProvider.Directories.DirectorySyncResult> SyncAsync(IdentityProviderHost idp)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            await using var scope = idp.CreateScope();
            var result = await scope.ServiceProvider.GetRequiredService<IdentityProvider.Directories.DirectorySynchronizer>().SyncAsync(TestServerFixture.DirectoryName);
            if (result is not null)
            {
                Assert.True(result.Succeeded, result.Summary);
                return result;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException("The background sync held the lease for 20 seconds.");
    }

    /// <summary>A directory user who signed in once (imported), with an alternate email registered here for self-service.</summary>
    public static async Task<(string Uid, ApplicationUser User)> ImportAsync(IdentityProviderHost idp, SlapdServer slapd)
    {
        var uid = NewUid();
        await slapd.AddUserAsync(uid, Password, $"{uid}@example.org", givenName: "Riley", surname: "Chen");
        Assert.Equal("/", await SignInAsync(idp, uid, Password));
        await TestData.UpdateUserAsync(idp, (await ByNameAsync(idp, uid)).Id, (users, u) =>
        {
            u.AlternateEmail = $"{uid}@home.example";
            u.AlternateEmailRegisteredAt = DateTimeOffset.UtcNow;
            return users.UpdateAsync(u);
        });
        return (uid, await ByNameAsync(idp, uid));
    }

    /// <summary>A reset journey through the email code, up to the new-password page.</summary>
    public static async Task<RecoveryBrowser> PasswordStepAsync(IdentityProviderHost idp, string uid, ApplicationUser user)
    {
        var browser = new RecoveryBrowser(idp);
        await browser.StartAsync(uid);
        await browser.ChooseReasonAsync();
        await browser.ChooseMethodAsync("AlternateEmail");
        await browser.EnterCodeAsync(await RecoveryData.LatestCodeAsync(idp, user.AlternateEmail!));
        Assert.Equal("/recover/password", browser.Path);
        return browser;
    }

    /// <summary>The stored user of that id, untracked.</summary>
    public static async Task<ApplicationUser> ByIdAsync(IdentityProviderHost idp, string id)
    {
        await using var scope = idp.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Users.AsNoTracking().SingleAsync(u => u.Id == id);
    }

    /// <summary>The stored user of that user ID, untracked.</summary>
    public static async Task<ApplicationUser> ByNameAsync(IdentityProviderHost idp, string userName)
    {
        await using var scope = idp.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Users.AsNoTracking().SingleAsync(u => u.UserName == userName);
    }
}
