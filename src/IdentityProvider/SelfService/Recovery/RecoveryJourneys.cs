using System.Security.Cryptography;
using System.Text;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace IdentityProvider.SelfService.Recovery;

public enum JourneyState
{
    /// <summary>No journey cookie, or one that matches no journey.</summary>
    Missing,

    /// <summary>The journey's time ran out before it ended.</summary>
    Expired,

    Open,

    /// <summary>The password was reset or the account unlocked.</summary>
    Ended,
}

public sealed record JourneyLookup(JourneyState State, RecoveryJourney? Journey);

/// <summary>
/// Starts, finds and saves reset journeys. The browser keeps a random 256-bit token in a cookie scoped to
/// <c>/recover</c>; the database keeps its SHA-256, so a database reader cannot take over a journey.
/// </summary>
public sealed class RecoveryJourneys(
    ApplicationDbContext db,
    IOptions<SelfServiceOptions> options,
    AuditLog audit,
    Hosting.CookieNames cookieNames,
    Microsoft.AspNetCore.DataProtection.IDataProtectionProvider protection,
    TimeProvider time)
{
    public const string CookieName = "idp.recovery";

    /// <summary>The user ID as the user typed it (protected), so every journey page can show it, whether it matched an account or not.</summary>
    public const string TypedCookieName = "idp.recovery.id";

    /// <summary>
    /// How long the browser keeps the journey cookies after the journey's own lifetime: the journey row outlives its end by a
    /// day (see <see cref="SweepAsync"/>), so a page opened late still finds it and can say that time ran out.
    /// </summary>
    public static readonly TimeSpan CookieGrace = TimeSpan.FromDays(1);
    public const string CookiePath = "/recover";
    public const string Ended = "reset";
    public const string Unlocked = "unlocked";
    public const string ExpiredMark = "expired";

    /// <summary>Ended because the account's credentials changed (or all its sessions were ended) while it was open.</summary>
    public const string SupersededMark = "superseded";

    /// <summary>Starts a journey for <paramref name="userId"/> (null when <paramref name="typedUserId"/> matched no account) and gives the browser its cookies.</summary>
    public async Task<RecoveryJourney> StartAsync(
        HttpContext http, string? userId, SelfServiceEligibility eligibility, string returnUrl, string? typedUserId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(eligibility);
        var token = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        var now = time.GetUtcNow();
        var lifetime = options.Value.JourneyLifetime;
        var journey = new RecoveryJourney
        {
            TokenHash = Hash(token),
            UserId = userId,
            Outcome = eligibility.Outcome,
            Required = eligibility.Required,
            ReturnUrl = returnUrl,
            StartedAt = now.ToUnixTimeMilliseconds(),
            ExpiresAt = now.Add(lifetime).ToUnixTimeMilliseconds(),
        };
        db.Add(journey);
        await db.SaveChangesAsync(cancellationToken);
        var cookie = new CookieOptions
        {
            Path = CookiePath,
            HttpOnly = true,
            Secure = http.Request.IsHttps,
            SameSite = SameSiteMode.Lax,
            MaxAge = lifetime + CookieGrace,
            IsEssential = true,
        };
        http.Response.Cookies.Append(cookieNames.For(CookieName, CookiePath), token, cookie);
        http.Response.Cookies.Append(cookieNames.For(TypedCookieName, CookiePath), Protector.Protect(typedUserId ?? string.Empty), cookie);
        return journey;
    }

    /// <summary>The user ID typed on the start page of this browser's journey, or null.</summary>
    public string? TypedUserId(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (!http.Request.Cookies.TryGetValue(cookieNames.For(TypedCookieName, CookiePath), out var value) || string.IsNullOrEmpty(value) || value.Length > 2000)
        {
            return null;
        }

        try
        {
            return Protector.Unprotect(value) is { Length: > 0 } typed ? typed : null;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }

    /// <summary>A short mark of the journey, written into each journey form: a post from a page of an earlier journey (another tab) is told apart.</summary>
    public static string Mark(RecoveryJourney journey)
    {
        ArgumentNullException.ThrowIfNull(journey);
        return journey.Id.ToString("N")[..12];
    }

    private Microsoft.AspNetCore.DataProtection.IDataProtector Protector => protection.CreateProtector("IdentityProvider.SelfService.Recovery.TypedUserId");

    /// <summary>The journey of this browser, tracked for changes. An expired one is marked (and audited) once.</summary>
    public async Task<JourneyLookup> FindAsync(HttpContext http, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (!http.Request.Cookies.TryGetValue(cookieNames.For(CookieName, CookiePath), out var token) || string.IsNullOrEmpty(token) || token.Length > 100)
        {
            return new JourneyLookup(JourneyState.Missing, null);
        }

        var hash = Hash(token);
        var journey = await db.Set<RecoveryJourney>().FirstOrDefaultAsync(j => j.TokenHash == hash, cancellationToken);
        if (journey is null)
        {
            return new JourneyLookup(JourneyState.Missing, null);
        }

        if (journey.EndedAs is Ended or Unlocked)
        {
            return new JourneyLookup(JourneyState.Ended, journey);
        }

        if (journey.EndedAs is not null)
        {
            // Ran out, or superseded by a credential change: either way it cannot go on.
            return new JourneyLookup(JourneyState.Expired, journey);
        }

        if (journey.ExpiresAt <= time.GetUtcNow().ToUnixTimeMilliseconds())
        {
            await MarkExpiredAsync(journey, cancellationToken);
            return new JourneyLookup(JourneyState.Expired, journey);
        }

        return new JourneyLookup(JourneyState.Open, journey);
    }

    /// <summary>Saves the journey's changes. False when another request changed it first (a double submit).</summary>
    public async Task<bool> SaveAsync(RecoveryJourney journey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(journey);
        journey.Version++;
        return await db.TrySaveAsync(cancellationToken);
    }

    /// <summary>
    /// Ends the journey if no other request has: one atomic update, so of many parallel final submissions only one
    /// goes on. Run it inside the transaction that makes the change, so a refused password leaves the journey open.
    /// </summary>
    public async Task<bool> TryEndAsync(Guid journeyId, string endedAs, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        return await db.Set<RecoveryJourney>().Where(j => j.Id == journeyId && j.EndedAt == null && j.ExpiresAt > now)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.EndedAt, now).SetProperty(j => j.EndedAs, endedAs).SetProperty(j => j.Version, j => j.Version + 1), cancellationToken) == 1;
    }

    /// <summary>
    /// Ends every open journey of the user (a credential change elsewhere must not be undone by a journey started before
    /// it). Runs in the caller's transaction.
    /// </summary>
    public Task<int> SupersedeAllAsync(string userId, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        return db.Set<RecoveryJourney>().Where(j => j.UserId == userId && j.EndedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.EndedAt, now).SetProperty(j => j.EndedAs, SupersededMark).SetProperty(j => j.Version, j => j.Version + 1), cancellationToken);
    }

    /// <summary>Marks journeys that ran out unfinished (one audit event each) and deletes those ended over a day ago.</summary>
    public async Task SweepAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var expired = await db.Set<RecoveryJourney>().Where(j => j.EndedAt == null && j.ExpiresAt <= now).Take(500).ToListAsync(cancellationToken);
        foreach (var journey in expired)
        {
            await MarkExpiredAsync(journey, cancellationToken);
        }

        var old = now - (long)TimeSpan.FromDays(1).TotalMilliseconds;
        await db.Set<RecoveryJourney>().Where(j => j.ExpiresAt < old).ExecuteDeleteAsync(cancellationToken);
    }

    private async Task MarkExpiredAsync(RecoveryJourney journey, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var marked = await db.Set<RecoveryJourney>().Where(j => j.Id == journey.Id && j.EndedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.EndedAt, now).SetProperty(j => j.EndedAs, ExpiredMark), cancellationToken);
        journey.EndedAs = ExpiredMark;
        if (marked == 1 && journey.UserId is not null)
        {
            audit.Add(AuditEventTypes.RecoveryExpired, journey.UserId, AuditLog.Failure, journey.GatesPassed ? "abandoned-after-gates" : "abandoned", journey.PendingMethod?.ToString());
            await audit.SaveAsync(cancellationToken);
        }
    }

    private static string Hash(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
