using IdentityProvider.Data;
using IdentityProvider.SelfService;
using IdentityProvider.Testing;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityProvider.IntegrationTests.SelfService;

public sealed class SecurityQuestionsTests(EligibilityFixture fixture) : IClassFixture<EligibilityFixture>
{
    private static readonly (string, string)[] Answers = [("first-pet", "Rex"), ("first-school", "Hillside Primary"), ("first-car", "Mini Cooper")];

    [Fact]
    public async Task Answers_AreStoredHashed_AndCheckedWithoutCaseOrSpacing()
    {
        var user = await RegisteredUserAsync();
        await using var scope = fixture.Idp.CreateScope();
        var stored = await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Set<SecurityAnswer>().Where(a => a.UserId == user.Id).ToListAsync();
        Assert.Equal(3, stored.Count);
        Assert.All(stored, a => Assert.DoesNotContain("rex", a.AnswerHash, StringComparison.OrdinalIgnoreCase));

        var questions = scope.ServiceProvider.GetRequiredService<SecurityQuestions>();
        Assert.True(await questions.VerifyAsync(user, new Dictionary<string, string> { ["first-pet"] = " REX ", ["first-car"] = "mini   cooper" }));
        Assert.False(await questions.VerifyAsync(user, new Dictionary<string, string> { ["first-pet"] = "Rex", ["first-car"] = "Fiat" }));
        Assert.False(await questions.VerifyAsync(user, new Dictionary<string, string> { ["first-pet"] = "Rex", ["first-job"] = "anything" }));
    }

    [Fact]
    public async Task Pick_ChoosesDistinctRegisteredQuestions()
    {
        var user = await RegisteredUserAsync();
        await using var scope = fixture.Idp.CreateScope();
        var questions = scope.ServiceProvider.GetRequiredService<SecurityQuestions>();

        var picks = new List<IReadOnlyList<string>>();
        for (var i = 0; i < 10; i++)
        {
            picks.Add(await questions.PickAsync(user.Id, 2));
        }

        Assert.All(picks, pick =>
        {
            Assert.Equal(2, pick.Distinct().Count());
            Assert.All(pick, id => Assert.Contains(id, Answers.Select(a => a.Item1)));
        });
    }

    [Fact]
    public async Task RegisteredQuestions_MakeAUserEligible_ButNeverAnAdministrator()
    {
        var user = await RegisteredUserAsync();
        await using var scope = fixture.Idp.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        db.Add(new GroupMembership { GroupId = fixture.Staff, UserId = user.Id });
        await db.SaveChangesAsync();
        var evaluator = scope.ServiceProvider.GetRequiredService<SelfServiceEligibilityEvaluator>();

        var asUser = await evaluator.EvaluateAsync(user);
        Assert.Equal(EligibilityOutcome.Eligible, asUser.Outcome);
        Assert.Equal([RecoveryMethod.SecurityQuestions], asUser.Usable);

        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
        if (!await roles.RoleExistsAsync(StaffRoles.Administrator))
        {
            await roles.CreateAsync(new IdentityRole(StaffRoles.Administrator));
        }

        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        await users.AddToRoleAsync((await users.FindByIdAsync(user.Id))!, StaffRoles.Administrator);
        var asAdmin = await evaluator.EvaluateAsync(user);
        Assert.Equal(EligibilityOutcome.NotEnoughMethods, asAdmin.Outcome);
        Assert.Empty(asAdmin.Usable);
    }

    private async Task<ApplicationUser> RegisteredUserAsync()
    {
        var user = await TestData.CreateUserAsync(fixture.Idp);
        await using var scope = fixture.Idp.CreateScope();
        var stored = (await scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().FindByIdAsync(user.Id))!;
        await scope.ServiceProvider.GetRequiredService<SecurityQuestions>().ReplaceAsync(stored, Answers);
        await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().SaveChangesAsync();
        return stored;
    }
}
