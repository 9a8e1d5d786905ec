using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;
using IdentityProvider.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.Extensions.Options;

namespace IdentityProvider.SelfService.Captcha;

/// <summary>The CAPTCHA of the self-service start page. Section <c>SelfService:Captcha</c>.</summary>
public sealed class CaptchaOptions
{
    public const string SectionName = "SelfService:Captcha";

    /// <summary>Characters in the image. Default 6.</summary>
    [Range(4, 10)]
    public int Length { get; set; } = 6;

    /// <summary>How long a challenge can be answered. Default 5 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:30", "00:30:00")]
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Development and automated tests only: every challenge has this answer. Refused at start outside the
    /// Development environment.
    /// </summary>
    public string? FixedAnswer { get; set; }
}

/// <summary>A challenge as the page shows it: an image of characters, or a question in words for those who cannot see it.</summary>
public sealed record CaptchaChallengeView(Guid Id, CaptchaKind Kind, string? ImageDataUri, string? Question);

public enum CaptchaKind
{
    Image = 0,
    Question = 1,
}

/// <summary>
/// Issues and checks CAPTCHA challenges. The answer is stored only as a keyed hash; every challenge can be answered
/// once (right or wrong) before it expires; answers are compared without case and in constant time. Challenges live
/// in the database, so any node can check what another issued.
/// </summary>
public sealed class CaptchaService(
    ApplicationDbContext db, ServerSecrets secrets, IOptions<CaptchaOptions> options, Microsoft.Extensions.Localization.IStringLocalizer<SelfServiceText> texts, TimeProvider time)
{
    /// <summary>The numbers of the question in words, in the reader's language (the answer is typed in digits).</summary>
    private string Number(int n) => n switch
    {
        1 => texts["one"],
        2 => texts["two"],
        3 => texts["three"],
        4 => texts["four"],
        5 => texts["five"],
        6 => texts["six"],
        7 => texts["seven"],
        8 => texts["eight"],
        _ => texts["nine"],
    };

    public async Task<CaptchaChallengeView> IssueAsync(CaptchaKind kind, CancellationToken cancellationToken = default)
    {
        var settings = options.Value;
        string answer;
        string? image = null;
        string? question = null;
        if (kind == CaptchaKind.Image)
        {
            answer = settings.FixedAnswer ?? CaptchaImage.RandomText(settings.Length);
            image = "data:image/png;base64," + Convert.ToBase64String(CaptchaImage.Render(answer.ToUpperInvariant()));
        }
        else
        {
            var a = RandomNumberGenerator.GetInt32(2, 10);
            var b = RandomNumberGenerator.GetInt32(1, 10);
            answer = settings.FixedAnswer ?? (a + b).ToString(System.Globalization.CultureInfo.InvariantCulture);
            question = texts["What is {0} plus {1}? Type the answer in digits.", Number(a), Number(b)];
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var challenge = new CaptchaChallenge
        {
            Kind = kind,
            AnswerHash = await HashAsync(answer, cancellationToken),
            ExpiresAt = now + (long)settings.Lifetime.TotalMilliseconds,
        };
        db.Add(challenge);
        await db.Set<CaptchaChallenge>().Where(c => c.ExpiresAt < now - 3_600_000).ExecuteDeleteAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        return new CaptchaChallengeView(challenge.Id, kind, image, question);
    }

    /// <summary>Uses up the challenge and tells whether the answer was right. A used, expired or unknown challenge is never right.</summary>
    public async Task<bool> VerifyAsync(Guid id, string? answer, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var consumed = await db.Set<CaptchaChallenge>().Where(c => c.Id == id && !c.Used && c.ExpiresAt > now)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.Used, true), cancellationToken);
        if (consumed != 1 || string.IsNullOrWhiteSpace(answer) || answer.Length > 32)
        {
            return false;
        }

        var stored = await db.Set<CaptchaChallenge>().AsNoTracking().Where(c => c.Id == id).Select(c => c.AnswerHash).FirstAsync(cancellationToken);
        var given = await HashAsync(answer, cancellationToken);
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(stored), Encoding.ASCII.GetBytes(given));
    }

    private async Task<string> HashAsync(string answer, CancellationToken cancellationToken)
    {
        var key = await secrets.GetAsync("captcha-answers", cancellationToken);
        var normalized = answer.Trim().Replace(" ", string.Empty, StringComparison.Ordinal).ToUpperInvariant();
        return Convert.ToHexString(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(normalized)));
    }
}

/// <summary>An issued challenge: a keyed hash of its answer, its expiry (Unix ms) and whether it was used.</summary>
public sealed class CaptchaChallenge
{
    public Guid Id { get; set; } = Guid.NewGuid();

    public CaptchaKind Kind { get; set; }

    public string AnswerHash { get; set; } = string.Empty;

    public long ExpiresAt { get; set; }

    public bool Used { get; set; }
}

internal sealed class CaptchaChallengeConfiguration : IEntityTypeConfiguration<CaptchaChallenge>
{
    public void Configure(EntityTypeBuilder<CaptchaChallenge> builder)
    {
        builder.ToTable("CaptchaChallenges");
        builder.Property(c => c.AnswerHash).HasMaxLength(64).IsRequired();
        builder.HasIndex(c => c.ExpiresAt);
    }
}

internal static class CaptchaExtensions
{
    public static WebApplicationBuilder AddCaptcha(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<CaptchaOptions>().BindConfiguration(CaptchaOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => o.FixedAnswer is null || builder.Environment.IsDevelopment(),
                "SelfService:Captcha:FixedAnswer makes the CAPTCHA useless and is refused outside the Development environment.")
            .Validate(o => o.FixedAnswer is null || o.FixedAnswer.All(c => CaptchaImage.Alphabet.Contains(char.ToUpperInvariant(c))),
                "SelfService:Captcha:FixedAnswer may only use the CAPTCHA's characters (" + CaptchaImage.Alphabet + ").")
            .ValidateOnStart();
        builder.Services.AddScoped<CaptchaService>();
        return builder;
    }
}
