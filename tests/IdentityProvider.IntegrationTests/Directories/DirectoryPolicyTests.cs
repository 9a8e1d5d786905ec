using IdentityProvider.Data;
using IdentityProvider.Directories;
using IdentityProvider.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityProvider.IntegrationTests.Directories;

/// <summary>
/// A directory connected over StartTLS, with writeback and unlock off, every user imported by the sync, and users
/// who left marked by <c>employeeType=left</c> (a filter that no longer selects them).
/// </summary>
public sealed class DirectoryWithoutWritebackFixture : DirectoryFixture
{
    protected override void Configure(TestServerOptions server)
    {
        base.Configure(server);
        const string prefix = "Directories:Connections:0:";
        server.Settings[prefix + "Security"] = "StartTls";
        server.Settings[prefix + "PasswordWriteback"] = "false";
        server.Settings[prefix + "AllowUnlock"] = "false";
        server.Settings[prefix + "ImportAllUsers"] = "true";
        server.Settings[prefix + "UserFilter"] = "(&(objectClass=inetOrgPerson)(!(employeeType=left)))";
    }
}

/// <summary>The directory policy switches: writeback off, unlock off, import of every user, and users who left.</summary>
public sealed class DirectoryPolicyTests(DirectoryWithoutWritebackFixture fixture) : IClassFixture<DirectoryWithoutWritebackFixture>
{
    private const string DirectoryPassword = DirectoryUsers.Password;

    private IdentityProviderHost Idp => fixture.Idp;

    private SlapdServer Slapd => fixture.Slapd;

    [Fact]
    public async Task WithWritebackOff_SelfServiceSendsTheUserToTheirItStaff_AndNoChangeIsWritten()
    {
        var uid = Uid();
        await Slapd.AddUserAsync(uid, DirectoryPassword, $"{uid}@example.org");
        Assert.Equal("/", await SignInAsync(uid, DirectoryPassword));
        await TestData.UpdateUserAsync(Idp, (await UserAsync(uid)).Id, (users, u) =>
        {
            u.AlternateEmail = $"{uid}@home.example";
            return users.UpdateAsync(u);
        });

        using (var reset = new RecoveryBrowser(Idp))
        {
            await reset.StartAsync(uid);
            Assert.Equal("/recover/outcome", reset.Path);
            Assert.Contains("We can't reset your password here", reset.Text, StringComparison.Ordinal);
        }

        using var browser = new RecoveryBrowser(Idp);
        await browser.OpenAsync("Account/Login");
        await browser.SubmitAsync(new() { ["Input.UserName"] = uid, ["Input.Password"] = DirectoryPassword });
        await browser.OpenAsync("Account/ChangePassword");
        await browser.SubmitAsync(new() { ["Input.CurrentPassword"] = DirectoryPassword, ["Input.NewPassword"] = "Copper-Harbour-Willow-58", ["Input.ConfirmPassword"] = "Copper-Harbour-Willow-58" });
        Assert.Contains("kept in your organisation's directory and can't be changed here", browser.Text, StringComparison.Ordinal);
        Assert.True(await Slapd.CanBindAsync(uid, DirectoryPassword));
    }

    [Fact]
    public async Task WithUnlockOff_TheDirectorysLockoutStays()
    {
        var uid = Uid();
        await Slapd.AddUserAsync(uid, DirectoryPassword, $"{uid}@example.org");
        Assert.Equal("/", await SignInAsync(uid, DirectoryPassword));
        await Slapd.LockAsync(uid);

        await using var scope = Idp.CreateScope();
        var accounts = scope.ServiceProvider.GetRequiredService<DirectoryAccounts>();
        var user = await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Users.SingleAsync(u => u.UserName == uid);
        Assert.False(await accounts.UnlockAsync(user));
        Assert.NotNull(await Slapd.GetAttributeAsync(uid, "pwdAccountLockedTime"));
    }

    [Fact]
    public async Task TheSync_ImportsEveryUser_AndDisablesAndSignsOutOneTheDirectoryNoLongerSelects()
    {
        var (stays, leaves) = (Uid(), Uid());
        await Slapd.AddUserAsync(stays, DirectoryPassword, $"{stays}@example.org", "+447400123777", "Ana", "Silva", "Finance");
        await Slapd.AddUserAsync(leaves, DirectoryPassword, $"{leaves}@example.org");

        // (The background sync may run first: the tests look at the users, not at which round did it.)
        await SyncAsync();
        var imported = await UserAsync(stays);
        Assert.Equal(("+447400123777", TestServerFixture.DirectoryName), (imported.MobilePhone, imported.DirectoryName));

        // The one who leaves is signed in somewhere; the directory stops selecting them.
        using var session = new RecoveryBrowser(Idp);
        await session.OpenAsync("Account/Login");
        await session.SubmitAsync(new() { ["Input.UserName"] = leaves, ["Input.Password"] = DirectoryPassword });
        await Slapd.SetAttributeAsync(leaves, "employeeType", "left");

        await SyncAsync();
        Assert.False((await UserAsync(leaves)).IsEnabled);
        Assert.True((await UserAsync(stays)).IsEnabled);
        await session.OpenAsync("Account");
        Assert.Equal("/Account/Login", session.Path);
        Assert.Equal("/Account/Login", await SignInAsync(leaves, DirectoryPassword));
    }

    [Fact]
    public async Task TwoUsersJoiningANewDirectoryGroup_InOneRound_AreBothMembers()
    {
        var (first, second) = (Uid(), Uid());
        var firstDn = await Slapd.AddUserAsync(first, DirectoryPassword, $"{first}@example.org");
        var secondDn = await Slapd.AddUserAsync(second, DirectoryPassword, $"{second}@example.org");
        await SyncAsync();

        var group = "Contractors " + Uid();
        await Slapd.AddMemberAsync(group, firstDn);
        await Slapd.AddMemberAsync(group, secondDn);
        await SyncAsync();

        await using var scope = Idp.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        var stored = await db.Set<Group>().SingleAsync(g => g.Name == group);
        Assert.Equal(TestServerFixture.DirectoryName, stored.DirectoryName);
        var members = await db.Set<GroupMembership>().Where(m => m.GroupId == stored.Id).Select(m => m.UserId).ToListAsync();
        Assert.Equal(2, members.Count);
    }

    private static string Uid() => DirectoryUsers.NewUid();

    private Task<DirectorySyncResult> SyncAsync() => DirectoryUsers.SyncAsync(Idp);

    private Task<ApplicationUser> UserAsync(string userName) => DirectoryUsers.ByNameAsync(Idp, userName);

    private Task<string> SignInAsync(string userName, string password) => DirectoryUsers.SignInAsync(Idp, userName, password);
}
