using System.Diagnostics;
using System.Net;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityProvider.IntegrationTests.Directories;

/// <summary>
/// A directory connected to the embedded default (SQLite, one writer at a time): what the directory refuses, and its
/// outage, are answered at once with their own words, and audited, while the step's own transaction rolls back.
/// </summary>
public sealed class EmbeddedDirectoryTests
{
    private const string NewPassword = "Copper-Harbour-Willow-58";

    [Fact]
    public async Task OnSqlite_ARefusedChange_AndAnOutage_AreAnsweredAtOnce_AndAudited()
    {
        await using var slapd = await SlapdServer.StartAsync();
        var folder = Directory.CreateTempSubdirectory("idp-embedded-dir-").FullName;
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:PostgreSql"] = null,
            ["ConnectionStrings:Sqlite"] = $"Data Source={Path.Combine(folder, "identity.db")}",
            ["Database:MigrateOnStart"] = "true",
        };
        foreach (var (key, value) in slapd.Settings("corp"))
        {
            settings[key] = value;
        }

        await using var host = await IdentityProviderHost.StartAsync(connectionString: string.Empty, settings: settings);
        var uid = DirectoryUsers.NewUid();
        await slapd.AddUserAsync(uid, DirectoryUsers.Password, $"{uid}@example.org");

        using var browser = new RecoveryBrowser(host);
        await browser.OpenAsync("Account/Login");
        await browser.SubmitAsync(new() { ["Input.UserName"] = uid, ["Input.Password"] = DirectoryUsers.Password });
        Assert.Equal("/", browser.Path);

        // The directory's history refuses its current password: the form says why, without waiting on a lock.
        await browser.OpenAsync("Account/ChangePassword");
        var watch = Stopwatch.StartNew();
        await browser.SubmitAsync(new() { ["Input.CurrentPassword"] = DirectoryUsers.Password, ["Input.NewPassword"] = DirectoryUsers.Password, ["Input.ConfirmPassword"] = DirectoryUsers.Password });
        Assert.Contains("you used it recently", browser.Text, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"The refusal took {watch.Elapsed}.");

        await slapd.StopAsync();
        try
        {
            await browser.OpenAsync("Account/ChangePassword");
            watch.Restart();
            await browser.SubmitAsync(new() { ["Input.CurrentPassword"] = DirectoryUsers.Password, ["Input.NewPassword"] = NewPassword, ["Input.ConfirmPassword"] = NewPassword });
            Assert.Equal(HttpStatusCode.ServiceUnavailable, browser.Page.StatusCode);
            Assert.Contains("directory can't be reached", browser.Text, StringComparison.Ordinal);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"The outage answer took {watch.Elapsed}.");
        }
        finally
        {
            await slapd.StartAgainAsync();
        }

        await using var scope = host.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        var user = await db.Users.SingleAsync(u => u.UserName == uid);
        var events = await db.Set<AuditEvent>().Where(e => e.UserId == user.Id).Select(e => e.EventType).ToListAsync();
        Assert.Contains(AuditEventTypes.DirectoryPasswordRefused, events);
        Assert.Contains(AuditEventTypes.DirectoryUnavailable, events);
        Assert.True(await slapd.CanBindAsync(uid, DirectoryUsers.Password));
    }
}
