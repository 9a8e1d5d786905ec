using IdentityProvider.Data;
using IdentityProvider.SelfService;
using IdentityProvider.Testing;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityProvider.IntegrationTests.SelfService;

/// <summary>SSPR enabled for the "Staff" group (and the groups nested in it), 1 method required, seeded from configuration.</summary>
public sealed class EligibilityFixture : TestServerFixture
{
    public Guid Staff { get; private set; }

    public Guid Nurses { get; private set; }

    public Guid Contractors { get; private set; }

    protected override void Configure(TestServerOptions server)
    {
        server.Settings["SelfService:Scope"] = "Selected";
        server.Settings["SelfService:Groups:0"] = "Staff";
        string[] methods = ["AlternateEmail", "MobileText", "MobileCall", "AuthenticatorApp", "SecurityQuestions"];
        for (var i = 0; i < methods.Length; i++)
        {
            server.Settings[$"SelfService:Methods:{i}"] = methods[i];
        }
    }

    protected override async Task StartedAsync()
    {
        await using var scope = Idp.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        var staff = new Group { Name = "Staff" };
        var wards = new Group { Name = "Wards", ParentGroupId = staff.Id };
        var nurses = new Group { Name = "Nurses", ParentGroupId = wards.Id };
        var contractors = new Group { Name = "Contractors" };
        db.AddRange(staff, wards, nurses, contractors);
        await db.SaveChangesAsync();
        (Staff, Nurses, Contractors) = (staff.Id, nurses.Id, contractors.Id);
    }
}

public sealed class SelfServiceEligibilityTests(EligibilityFixture fixture) : IClassFixture<EligibilityFixture>
{
    [Fact]
    public async Task MemberOfANestedGroup_WithAnAlternateEmail_IsEligible()
    {
        var user = await UserAsync(fixture.Nurses, u => u.AlternateEmail = "me@home.example");

        var result = await EvaluateAsync(user);

        Assert.Equal(EligibilityOutcome.Eligible, result.Outcome);
        Assert.Equal([RecoveryMethod.AlternateEmail], result.Usable);
    }

    [Fact]
    public async Task UserOutsideTheSelectedGroups_IsNotEnabled()
    {
        var user = await UserAsync(fixture.Contractors, u => u.AlternateEmail = "me@home.example");

        Assert.Equal(EligibilityOutcome.NotEnabled, (await EvaluateAsync(user)).Outcome);
    }

    [Fact]
    public async Task ExternallyManagedPassword_ComesFirst()
    {
        var user = await UserAsync(fixture.Contractors, u => u.PasswordManagedExternally = true);

        Assert.Equal(EligibilityOutcome.ManagedExternally, (await EvaluateAsync(user)).Outcome);
    }

    [Fact]
    public async Task NoRegisteredMethod_AndUnknownUser_GetTheSameOutcome()
    {
        var user = await UserAsync(fixture.Staff, _ => { });

        Assert.Equal(EligibilityOutcome.NotEnoughMethods, (await EvaluateAsync(user)).Outcome);
        Assert.Equal(EligibilityOutcome.NotEnoughMethods, (await EvaluateAsync(null)).Outcome);
    }

    [Fact]
    public async Task Administrators_NeedTwoMethods_AndByDefaultGetCallsButNoTexts()
    {
        var admin = await UserAsync(fixture.Staff, u => u.MobilePhone = "+14155550123", StaffRoles.Administrator);
        var phoneOnly = await EvaluateAsync(admin);
        Assert.Equal(EligibilityOutcome.NotEnoughMethods, phoneOnly.Outcome);
        Assert.Equal(2, phoneOnly.Required);
        Assert.Equal([RecoveryMethod.MobileCall], phoneOnly.Usable);

        await TestData.UpdateUserAsync(fixture.Idp, admin.Id, (users, stored) =>
        {
            stored.AlternateEmail = "admin@home.example";
            return users.UpdateAsync(stored);
        });
        Assert.Equal(EligibilityOutcome.Eligible, (await EvaluateAsync(admin)).Outcome);
    }

    private async Task<ApplicationUser> UserAsync(Guid group, Action<ApplicationUser> setup, string? role = null)
    {
        var user = await TestData.CreateUserAsync(fixture.Idp);
        await using var scope = fixture.Idp.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var stored = (await users.FindByIdAsync(user.Id))!;
        setup(stored);
        await users.UpdateAsync(stored);
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        db.Add(new GroupMembership { GroupId = group, UserId = user.Id });
        await db.SaveChangesAsync();
        if (role is not null)
        {
            var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
            if (!await roles.RoleExistsAsync(role))
            {
                await roles.CreateAsync(new IdentityRole(role));
            }

            await users.AddToRoleAsync(stored, role);
        }

        return stored;
    }

    private async Task<SelfServiceEligibility> EvaluateAsync(ApplicationUser? user)
    {
        await using var scope = fixture.Idp.CreateScope();
        var fresh = user is null ? null : await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Users.AsNoTracking().SingleAsync(u => u.Id == user.Id);
        return await scope.ServiceProvider.GetRequiredService<SelfServiceEligibilityEvaluator>().EvaluateAsync(fresh);
    }
}
