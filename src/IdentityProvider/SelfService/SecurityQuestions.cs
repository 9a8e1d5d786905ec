using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using IdentityProvider.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace IdentityProvider.SelfService;

/// <summary>
/// Security questions: the predefined list plus the organisation's own (at most 20, 3–200 characters). A user's
/// answers are normalised (case, accents kept, runs of spaces folded) and hashed with the password hasher, so they
/// are never readable; they are registered and replaced as a set. At a reset, N are picked at random.
/// </summary>
public sealed class SecurityQuestions(
    ApplicationDbContext db,
    IPasswordHasher<ApplicationUser> hasher,
    Microsoft.Extensions.Options.IOptions<SelfServiceOptions> options,
    TimeProvider time,
    Microsoft.Extensions.Localization.IStringLocalizer<SecurityInfo.SecurityInfoText> texts)
{
    public const int MinimumAnswerLength = 3;
    public const int MaximumAnswerLength = 40;
    public const int MaximumCustomQuestions = 20;

    /// <summary>
    /// The built-in questions in English, keyed by a stable id (answers are stored against the id, so a question's
    /// wording and translations may change without losing anyone's answers). The English text is the key of the
    /// question's translations in <see cref="SecurityInfo.SecurityInfoText"/>. Each asks for something a person
    /// remembers for years, that rarely shows on social media and that has many possible answers.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Predefined { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["first-school"] = "What was the name of your first school?",
        ["childhood-friend"] = "What was the first name of your best friend as a child?",
        ["first-pet"] = "What was the name of your first pet?",
        ["parents-met"] = "In which city did your parents meet?",
        ["first-job"] = "What was the name of the company of your first job?",
        ["favourite-teacher"] = "What was the surname of your favourite teacher?",
        ["first-car"] = "What was the make and model of your first car?",
        ["childhood-street"] = "What was the name of the street you grew up on?",
        ["first-concert"] = "What was the first concert or live show you went to?",
        ["grandmother-birthplace"] = "In which town or village was your mother's mother born?",
        ["childhood-hero"] = "Who was your hero when you were a child?",
        ["first-book"] = "What was the first book you remember reading on your own?",
        ["first-trip-abroad"] = "Which city did you visit on your first trip abroad?",
        ["first-manager"] = "What was the surname of your first manager at work?",
        ["childhood-dream-job"] = "What job did you dream of doing when you were eight?",
        ["first-meal-cooked"] = "What was the first meal you cooked on your own?",
        ["oldest-cousin"] = "What is the first name of your oldest cousin?",
        ["favourite-toy"] = "What was the name of your favourite toy as a child?",
        ["first-rented-street"] = "On which street was the first home you rented?",
        ["first-club"] = "What was the name of the first sports team or club you joined?",
        ["childhood-neighbours"] = "What was the surname of your next-door neighbours when you were a child?",
        ["first-film"] = "What was the first film you saw in a cinema?",
        ["grandfather-job"] = "What was your father's father's job?",
        ["first-purchase"] = "What was the first thing you bought with money you earned?",
        ["childhood-holiday"] = "Where did your family usually spend holidays when you were a child?",
        ["first-teacher"] = "What was the name of your first teacher at primary school?",
        ["school-friend-surname"] = "What was the surname of your best friend at secondary school?",
        ["childhood-game"] = "Which game did you play most as a child?",
        ["first-album"] = "What was the first album or record you bought?",
        ["first-flatmate"] = "What was the first name of the first person you shared a home with, other than family?",
        ["childhood-treat"] = "What was your favourite treat as a child?",
        ["grandparents-dish"] = "Which dish cooked by one of your grandparents do you remember best?",
        ["first-video-game"] = "What was the first video game you played for hours?",
        ["first-mobile"] = "What make and model was your first mobile phone?",
        ["childhood-programme"] = "What was your favourite television programme as a child?",
    };

    /// <summary>
    /// Every question users may choose, in the reader's language: the built-in ones and the organisation's own
    /// (<see cref="SelfServiceOptions.CustomQuestions"/>, as the organisation wrote them), whose ids are <c>custom:</c>
    /// and a hash of their text, so reordering the list keeps answers attached.
    /// </summary>
    public IReadOnlyDictionary<string, string> Available
    {
        get
        {
            var all = Predefined.ToDictionary(q => q.Key, q => texts[q.Value].Value, StringComparer.Ordinal);
            foreach (var text in options.Value.CustomQuestions.Select(q => q.Trim()).Where(q => q.Length > 0))
            {
                all.TryAdd(CustomId(text), text);
            }

            return all;
        }
    }

    public static string CustomId(string text) =>
        "custom:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text ?? string.Empty)))[..12].ToLowerInvariant();

    /// <summary>Folds case and runs of white space, so "  New   York" and "new york" are the same answer.</summary>
    public static string Normalize(string answer) =>
        string.Join(' ', (answer ?? string.Empty).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).ToLower(CultureInfo.InvariantCulture);

    /// <summary>Checks a set of (question id, answer) pairs against the rules; each problem is its own plain message.</summary>
    public static IReadOnlyList<string> Validate(IReadOnlyList<(string QuestionId, string Answer)> answers, int required, IReadOnlyCollection<string> knownQuestionIds) =>
        [.. Check(answers, required, knownQuestionIds).Select(p => p.Rule).Distinct().Order().Select(rule => rule switch
        {
            SecurityAnswerRule.Count => $"Answer {required} questions.",
            SecurityAnswerRule.UnknownQuestion => "Choose each question from the list.",
            SecurityAnswerRule.SameQuestion => "Choose a different question each time.",
            SecurityAnswerRule.Length => $"Each answer needs {MinimumAnswerLength} to {MaximumAnswerLength} characters.",
            _ => "Give a different answer to each question.",
        })];

    /// <summary>
    /// Checks a set of (question id, answer) pairs against the rules, each problem tied to the pair it is about (its
    /// index; -1 for the number of pairs), so a form can show it next to that question or answer.
    /// </summary>
    public static IReadOnlyList<SecurityAnswerProblem> Check(IReadOnlyList<(string QuestionId, string Answer)> answers, int required, IReadOnlyCollection<string> knownQuestionIds)
    {
        ArgumentNullException.ThrowIfNull(answers);
        ArgumentNullException.ThrowIfNull(knownQuestionIds);
        var problems = new List<SecurityAnswerProblem>();
        if (answers.Count != required)
        {
            problems.Add(new(-1, SecurityAnswerRule.Count));
        }

        var normalized = answers.Select(a => Normalize(a.Answer)).ToList();
        for (var i = 0; i < answers.Count; i++)
        {
            if (!knownQuestionIds.Contains(answers[i].QuestionId))
            {
                problems.Add(new(i, SecurityAnswerRule.UnknownQuestion));
            }
            else if (answers.Take(i).Any(a => a.QuestionId == answers[i].QuestionId))
            {
                problems.Add(new(i, SecurityAnswerRule.SameQuestion));
            }

            if (normalized[i].Length is < MinimumAnswerLength or > MaximumAnswerLength)
            {
                problems.Add(new(i, SecurityAnswerRule.Length));
            }
            else if (normalized.Take(i).Contains(normalized[i], StringComparer.Ordinal))
            {
                problems.Add(new(i, SecurityAnswerRule.SameAnswer));
            }
        }

        return problems;
    }

    /// <summary>The ids of the questions the user answered, in the order they were registered.</summary>
    public async Task<IReadOnlyList<string>> RegisteredAsync(string userId, CancellationToken cancellationToken = default) =>
        await db.Set<SecurityAnswer>().AsNoTracking().Where(a => a.UserId == userId).OrderBy(a => a.Id).Select(a => a.QuestionId).ToListAsync(cancellationToken);

    /// <summary>Replaces the user's answers as a set (in the caller's unit of work).</summary>
    public async Task ReplaceAsync(ApplicationUser user, IReadOnlyList<(string QuestionId, string Answer)> answers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(answers);
        db.RemoveRange(await db.Set<SecurityAnswer>().Where(a => a.UserId == user.Id).ToListAsync(cancellationToken));
        var now = time.GetUtcNow();
        foreach (var (questionId, answer) in answers)
        {
            db.Add(new SecurityAnswer { UserId = user.Id, QuestionId = questionId, AnswerHash = hasher.HashPassword(user, Normalize(answer)), RegisteredAt = now });
        }
    }

    public Task<int> CountAsync(string userId, CancellationToken cancellationToken = default) =>
        db.Set<SecurityAnswer>().CountAsync(a => a.UserId == userId, cancellationToken);

    /// <summary>A fresh random pick of <paramref name="count"/> of the user's questions (ids).</summary>
    public async Task<IReadOnlyList<string>> PickAsync(string userId, int count, CancellationToken cancellationToken = default)
    {
        var registered = await db.Set<SecurityAnswer>().AsNoTracking().Where(a => a.UserId == userId).Select(a => a.QuestionId).ToArrayAsync(cancellationToken);
        RandomNumberGenerator.Shuffle(registered.AsSpan());
        return registered.Take(count).ToList();
    }

    /// <summary>True only when every picked question is answered rightly (all are checked, so timing does not tell which failed).</summary>
    public async Task<bool> VerifyAsync(ApplicationUser user, IReadOnlyDictionary<string, string> answers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(answers);
        var ids = answers.Keys.ToList();
        var stored = await db.Set<SecurityAnswer>().AsNoTracking().Where(a => a.UserId == user.Id && ids.Contains(a.QuestionId)).ToListAsync(cancellationToken);
        var allRight = stored.Count == answers.Count && answers.Count > 0;
        foreach (var row in stored)
        {
            var right = hasher.VerifyHashedPassword(user, row.AnswerHash, Normalize(answers[row.QuestionId])) != PasswordVerificationResult.Failed;
            allRight &= right;
        }

        return allRight;
    }
}

/// <summary>Which rule a security answer breaks, in the order the rules are told.</summary>
public enum SecurityAnswerRule
{
    Count,
    UnknownQuestion,
    SameQuestion,
    Length,
    SameAnswer,
}

/// <summary>A broken rule and the (question, answer) pair it is about (-1: the set as a whole).</summary>
public sealed record SecurityAnswerProblem(int Index, SecurityAnswerRule Rule);

/// <summary>One of a user's security answers: a hash of the normalised answer, never the answer.</summary>
public sealed class SecurityAnswer
{
    public long Id { get; set; }

    public string UserId { get; set; } = string.Empty;

    /// <summary>A predefined question's id, or "custom:" + the organisation's question id.</summary>
    public string QuestionId { get; set; } = string.Empty;

    public string AnswerHash { get; set; } = string.Empty;

    public DateTimeOffset RegisteredAt { get; set; }
}

internal sealed class SecurityAnswerConfiguration : IEntityTypeConfiguration<SecurityAnswer>
{
    public void Configure(EntityTypeBuilder<SecurityAnswer> builder)
    {
        builder.ToTable("SecurityAnswers");
        builder.Property(a => a.UserId).HasMaxLength(450).IsRequired();
        builder.Property(a => a.QuestionId).HasMaxLength(100).IsRequired();
        builder.Property(a => a.AnswerHash).HasMaxLength(500).IsRequired();
        builder.HasIndex(a => new { a.UserId, a.QuestionId }).IsUnique();
        builder.HasOne<ApplicationUser>().WithMany().HasForeignKey(a => a.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
