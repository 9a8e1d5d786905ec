using IdentityProvider.Data;
using IdentityProvider.Messaging;
using IdentityProvider.SelfService;
using IdentityProvider.SelfService.Verification;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityProvider.Testing;

/// <summary>Self-service test data: recovery methods, groups, the stored policy, and the codes the server sent.</summary>
public static class RecoveryData
{
    /// <summary>An authenticator secret for tests (Base32).</summary>
    public const string AuthenticatorSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    public static readonly (string QuestionId, string Answer)[] Answers = [("first-pet", "Biscuit"), ("first-school", "Hillside Primary"), ("childhood-street", "Mill Lane"), ("first-car", "Blue Mini")];

    /// <summary>A user with the given recovery data, optionally in a group (created when missing) and with security answers.</summary>
    public static async Task<ApplicationUser> CreateUserAsync(
        IdentityProviderHost host,
        Action<ApplicationUser>? configure = null,
        string? group = null,
        bool questions = false,
        bool authenticator = false,
        string? role = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        var user = await TestData.CreateUserAsync(host);
        await using var scope = host.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        var stored = await db.Users.SingleAsync(u => u.Id == user.Id);
        configure?.Invoke(stored);
        if (authenticator)
        {
            stored.AuthenticatorSecretProtected = scope.ServiceProvider.GetRequiredService<AuthenticatorCodes>().Protect(AuthenticatorSecret);
        }

        if (questions)
        {
            await scope.ServiceProvider.GetRequiredService<SecurityQuestions>().ReplaceAsync(stored, Answers);
        }

        if (group is not null)
        {
            var found = await db.Set<Group>().FirstOrDefaultAsync(g => g.Name == group);
            if (found is null)
            {
                found = new Group { Name = group };
                db.Add(found);
            }

            db.Add(new GroupMembership { GroupId = found.Id, UserId = stored.Id });
        }

        await db.SaveChangesAsync();
        if (role is not null)
        {
            var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<ApplicationUser>>();
            await users.AddToRoleAsync(await users.FindByIdAsync(stored.Id) ?? stored, role);
        }

        return stored;
    }

    /// <summary>
    /// A user the multi-factor policy covers: created in a group of their own, which is added to the policy's selected
    /// groups (so users of other tests stay outside it).
    /// </summary>
    public static async Task<ApplicationUser> CreateMultiFactorUserAsync(IdentityProviderHost host, Action<ApplicationUser>? configure = null, bool authenticator = false)
    {
        ArgumentNullException.ThrowIfNull(host);
        var group = "mfa-" + Guid.NewGuid().ToString("N")[..8];
        var user = await CreateUserAsync(host, configure, group: group, authenticator: authenticator);
        await using var scope = host.CreateScope();
        var groupId = await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Set<Group>().Where(g => g.Name == group).Select(g => g.Id).SingleAsync();
        await SetPolicyAsync<IdentityProvider.SelfService.MultiFactor.MultiFactorPolicySettings>(
            host, p => (p.Scope, p.Groups) = (IdentityProvider.SelfService.MultiFactor.MultiFactorScope.Selected, [.. p.Groups, groupId]));
        return user;
    }

    /// <summary>Changes the stored SSPR policy and drops the server's cached copy.</summary>
    public static Task SetPolicyAsync(IdentityProviderHost host, Action<SelfServicePolicySettings> change) => SetPolicyAsync<SelfServicePolicySettings>(host, change);

    /// <summary>Changes a stored policy and drops the server's cached copy.</summary>
    public static async Task SetPolicyAsync<T>(IdentityProviderHost host, Action<T> change)
        where T : PolicySettings
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(change);
        await using var scope = host.CreateScope();
        var store = scope.ServiceProvider.GetRequiredService<StoredPolicy<T>>();
        await store.GetAsync();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        var row = await db.Set<T>().SingleAsync();
        change(row);
        await db.SaveChangesAsync();
        store.Invalidate();
    }

    /// <summary>The messages queued for a recipient, newest first, with their bodies in clear (see <see cref="SentMessages"/>).</summary>
    public static Task<List<OutboxMessage>> MessagesToAsync(IdentityProviderHost host, string recipient) =>
        SentMessages.ReadAsync(host, messages => messages.Where(m => m.Recipient == recipient).OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id));

    /// <summary>The code in the newest message to <paramref name="recipient"/> (email, text or call script).</summary>
    public static async Task<string> LatestCodeAsync(IdentityProviderHost host, string recipient)
    {
        var message = (await MessagesToAsync(host, recipient)).FirstOrDefault() ?? throw new InvalidOperationException($"Nothing was sent to {recipient}.");
        return CodeIn(message.TextBody);
    }

    /// <summary>The first 8 digits of a message body (the code; a call script spells it out with commas).</summary>
    public static string CodeIn(string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var start = body.IndexOf("code", StringComparison.OrdinalIgnoreCase);
        return new string([.. body[Math.Max(0, start)..].Where(char.IsAsciiDigit).Take(VerificationCodes.Digits)]);
    }

    /// <summary>The current authenticator code for <see cref="AuthenticatorSecret"/>, <paramref name="stepsAhead"/> steps from now.</summary>
    public static string AuthenticatorCode(DateTimeOffset now, int stepsAhead = 0) =>
        new OtpNet.Totp(OtpNet.Base32Encoding.ToBytes(AuthenticatorSecret)).ComputeTotp(now.UtcDateTime.AddSeconds(30 * stepsAhead));

    /// <summary>Answers the CAPTCHA's accessible question ("What is three plus four? …").</summary>
    public static string AnswerCaptchaQuestion(string question)
    {
        ArgumentNullException.ThrowIfNull(question);
        // The sum in words, in any of the server's languages: "What is four plus two?", "Combien font quatre plus deux ?"…
        string[][] languages =
        [
            ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"],
            ["zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf"],
            ["null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun"],
            ["cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve"],
        ];
        var words = question.Replace("?", " ", StringComparison.Ordinal).Replace("¿", " ", StringComparison.Ordinal).Replace('\u00a0', ' ')
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => w.ToLowerInvariant()).ToArray();
        var plus = Array.FindIndex(words, w => w is "plus" or "más");
        foreach (var numbers in languages)
        {
            var (a, b) = (Array.IndexOf(numbers, words[plus - 1]), Array.IndexOf(numbers, words[plus + 1]));
            if (a >= 0 && b >= 0)
            {
                return (a + b).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException("Not a CAPTCHA question: " + question);
    }
}
