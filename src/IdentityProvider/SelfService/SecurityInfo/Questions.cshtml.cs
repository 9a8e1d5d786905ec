using IdentityProvider.Data;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace IdentityProvider.SelfService.SecurityInfo;

/// <summary>
/// Chooses and answers the security questions, replaced as a set; the answers are stored only as hashes. The pickers
/// show the questions the user answered (or, the first time, different questions each), and each problem shows under
/// the question or answer it is about, with the chosen questions kept (never the answers).
/// </summary>
[Authorize]
public sealed class QuestionsModel(
    UserManager<ApplicationUser> users,
    StoredPolicy<SelfServicePolicySettings> policies,
    SelfServiceEligibilityEvaluator eligibility,
    Account.Sessions.UserSessions sessions,
    SecurityInfoChanges changes,
    SecurityQuestions questions,
    IStringLocalizer<SecurityInfoText> texts) : SecurityInfoPageModel(users, policies, eligibility, sessions, texts)
{
    public const string Path = IndexModel.Path + "/Questions";

    [BindProperty]
    public List<string> QuestionIds { get; set; } = [];

    [BindProperty]
    public List<string> Answers { get; set; } = [];

    /// <summary>The questions in the reader's language.</summary>
    public IReadOnlyDictionary<string, string> AvailableQuestions { get; private set; } = new Dictionary<string, string>();

    /// <summary>The questions the user answered before, in the reader's language (empty the first time).</summary>
    public IReadOnlyList<string> RegisteredQuestions { get; private set; } = [];

    protected override string FormPage => Path + IndexModel.QueryString(Step, ReturnUrl);

    protected override IReadOnlyCollection<string> KeptFields =>
        [.. Enumerable.Range(0, Math.Max(Policy.QuestionsToRegister, 1)).Select(i => $"QuestionIds[{i}]")];

    public async Task OnGetAsync()
    {
        await LoadAsync();
        ShowProblems();
        var registered = await questions.RegisteredAsync(Profile.Id, HttpContext.RequestAborted);
        RegisteredQuestions = [.. registered.Select(id => AvailableQuestions.GetValueOrDefault(id, Texts["A question no longer offered"]))];

        // Each picker starts on a different question: the one typed before a detour, else the one answered, else the next unused one.
        var chosen = new List<string>();
        for (var i = 0; i < Policy.QuestionsToRegister; i++)
        {
            var pick = new[] { Kept($"QuestionIds[{i}]"), registered.ElementAtOrDefault(i) }
                .FirstOrDefault(id => id is not null && AvailableQuestions.ContainsKey(id) && !chosen.Contains(id))
                ?? AvailableQuestions.Keys.FirstOrDefault(id => !chosen.Contains(id) && !registered.Skip(i + 1).Contains(id)) ?? string.Empty;
            chosen.Add(pick);
        }

        QuestionIds = chosen;
    }

    public async Task<IActionResult> OnPostQuestionsAsync()
    {
        if (await GuardAsync() is { } stop)
        {
            return stop;
        }

        var count = Policy.QuestionsToRegister;
        var given = QuestionIds.Zip(Answers, (q, a) => (q ?? string.Empty, a ?? string.Empty)).Take(10).ToList();
        var problems = SecurityQuestions.Check(given, count, [.. AvailableQuestions.Keys]);
        if (problems.Count > 0)
        {
            foreach (var problem in problems)
            {
                var (field, message) = problem.Rule switch
                {
                    SecurityAnswerRule.Count => (string.Empty, Texts["Answer {0} questions.", count].Value),
                    SecurityAnswerRule.UnknownQuestion => ($"QuestionIds[{problem.Index}]", Texts["Choose each question from the list."].Value),
                    SecurityAnswerRule.SameQuestion => ($"QuestionIds[{problem.Index}]", Texts["Choose a different question each time."].Value),
                    SecurityAnswerRule.Length => ($"Answers[{problem.Index}]", Texts["Each answer needs {0} to {1} characters.", SecurityQuestions.MinimumAnswerLength, SecurityQuestions.MaximumAnswerLength].Value),
                    _ => ($"Answers[{problem.Index}]", Texts["Give a different answer to each question."].Value),
                };
                ModelState.AddModelError(field, message);
            }

            // The answers are secrets: typed again, never sent back.
            Answers = [];
            RegisteredQuestions = [.. (await questions.RegisteredAsync(Profile.Id, HttpContext.RequestAborted)).Select(id => AvailableQuestions.GetValueOrDefault(id, Texts["A question no longer offered"]))];
            return Page();
        }

        await changes.SetQuestionsAsync(Profile, given, HttpContext.RequestAborted);
        return Done(Texts["Your security questions are saved."]);
    }

    protected override async Task LoadAsync()
    {
        await base.LoadAsync();
        AvailableQuestions = questions.Available;
    }
}
