using IdentityProvider.Data;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace IdentityProvider.SelfService.SecurityInfo;

/// <summary>Chooses and answers the security questions, replaced as a set; the answers are stored only as hashes.</summary>
[Authorize]
public sealed class QuestionsModel(
    UserManager<ApplicationUser> users,
    StoredPolicy<SelfServicePolicySettings> policies,
    SelfServiceEligibilityEvaluator eligibility,
    Account.Sessions.UserSessions sessions,
    SecurityInfoChanges changes,
    SecurityQuestions questions) : SecurityInfoPageModel(users, policies, eligibility, sessions)
{
    public const string Path = IndexModel.Path + "/Questions";

    [BindProperty]
    public List<string> QuestionIds { get; set; } = [];

    [BindProperty]
    public List<string> Answers { get; set; } = [];

    public IReadOnlyDictionary<string, string> AvailableQuestions => questions.Available;

    public async Task OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnPostQuestionsAsync()
    {
        if (await GuardAsync() is { } stop)
        {
            return stop;
        }

        var count = Policy.QuestionsToRegister;
        var given = QuestionIds.Zip(Answers, (q, a) => (q ?? string.Empty, a ?? string.Empty)).Take(10).ToList();
        var problems = SecurityQuestions.Validate(given, count, [.. questions.Available.Keys]);
        if (problems.Count > 0)
        {
            foreach (var problem in problems)
            {
                ModelState.AddModelError(string.Empty, problem);
            }

            Answers = [];
            return Page();
        }

        await changes.SetQuestionsAsync(Profile, given, HttpContext.RequestAborted);
        return Done("Your security questions are saved.");
    }
}
