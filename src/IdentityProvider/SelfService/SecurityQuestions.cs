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
public sealed class SecurityQuestions(ApplicationDbContext db, IPasswordHasher<ApplicationUser> hasher, Microsoft.Extensions.Options.IOptions<SelfServiceOptions> options, TimeProvider time)
{
    public const int MinimumAnswerLength = 3;
    public const int MaximumAnswerLength = 40;
    public const int MaximumCustomQuestions = 20;

    /// <summary>The built-in questions, keyed by a stable id.</summary>
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
    };

    /// <summary>
    /// Every question users may choose: the built-in ones and the organisation's own (<see cref="SelfServiceOptions.CustomQuestions"/>),
    /// whose ids are <c>custom:</c> and a hash of their text, so reordering the list keeps answers attached.
    /// </summary>
    public IReadOnlyDictionary<string, string> Available
    {
        get
        {
            var all = new Dictionary<string, string>(Predefined, StringComparer.Ordinal);
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
    public static IReadOnlyList<string> Validate(IReadOnlyList<(string QuestionId, string Answer)> answers, int required, IReadOnlyCollection<string> knownQuestionIds)
    {
        ArgumentNullException.ThrowIfNull(answers);
        var problems = new List<string>();
        if (answers.Count != required)
        {
            problems.Add($"Answer {required} questions.");
        }

        if (answers.Any(a => !knownQuestionIds.Contains(a.QuestionId)))
        {
            problems.Add("Choose each question from the list.");
        }

        if (answers.Select(a => a.QuestionId).Distinct(StringComparer.Ordinal).Count() != answers.Count)
        {
            problems.Add("Choose a different question each time.");
        }

        var normalized = answers.Select(a => Normalize(a.Answer)).ToList();
        if (normalized.Any(a => a.Length is < MinimumAnswerLength or > MaximumAnswerLength))
        {
            problems.Add($"Each answer needs {MinimumAnswerLength} to {MaximumAnswerLength} characters.");
        }

        if (normalized.Distinct(StringComparer.Ordinal).Count() != normalized.Count)
        {
            problems.Add("Give a different answer to each question.");
        }

        return problems;
    }

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
