using System.DirectoryServices.Protocols;
using System.Net;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.Directories;
using IdentityProvider.IntegrationTests.Admin;
using IdentityProvider.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityProvider.IntegrationTests.Directories;

/// <summary>
/// Attacks on the on-premises directory support, each answered by a defence: account shadowing through user IDs and
/// emails, a reused DN, a NUL password, oversized entries, what an outage tells, a synced recovery method, parallel
/// submits, stolen sessions after a writeback, the admin page.
/// </summary>
public sealed class DirectoryAttackTests(DirectoryFixture fixture) : IClassFixture<DirectoryFixture>
{
    private const string DirectoryPassword = DirectoryUsers.Password;
    private const string NewPassword = "Copper-Harbour-Willow-58";

    private IdentityProviderHost Idp => fixture.Idp;

    private SlapdServer Slapd => fixture.Slapd;

    /// <summary>
    /// libldap gets the password as a C string: "\0…" would be bound as an EMPTY password (RFC 4513 5.1.2 unauthenticated
    /// bind), which Active Directory and OpenLDAP with <c>allow bind_anon_dn</c> accept. The pages refuse NUL before any
    /// handler (400); the connector itself never sends such a password either, whoever calls it.
    /// </summary>
    [Fact]
    public async Task TheConnector_NeverBindsAPasswordWithANul_AsAnUnauthenticatedBind()
    {
        var uid = Uid();
        var dn = await Slapd.AddUserAsync(uid, DirectoryPassword, $"{uid}@example.org");
        await AllowUnauthenticatedBindsAsync(true);
        try
        {
            var connector = Idp.Services.GetRequiredService<DirectoryRegistry>().Find(TestServerFixture.DirectoryName)!;
            Assert.False(await connector.VerifyPasswordAsync(dn, "\0anything", CancellationToken.None));
        }
        finally
        {
            await AllowUnauthenticatedBindsAsync(false);
        }
    }

    /// <summary>The sign-in page itself refuses NUL before any lookup or bind (even where unauthenticated binds are allowed).</summary>
    [Fact]
    public async Task ANulPasswordOnTheSignInPage_IsRefusedBeforeAnyBind()
    {
        var uid = Uid();
        await Slapd.AddUserAsync(uid, DirectoryPassword, $"{uid}@example.org");
        await AllowUnauthenticatedBindsAsync(true);
        try
        {
            foreach (var password in new[] { "\0", "\0whatever" })
            {
                var (status, path, _) = await SignInRawAsync(uid, password);
                Assert.NotEqual("/", path);
                Assert.Equal(HttpStatusCode.BadRequest, status);
            }
        }
        finally
        {
            await AllowUnauthenticatedBindsAsync(false);
        }
    }

    /// <summary>
    /// A directory entry whose mail is changed to a local account's address (any case) does not get that address here at
    /// the sync: the local owner still signs in with it.
    /// </summary>
    [Fact]
    public async Task TheSync_NeverGivesADirectoryUserTheEmailOfALocalAccount()
    {
        var victim = await TestData.CreateUserAsync(Idp);
        var (uid, attacker) = await ImportAsync();

        await Slapd.SetAttributeAsync(uid, "mail", victim.Email!.ToUpperInvariant());
        await SyncAsync();

        var after = await UserAsync(attacker.Id);
        var victimSignIn = await SignInRawAsync(victim.Email!, TestData.Password);
        Assert.NotEqual(victim.Email, after.Email, StringComparer.OrdinalIgnoreCase);
        Assert.Equal((HttpStatusCode.OK, "/"), (victimSignIn.Status, victimSignIn.Path));
    }

    /// <summary>
    /// A directory uid equal to a local account's email would become a user NAME here, and user names win the lookup:
    /// the local owner typing their own email would reach the directory account. Such an entry is not imported.
    /// </summary>
    [Fact]
    public async Task AnEntryWhoseUidIsALocalAccountsEmail_IsNotImported()
    {
        var victim = await TestData.CreateUserAsync(Idp);
        var attackerMail = $"mallory-{Uid()}@corp.example";
        await Slapd.AddUserAsync(victim.Email!, DirectoryPassword, attackerMail);
        Assert.NotEqual("/", (await SignInRawAsync(attackerMail, DirectoryPassword)).Path);

        var (status, path, _) = await SignInRawAsync(victim.Email!, TestData.Password);
        Assert.Equal((HttpStatusCode.OK, "/"), (status, path));
    }

    /// <summary>
    /// A mobile number changed in the directory becomes a self-service recovery method at once (whoever can write
    /// <c>mobile</c> there, in AD the user themself, gains a reset channel): the user is emailed the same notice as for a
    /// change on the security-info page, and it is audited as a change of security info.
    /// </summary>
    [Fact]
    public async Task AMobileNumberChangedByTheSync_IsToldToTheUser_AndAudited()
    {
        var (uid, user) = await ImportAsync();
        var before = (await RecoveryData.MessagesToAsync(Idp, user.Email!)).Count;

        await Slapd.SetAttributeAsync(uid, "mobile", "+44 7400 666777");
        await SyncAsync();

        Assert.Equal("+447400666777", (await UserAsync(user.Id)).MobilePhone);
        var messages = await RecoveryData.MessagesToAsync(Idp, user.Email!);
        Assert.True(messages.Count > before, "No notice was sent to the user when their mobile (a recovery method) changed.");
        Assert.Contains(await fixture.AuditAsync(user.Id), e => e.EventType == AuditEventTypes.SecurityInfoChanged);
    }

    /// <summary>
    /// When an entry is deleted and a new person gets the same uid (normal when names are reused), the new person's
    /// password does not open the old person's account here (same subject for relying parties, the old person's recovery
    /// methods): the account keeps the old entry's entryUUID.
    /// </summary>
    [Fact]
    public async Task ANewEntryAtADeletedUsersDn_DoesNotOpenTheirAccount()
    {
        var (uid, old) = await ImportAsync();
        await AdminSendAsync(new DeleteRequest(SlapdServer.UserDn(uid)));
        const string newcomersPassword = "Saffron-Beacon-Tundra-73";
        await Slapd.AddUserAsync(uid, newcomersPassword, $"{uid}.newcomer@example.org");

        using var browser = new RecoveryBrowser(Idp);
        await browser.OpenAsync("Account/Login");
        await browser.SubmitAsync(new() { ["Input.UserName"] = uid, ["Input.Password"] = newcomersPassword });
        var signedInAs = browser.Path == "/" ? (await UserByNameAsync(uid)).Id : null;
        Assert.NotEqual(old.Id, signedInAs);
    }

    /// <summary>
    /// An entry with a 300-character uid (OpenLDAP does not enforce the schema's 256), found by its mail, is left out:
    /// the sign-in answers as for an unknown name, never 500.
    /// </summary>
    [Fact]
    public async Task AnOversizedUid_IsLeftOut_NotA500()
    {
        var uid = Uid();
        var mail = $"{Uid()}@example.org";
        await Slapd.AddUserAsync(uid, DirectoryPassword, mail);
        // A second, long uid value first (the RDN keeps its own value): the connector reads the first one.
        await AdminSendAsync(new ModifyRequest(SlapdServer.UserDn(uid), DirectoryAttributeOperation.Replace, "uid", uid + new string('x', 300), uid));

        var (status, _, _) = await SignInRawAsync(mail, DirectoryPassword);
        Assert.NotEqual(HttpStatusCode.InternalServerError, status);
    }

    /// <summary>
    /// While the directory doesn't answer, a name unknown here gets the same "wrong password" page as a local account:
    /// the answer doesn't tell local accounts from the rest.
    /// </summary>
    [Fact]
    public async Task DuringAnOutage_UnknownNamesAnswerLikeLocalAccounts()
    {
        var local = await TestData.CreateUserAsync(Idp);
        await Slapd.StopAsync();
        try
        {
            var forLocal = await SignInRawAsync(local.UserName!, "Wrong-Password-Attempt-1");
            var forNobody = await SignInRawAsync("nobody" + Uid(), "Wrong-Password-Attempt-1");
            Assert.Equal(HttpStatusCode.OK, forLocal.Status);
            Assert.Equal(forLocal.Status, forNobody.Status);
        }
        finally
        {
            await Slapd.StartAgainAsync();
        }
    }

    [Theory]
    [InlineData("*")]
    [InlineData("*@example.org")]
    [InlineData("\\2a")]
    [InlineData("a)(mail=*")]
    public async Task FilterInjectionThroughTheResetStartPage_MatchesNobody(string typed)
    {
        var (_, user) = await ImportAsync();
        using var browser = new RecoveryBrowser(Idp);
        await browser.StartAsync(typed);
        Assert.Equal("/recover/outcome", browser.Path);
        await using var scope = Idp.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        Assert.False(await db.Users.AnyAsync(u => u.UserName == typed));
        Assert.DoesNotContain(await fixture.AuditAsync(user.Id), e => e.EventType == AuditEventTypes.RecoveryStarted);
    }

    [Fact]
    public async Task ADirectoryEntryWithALocalAccountsEmailInAnotherCase_IsNotImported()
    {
        var local = await TestData.CreateUserAsync(Idp);
        var uid = Uid();
        await Slapd.AddUserAsync(uid, DirectoryPassword, local.Email!.ToUpperInvariant());

        Assert.Equal("/Account/Login", (await SignInRawAsync(uid, DirectoryPassword)).Path);
        Assert.Equal("/Account/Login", (await SignInRawAsync(local.Email!, DirectoryPassword)).Path);
        await using var scope = Idp.CreateScope();
        Assert.False(await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Users.AnyAsync(u => u.UserName == uid));
    }

    [Fact]
    public async Task AFullwidthLookalikeOfALocalName_DoesNotSignIntoAnything()
    {
        var local = await TestData.CreateUserAsync(Idp);
        await Slapd.AddUserAsync(local.UserName!, DirectoryPassword, null);
        var fullwidth = new string([.. local.UserName!.Select(c => char.IsAsciiLetterOrDigit(c) ? (char)(c - 0x20 + 0xFF00) : c)]);

        Assert.Equal("/Account/Login", (await SignInRawAsync(fullwidth, DirectoryPassword)).Path);
        await using var scope = Idp.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        Assert.Null((await db.Users.SingleAsync(u => u.Id == local.Id)).DirectoryName);
    }

    [Fact]
    public async Task APasswordOfSpacesOnly_IsNotABind()
    {
        var (uid, _) = await ImportAsync();
        Assert.Equal("/Account/Login", (await SignInRawAsync(uid, "   ")).Path);
        Assert.Empty(await Slapd.GetAttributeValuesAsync(uid, "pwdFailureTime"));
    }

    [Fact]
    public async Task ADisabledUser_CannotSignInWithAValidDirectoryPassword()
    {
        var (uid, user) = await ImportAsync();
        await TestData.UpdateUserAsync(Idp, user.Id, (users, u) =>
        {
            u.IsEnabled = false;
            return users.UpdateAsync(u);
        });
        Assert.Equal("/Account/Login", (await SignInRawAsync(uid, DirectoryPassword)).Path);
        Assert.Empty(await Slapd.GetAttributeValuesAsync(uid, "pwdFailureTime"));
    }

    [Fact]
    public async Task ParallelPasswordSubmits_WriteTheDirectoryOnce()
    {
        var (uid, user) = await ImportAsync();
        using var browser = await PasswordStepAsync(uid, user);
        var action = browser.FormAction();
        string[] passwords = ["Velvet-Orchard-Kettle-01x", "Velvet-Orchard-Kettle-02x", "Velvet-Orchard-Kettle-03x", "Velvet-Orchard-Kettle-04x"];

        var responses = await Task.WhenAll(passwords.Select(async password =>
        {
            using var content = browser.FormContent(new() { ["Input.NewPassword"] = password, ["Input.ConfirmPassword"] = password });
            using var response = await browser.Client.PostAsync(action, content);
            return (int)response.StatusCode;
        }));

        Assert.All(responses, r => Assert.True(r < 500, $"A submission answered {r}."));
        Assert.Single(await fixture.AuditAsync(user.Id), e => e.EventType == AuditEventTypes.DirectoryPasswordWritten);
        var binds = 0;
        foreach (var password in passwords)
        {
            binds += await Slapd.CanBindAsync(uid, password) ? 1 : 0;
        }

        Assert.Equal(1, binds);
    }

    [Fact]
    public async Task AParallelBurstOfWrongPasswords_BindsAtMostTheThreshold()
    {
        await RecoveryData.SetPolicyAsync<IdentityProvider.Lockout.LockoutPolicySettings>(Idp, p => p.Threshold = 3);
        try
        {
            var (uid, _) = await ImportAsync();
            var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => SignInRawAsync(uid, $"Wrong-Guess-Burst-{i:D2}")));
            Assert.All(results, r => Assert.NotEqual("/", r.Path));
            Assert.True((await Slapd.GetAttributeValuesAsync(uid, "pwdFailureTime")).Count <= 3);
            Assert.Null(await Slapd.GetAttributeAsync(uid, "pwdAccountLockedTime"));
        }
        finally
        {
            await RecoveryData.SetPolicyAsync<IdentityProvider.Lockout.LockoutPolicySettings>(Idp, p => p.Threshold = 10);
        }
    }

    [Fact]
    public async Task AfterAWritebackReset_TheOldSessionAndTheOldPasswordAreDead()
    {
        var (uid, user) = await ImportAsync();
        using var stolen = new RecoveryBrowser(Idp);
        await stolen.OpenAsync("Account/Login");
        await stolen.SubmitAsync(new() { ["Input.UserName"] = uid, ["Input.Password"] = DirectoryPassword });
        await stolen.OpenAsync("Account");
        Assert.Equal("/Account", stolen.Path);

        using (var reset = await PasswordStepAsync(uid, user))
        {
            await reset.NewPasswordAsync(NewPassword);
            Assert.Equal("/recover/done", reset.Path);
        }

        await stolen.OpenAsync("Account");
        Assert.NotEqual("/Account", stolen.Path);
        Assert.Equal("/Account/Login", (await SignInRawAsync(uid, DirectoryPassword)).Path);
        Assert.Equal("/", (await SignInRawAsync(uid, NewPassword)).Path);
    }

    [Fact]
    public async Task TheDirectoryDownAtUnlock_Is503_AndTheJourneyStaysOpen()
    {
        var (uid, user) = await ImportAsync();
        await Slapd.LockAsync(uid);
        using var browser = new RecoveryBrowser(Idp);
        await browser.StartAsync(uid);
        await browser.ChooseReasonAsync("Unlock");
        await browser.ChooseMethodAsync("AlternateEmail");
        var code = await RecoveryData.LatestCodeAsync(Idp, user.AlternateEmail!);
        await Slapd.StopAsync();
        try
        {
            await browser.EnterCodeAsync(code);
            Assert.NotEqual("/recover/done", browser.Path);
            Assert.True(browser.Page.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.OK, $"{browser.Page.StatusCode}");
        }
        finally
        {
            await Slapd.StartAgainAsync();
        }

        Assert.NotNull(await Slapd.GetAttributeAsync(uid, "pwdAccountLockedTime"));
        Assert.DoesNotContain(await fixture.AuditAsync(user.Id), e => e.EventType == AuditEventTypes.RecoveryUnlocked);
    }

    [Fact]
    public async Task TheDirectoriesPage_IsForAdministratorsOnly_AndItsButtonsNeedTheAntiforgeryToken()
    {
        var (_, staff) = await StaffSession.StartAsync(Idp, null);
        using (staff)
        {
            await staff.OpenAsync("admin/directories");
            Assert.DoesNotContain(SlapdServer.PeopleDn, staff.Html, StringComparison.Ordinal);
            using var post = await staff.Client.PostAsync(new Uri("admin/directories?handler=Sync", UriKind.Relative),
                new FormUrlEncodedContent([new("name", TestServerFixture.DirectoryName)]));
            Assert.False(post.StatusCode == HttpStatusCode.OK && post.RequestMessage!.RequestUri!.AbsolutePath == "/admin/directories", "A non-administrator pressed Sync.");
        }

        var (_, admin) = await StaffSession.StartAsync(Idp, "Administrator");
        using (admin)
        {
            await admin.OpenAsync("admin/directories");
            Assert.Contains(SlapdServer.PeopleDn, admin.Html, StringComparison.Ordinal);
            Assert.DoesNotContain(Slapd.ServicePassword, admin.Html, StringComparison.Ordinal);
            using var forged = await admin.Client.PostAsync(new Uri("admin/directories?handler=Sync", UriKind.Relative),
                new FormUrlEncodedContent([new("name", TestServerFixture.DirectoryName)]));
            Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        }
    }

    // ---------------------------------------------------------------- helpers

    private static string Uid() => DirectoryUsers.NewUid();

    private async Task<(HttpStatusCode Status, string Path, string Html)> SignInRawAsync(string userName, string password)
    {
        using var client = Idp.CreateClient();
        using var page = await client.GetAsync(new Uri("Account/Login", UriKind.Relative));
        using var response = await HtmlForms.SignInAsync(client, page, userName, password);
        return (response.StatusCode, response.RequestMessage!.RequestUri!.AbsolutePath, await response.Content.ReadAsStringAsync());
    }

    private Task<DirectorySyncResult> SyncAsync() => DirectoryUsers.SyncAsync(Idp);

    private Task<(string Uid, ApplicationUser User)> ImportAsync() => DirectoryUsers.ImportAsync(Idp, Slapd);

    private Task<RecoveryBrowser> PasswordStepAsync(string uid, ApplicationUser user) => DirectoryUsers.PasswordStepAsync(Idp, uid, user);

    private Task<ApplicationUser> UserAsync(string id) => DirectoryUsers.ByIdAsync(Idp, id);

    private Task<ApplicationUser> UserByNameAsync(string userName) => DirectoryUsers.ByNameAsync(Idp, userName);

    private Task<DirectoryResponse> AdminSendAsync(DirectoryRequest request) => Slapd.SendAsync(request);

    /// <summary>
    /// Makes the test slapd accept unauthenticated binds (a DN with an empty password) the way Active Directory does by
    /// default (and OpenLDAP with <c>allow bind_anon_dn</c>), or stops it again. Restarts slapd on the same data.
    /// </summary>
    private async Task AllowUnauthenticatedBindsAsync(bool allow)
    {
        var path = Slapd.ConfigurationPath;
        const string line = "allow bind_anon_dn\n";
        var text = (await File.ReadAllTextAsync(path)).Replace(line, string.Empty, StringComparison.Ordinal);
        await Slapd.StopAsync();
        await File.WriteAllTextAsync(path, allow ? line + text : text);
        await Slapd.StartAgainAsync();
    }
}

/// <summary>One bad directory entry does not stop the sync (a fixture of its own, for a sync of its own).</summary>
public sealed class DirectorySyncPoisonFixture : DirectoryFixture;

public sealed class DirectorySyncPoisonTests(DirectorySyncPoisonFixture fixture) : IClassFixture<DirectorySyncPoisonFixture>
{
    /// <summary>
    /// A 300-character uid on one linked entry is left out of the sync (logged) instead of failing the whole round, so a
    /// user who left the directory is still disabled.
    /// </summary>
    [Fact]
    public async Task OneOversizedUid_DoesNotStopTheSync_SoALeaverIsStillDisabled()
    {
        var idp = fixture.Idp;
        var slapd = fixture.Slapd;
        var poison = DirectoryUsers.NewUid();
        var leaver = DirectoryUsers.NewUid();
        var stays = DirectoryUsers.NewUid();
        await slapd.AddUserAsync(stays, DirectoryUsers.Password, $"{stays}@example.org");
        await slapd.AddUserAsync(poison, DirectoryUsers.Password, $"{poison}@example.org");
        await slapd.AddUserAsync(leaver, DirectoryUsers.Password, $"{leaver}@example.org");
        Assert.Equal("/", await DirectoryUsers.SignInAsync(idp, poison, DirectoryUsers.Password));
        Assert.Equal("/", await DirectoryUsers.SignInAsync(idp, leaver, DirectoryUsers.Password));

        // A second uid value first (the RDN keeps its own value): the connector reads the first one.
        await slapd.SendAsync(new ModifyRequest(SlapdServer.UserDn(poison), DirectoryAttributeOperation.Replace, "uid",
            poison + new string('x', 300), poison));
        await slapd.SendAsync(new DeleteRequest(SlapdServer.UserDn(leaver)));

        await DirectoryUsers.SyncAsync(idp);

        Assert.False((await DirectoryUsers.ByNameAsync(idp, leaver)).IsEnabled, "The leaver is still enabled: the sync never got to disable them.");
    }
}

