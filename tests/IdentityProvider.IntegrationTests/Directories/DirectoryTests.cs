using System.Net;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.Directories;
using IdentityProvider.IntegrationTests.Admin;
using IdentityProvider.SelfService.Recovery;
using IdentityProvider.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityProvider.IntegrationTests.Directories;

/// <summary>
/// Users whose password lives in an on-premises directory (issue: password writeback and unlock): sign-in by bind with
/// a just-in-time import, writeback of a reset and a change, the directory's policy refusing a password, unlock, an
/// outage in the middle of a reset, the sync feeding self-service, and the admin page.
/// </summary>
public sealed class DirectoryTests(DirectoryFixture fixture) : IClassFixture<DirectoryFixture>
{
    private const string DirectoryPassword = DirectoryUsers.Password;
    private const string NewPassword = "Copper-Harbour-Willow-58";

    private IdentityProviderHost Idp => fixture.Idp;

    private SlapdServer Slapd => fixture.Slapd;

    [Fact]
    public async Task ADirectoryUser_SignsInWithTheDirectoryPassword_AndIsImportedWithContactDataAndGroups()
    {
        var uid = Uid();
        await Slapd.AddUserAsync(uid, DirectoryPassword, $"{uid}@example.org", "+447400123456", "Dana", "Reyes", "Sales", "VPN Users");

        Assert.Equal("/Account/Login", await SignInAsync(uid, "Not-The-Directory-Password-9"));
        Assert.Equal("/", await SignInAsync(uid, DirectoryPassword));
        Assert.Equal("/", await SignInAsync($"{uid}@example.org", DirectoryPassword));

        await using var scope = Idp.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        var users = await db.Users.Where(u => u.UserName == uid).ToListAsync();
        var user = Assert.Single(users);
        Assert.Equal(TestServerFixture.DirectoryName, user.DirectoryName);
        Assert.Equal(SlapdServer.UserDn(uid), user.DirectoryDn);
        Assert.Equal($"{uid}@example.org", user.Email);
        Assert.Equal("+447400123456", user.MobilePhone);
        Assert.Equal(("Dana", "Reyes"), (user.GivenName, user.FamilyName));
        Assert.Null(user.PasswordHash);

        var groups = await db.Set<GroupMembership>().Where(m => m.UserId == user.Id)
            .Join(db.Set<Group>(), m => m.GroupId, g => g.Id, (m, g) => g).ToListAsync();
        Assert.Equal(["Sales", "VPN Users"], groups.Select(g => g.Name).Order().ToArray());
        Assert.All(groups, g => Assert.Equal(TestServerFixture.DirectoryName, g.DirectoryName));

        var events = await fixture.AuditAsync(user.Id);
        Assert.Contains(events, e => e.EventType == AuditEventTypes.DirectoryUserImported);
        Assert.Contains(events, e => e.EventType == AuditEventTypes.SignInFailed && e.Reason!.StartsWith("wrong-password", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ALocalAccount_IsNotTakenOverByADirectoryEntryOfTheSameName()
    {
        var local = await TestData.CreateUserAsync(Idp);
        await Slapd.AddUserAsync(local.UserName!, DirectoryPassword, $"{local.UserName}@example.org");

        Assert.Equal("/Account/Login", await SignInAsync(local.UserName!, DirectoryPassword));
        Assert.Equal("/", await SignInAsync(local.UserName!, TestData.Password));
        await using var scope = Idp.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        Assert.Null((await db.Users.SingleAsync(u => u.Id == local.Id)).DirectoryName);
    }

    [Theory]
    [InlineData("*")]
    [InlineData("*)(uid=*")]
    [InlineData("x)(|(objectClass=*")]
    public async Task AFilterInTheUserId_MatchesNobody(string typed)
    {
        await Slapd.AddUserAsync(Uid(), DirectoryPassword, null);
        Assert.Equal("/Account/Login", await SignInAsync(typed, DirectoryPassword));
        await using var scope = Idp.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        Assert.False(await db.Users.AnyAsync(u => u.UserName == typed));
    }

    [Fact]
    public async Task Reset_ByEmailCode_WritesTheNewPasswordToTheDirectory()
    {
        var (uid, user) = await ImportAsync();
        using var browser = await PasswordStepAsync(uid, user);

        await browser.NewPasswordAsync(NewPassword);
        Assert.Equal("/recover/done", browser.Path);

        Assert.True(await Slapd.CanBindAsync(uid, NewPassword));
        Assert.False(await Slapd.CanBindAsync(uid, DirectoryPassword));
        Assert.Equal("/", await SignInAsync(uid, NewPassword));
        Assert.Equal("/Account/Login", await SignInAsync(uid, DirectoryPassword));
        var events = await fixture.AuditAsync(user.Id);
        Assert.Contains(events, e => e.EventType == AuditEventTypes.DirectoryPasswordWritten && e.Method == TestServerFixture.DirectoryName);
        Assert.Contains(events, e => e.EventType == AuditEventTypes.RecoveryPasswordReset);
    }

    [Fact]
    public async Task TheDirectorysPolicy_RefusesAPassword_TheUserSeesWhy_AndNothingChanges()
    {
        var (uid, user) = await ImportAsync();
        var before = await UserAsync(user.Id);
        using var browser = await PasswordStepAsync(uid, user);

        // The local policy knows nothing of the directory's current password; the directory's history does.
        await browser.NewPasswordAsync(DirectoryPassword);
        Assert.Equal("/recover/password", browser.Path);
        Assert.Contains("you used it recently", browser.Text, StringComparison.Ordinal);

        var after = await UserAsync(user.Id);
        Assert.Equal((before.PasswordHash, before.SecurityStamp, before.PasswordChangedAt), (after.PasswordHash, after.SecurityStamp, after.PasswordChangedAt));
        Assert.True(await Slapd.CanBindAsync(uid, DirectoryPassword));
        Assert.Contains(await fixture.AuditAsync(user.Id), e => e.EventType == AuditEventTypes.DirectoryPasswordRefused);

        // The journey is where it was: another password goes through.
        await browser.NewPasswordAsync(NewPassword);
        Assert.Equal("/recover/done", browser.Path);
        Assert.True(await Slapd.CanBindAsync(uid, NewPassword));
    }

    [Fact]
    public async Task Unlock_ClearsTheDirectorysLockout()
    {
        var (uid, user) = await ImportAsync();
        await Slapd.LockAsync(uid);
        Assert.NotNull(await Slapd.GetAttributeAsync(uid, "pwdAccountLockedTime"));
        Assert.False(await Slapd.CanBindAsync(uid, DirectoryPassword));

        using var browser = new RecoveryBrowser(Idp);
        await browser.StartAsync(uid);
        await browser.ChooseReasonAsync("Unlock");
        await browser.ChooseMethodAsync("AlternateEmail");
        await browser.EnterCodeAsync(await RecoveryData.LatestCodeAsync(Idp, user.AlternateEmail!));
        Assert.Equal("/recover/done", browser.Path);

        Assert.Null(await Slapd.GetAttributeAsync(uid, "pwdAccountLockedTime"));
        Assert.True(await Slapd.CanBindAsync(uid, DirectoryPassword));
        Assert.Equal("/", await SignInAsync(uid, DirectoryPassword));
        Assert.Contains(await fixture.AuditAsync(user.Id), e => e.EventType == AuditEventTypes.DirectoryUnlocked);
    }

    [Fact]
    public async Task TheDirectoryStoppedMidReset_AnswersCleanly_AndNothingLocalChanges()
    {
        var (uid, user) = await ImportAsync();
        var before = await UserAsync(user.Id);
        using var browser = await PasswordStepAsync(uid, user);

        await Slapd.StopAsync();
        try
        {
            await browser.NewPasswordAsync(NewPassword);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, browser.Page.StatusCode);
            Assert.NotNull(browser.Page.Headers.RetryAfter);
            Assert.Contains("directory can't be reached", browser.Text, StringComparison.Ordinal);
            Assert.Contains("Nothing was changed", browser.Text, StringComparison.Ordinal);

            var after = await UserAsync(user.Id);
            Assert.Equal((before.PasswordHash, before.SecurityStamp, before.PasswordChangedAt), (after.PasswordHash, after.SecurityStamp, after.PasswordChangedAt));
            await using (var scope = Idp.CreateScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
                var journey = await db.Set<RecoveryJourney>().AsNoTracking().Where(j => j.UserId == user.Id).OrderByDescending(j => j.StartedAt).FirstAsync();
                Assert.Null(journey.EndedAs);
            }

            // The probe never waits on the directory: it answers the last check and starts the next in the background.
            using var probe = Idp.CreateClient();
            var readiness = string.Empty;
            for (var i = 0; i < 100 && readiness != "Degraded"; i++)
            {
                using var health = await probe.GetAsync(new Uri("health/ready", UriKind.Relative));
                Assert.Equal(HttpStatusCode.OK, health.StatusCode);
                readiness = await health.Content.ReadAsStringAsync();
                await Task.Delay(200);
            }

            Assert.Equal("Degraded", readiness);
        }
        finally
        {
            await Slapd.StartAgainAsync();
        }

        // Back up: the same journey finishes.
        await browser.OpenAsync("recover/password");
        await browser.NewPasswordAsync(NewPassword);
        Assert.Equal("/recover/done", browser.Path);
        Assert.True(await Slapd.CanBindAsync(uid, NewPassword));
        Assert.Contains(await fixture.AuditAsync(user.Id), e => e.EventType == AuditEventTypes.DirectoryUnavailable);
    }

    [Fact]
    public async Task TheSync_PicksUpAChangedMobileNumber_WhichThenCountsForSelfService()
    {
        var uid = Uid();
        await Slapd.AddUserAsync(uid, DirectoryPassword, $"{uid}@example.org", givenName: "Sam", surname: "Okafor");
        Assert.Equal("/", await SignInAsync(uid, DirectoryPassword));
        var user = await UserByNameAsync(uid);
        Assert.Null(user.MobilePhone);

        using (var browser = new RecoveryBrowser(Idp))
        {
            await browser.StartAsync(uid);
            Assert.Equal("/recover/outcome", browser.Path);
        }

        await Slapd.SetAttributeAsync(uid, "mobile", "+44 7400 900456");
        await Slapd.SetAttributeAsync(uid, "givenName", "Samuel");
        // (The background sync may have been first: either way the change is here and audited.)
        await DirectoryUsers.SyncAsync(Idp);

        user = await UserByNameAsync(uid);
        Assert.Equal(("+447400900456", "Samuel"), (user.MobilePhone, user.GivenName));
        Assert.Contains(await fixture.AuditAsync(user.Id), e => e.EventType == AuditEventTypes.DirectoryUserUpdated && e.Reason!.Contains("mobilePhone", StringComparison.Ordinal));

        using var again = new RecoveryBrowser(Idp);
        await again.StartAsync(uid);
        await again.ChooseReasonAsync();
        Assert.Equal("/recover/verify", again.Path);
        await again.ChooseMethodAsync("MobileText");
        await again.EnterMobileNumberAsync("+447400900456");
        await again.EnterCodeAsync(await RecoveryData.LatestCodeAsync(Idp, "+447400900456"));
        Assert.Equal("/recover/password", again.Path);
    }

    [Fact]
    public async Task AChange_OnTheAccountPage_IsMadeInTheDirectoryAsTheUser()
    {
        var (uid, _) = await ImportAsync();
        using var browser = new RecoveryBrowser(Idp);
        await browser.OpenAsync("Account/Login");
        await browser.SubmitAsync(new() { ["Input.UserName"] = uid, ["Input.Password"] = DirectoryPassword });
        await browser.OpenAsync("Account/ChangePassword");
        await browser.SubmitAsync(new() { ["Input.CurrentPassword"] = DirectoryPassword, ["Input.NewPassword"] = NewPassword, ["Input.ConfirmPassword"] = NewPassword });

        Assert.True(await Slapd.CanBindAsync(uid, NewPassword), browser.Text);
        Assert.False(await Slapd.CanBindAsync(uid, DirectoryPassword));
    }

    [Fact]
    public async Task TheAdminPage_ShowsTheDirectory_TestsTheConnection_AndSyncs()
    {
        var (_, browser) = await StaffSession.StartAsync(Idp, "Administrator");
        using (browser)
        {
            await browser.OpenAsync("admin/directories");
            Assert.Contains(TestServerFixture.DirectoryName, browser.Text, StringComparison.Ordinal);
            Assert.Contains(SlapdServer.PeopleDn, browser.Text, StringComparison.Ordinal);
            Assert.DoesNotContain(Slapd.ServicePassword, browser.Html, StringComparison.Ordinal);

            await browser.SubmitAsync([], "Test");
            Assert.Contains("The connection works", browser.Alert, StringComparison.Ordinal);

            await browser.SubmitAsync([], "Sync");
            Assert.Contains($"{TestServerFixture.DirectoryName}: Read ", browser.Alert, StringComparison.Ordinal);
            Assert.Contains("succeeded", browser.Text, StringComparison.Ordinal);

            var (uid, user) = await ImportAsync();
            await browser.OpenAsync($"admin/users/{user.Id}");
            Assert.Contains($"The directory {TestServerFixture.DirectoryName}", browser.Text, StringComparison.Ordinal);
            Assert.Contains(uid, browser.Text, StringComparison.Ordinal);

            // The admin API says where the password lives too.
            using var api = await AdminApiClient.CreateAsync(Idp, "admin.users");
            using var json = System.Text.Json.JsonDocument.Parse(await api.GetStringAsync(new Uri($"api/v1/users/{user.Id}", UriKind.Relative)));
            Assert.Equal(TestServerFixture.DirectoryName, json.RootElement.GetProperty("directoryName").GetString());
            Assert.Equal(SlapdServer.UserDn(uid), json.RootElement.GetProperty("directoryDn").GetString());
        }
    }

    [Fact]
    public async Task AnAdministratorsReset_SetsATemporaryPasswordInTheDirectory_AndTheForcedChangeWritesTheNextOne()
    {
        var (uid, user) = await ImportAsync();
        var (_, admin) = await StaffSession.StartAsync(Idp, "Administrator");
        string temporary;
        using (admin)
        {
            await admin.OpenAsync($"admin/users/{user.Id}");
            await admin.SubmitAsync([], "ResetPassword");
            await admin.SubmitAsync([], "ResetPassword");
            temporary = HtmlForms.Parse(admin.Html).QuerySelector("code.secret")?.TextContent ?? throw new InvalidOperationException("No temporary password shown: " + admin.Alert);
        }

        Assert.True(await Slapd.CanBindAsync(uid, temporary));
        Assert.False(await Slapd.CanBindAsync(uid, DirectoryPassword));

        using var browser = new RecoveryBrowser(Idp);
        await browser.OpenAsync("Account/Login");
        await browser.SubmitAsync(new() { ["Input.UserName"] = uid, ["Input.Password"] = temporary });
        Assert.Equal("/Account/ForcedChange", browser.Path);
        await browser.SubmitAsync(new() { ["Input.NewPassword"] = NewPassword, ["Input.ConfirmPassword"] = NewPassword });
        Assert.NotEqual("/Account/ForcedChange", browser.Path);
        Assert.True(await Slapd.CanBindAsync(uid, NewPassword));
        Assert.False((await UserAsync(user.Id)).MustChangePassword);
    }

    [Fact]
    public async Task AnAdministrator_SeesALockThatOnlyTheDirectoryHas_AndUnlocksIt()
    {
        var (uid, user) = await ImportAsync();
        await Slapd.LockAsync(uid);
        var (_, admin) = await StaffSession.StartAsync(Idp, "Administrator");
        using (admin)
        {
            await admin.OpenAsync($"admin/users/{user.Id}");
            Assert.Contains($"locked in the directory {TestServerFixture.DirectoryName}", admin.Text, StringComparison.Ordinal);
            Assert.DoesNotContain("Mark password as managed elsewhere", admin.Text, StringComparison.Ordinal);
            await admin.SubmitAsync([], "Unlock");
        }

        Assert.Null(await Slapd.GetAttributeAsync(uid, "pwdAccountLockedTime"));
        Assert.True(await Slapd.CanBindAsync(uid, DirectoryPassword));
    }

    [Fact]
    public async Task ALockAnAdministratorSetInTheDirectory_IsNotLiftedBySelfService_OnlyByAnAdministrator()
    {
        var (uid, user) = await ImportAsync();
        await Slapd.SetAttributeAsync(uid, "pwdAccountLockedTime", "000001010000Z");

        using (var browser = new RecoveryBrowser(Idp))
        {
            await browser.StartAsync(uid);
            await browser.ChooseReasonAsync("Unlock");
            await browser.ChooseMethodAsync("AlternateEmail");
            await browser.EnterCodeAsync(await RecoveryData.LatestCodeAsync(Idp, user.AlternateEmail!));
        }

        Assert.Equal("000001010000Z", await Slapd.GetAttributeAsync(uid, "pwdAccountLockedTime"));
        Assert.False(await Slapd.CanBindAsync(uid, DirectoryPassword));

        var (_, admin) = await StaffSession.StartAsync(Idp, "Administrator");
        using (admin)
        {
            await admin.OpenAsync($"admin/users/{user.Id}");
            await admin.SubmitAsync([], "Unlock");
        }

        Assert.Null(await Slapd.GetAttributeAsync(uid, "pwdAccountLockedTime"));
    }

    [Fact]
    public async Task ThisServicesLockout_AppliesBeforeAnyBind()
    {
        await RecoveryData.SetPolicyAsync<IdentityProvider.Lockout.LockoutPolicySettings>(Idp, p => p.Threshold = 3);
        try
        {
            var (uid, _) = await ImportAsync();
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal("/Account/Login", await SignInAsync(uid, $"Wrong-Guess-Number-{i}"));
            }

            // Locked here: even the right password is not checked, so the directory sees no fourth bind.
            Assert.Equal("/Account/Login", await SignInAsync(uid, DirectoryPassword));
            Assert.Equal(3, (await Slapd.GetAttributeValuesAsync(uid, "pwdFailureTime")).Count);
            Assert.Null(await Slapd.GetAttributeAsync(uid, "pwdAccountLockedTime"));
        }
        finally
        {
            await RecoveryData.SetPolicyAsync<IdentityProvider.Lockout.LockoutPolicySettings>(Idp, p => p.Threshold = 10);
        }
    }

    private static string Uid() => DirectoryUsers.NewUid();

    private Task<(string Uid, ApplicationUser User)> ImportAsync() => DirectoryUsers.ImportAsync(Idp, Slapd);

    private Task<RecoveryBrowser> PasswordStepAsync(string uid, ApplicationUser user) => DirectoryUsers.PasswordStepAsync(Idp, uid, user);

    private Task<ApplicationUser> UserAsync(string id) => DirectoryUsers.ByIdAsync(Idp, id);

    private Task<ApplicationUser> UserByNameAsync(string userName) => DirectoryUsers.ByNameAsync(Idp, userName);

    private Task<string> SignInAsync(string userName, string password) => DirectoryUsers.SignInAsync(Idp, userName, password);
}
