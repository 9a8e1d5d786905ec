using System.Security.Cryptography;
using System.Text.Json;
using IdentityProvider.Data;
using IdentityProvider.Hosting;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;

namespace IdentityProvider.SelfService.Passkeys;

/// <summary>
/// The state of a WebAuthn ceremony between its options and its answer: the options sent to the browser (with their
/// challenge), what the ceremony is for and whom it concerns, in a cookie protected by Data Protection and valid for 5
/// minutes. A ceremony is used once: taking it deletes the cookie, and its id is recorded in the database, so a copy
/// of the cookie replayed later (or on another node) is refused.
/// </summary>
public sealed class PasskeyCeremonies(IDataProtectionProvider protection, CookieNames cookieNames, ApplicationDbContext db, TimeProvider time)
{
    /// <summary>The cookie's own name, before any prefix.</summary>
    public const string CookieName = "idp.passkey";

    /// <summary>How long the browser has between the options and its answer.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    private readonly ITimeLimitedDataProtector protector =
        protection.CreateProtector("IdentityProvider.SelfService.Passkeys.Ceremony").ToTimeLimitedDataProtector();

    /// <summary>Starts a ceremony for <paramref name="purpose"/>, concerning <paramref name="subject"/> (a user id, or null when the user is not known yet).</summary>
    public void Begin(HttpContext http, string purpose, string? subject, string optionsJson, string? note = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        var state = new CeremonyState(WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(16)), purpose, subject, note, optionsJson, time.GetUtcNow().ToUnixTimeMilliseconds());
        var value = protector.Protect(JsonSerializer.Serialize(state), Lifetime);
        http.Response.Cookies.Append(cookieNames.For(CookieName), value, CookieOptions(http, time.GetUtcNow().Add(Lifetime)));
    }

    /// <summary>
    /// Takes the browser's ceremony for <paramref name="purpose"/> and <paramref name="subject"/>, once: null when there
    /// is none, it ran out, was forged, is for something else, or was already used.
    /// </summary>
    public async Task<Ceremony?> TakeAsync(HttpContext http, string purpose, string? subject, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(http);
        var name = cookieNames.For(CookieName);
        if (!http.Request.Cookies.TryGetValue(name, out var value) || string.IsNullOrEmpty(value))
        {
            return null;
        }

        http.Response.Cookies.Delete(name, CookieOptions(http, null));
        CeremonyState? state;
        try
        {
            state = JsonSerializer.Deserialize<CeremonyState>(protector.Unprotect(value));
        }
        catch (Exception e) when (e is CryptographicException or JsonException or FormatException)
        {
            return null;
        }

        if (state is null || state.Purpose != purpose || (subject is not null && state.Subject != subject))
        {
            return null;
        }

        // Single use across nodes: the first request to take this ceremony counts 1, any replay counts more.
        var key = "passkey-ceremony:" + state.Id;
        var counts = await db.Database.SqlQuery<int>($"""
            INSERT INTO "ThrottleCounters" ("Key", "WindowStart", "Count") VALUES ({key}, {state.IssuedAt}, 1)
            ON CONFLICT ("Key", "WindowStart") DO UPDATE SET "Count" = "ThrottleCounters"."Count" + 1
            RETURNING "Count" AS "Value"
            """).ToListAsync(cancellationToken);
        return counts[0] == 1 ? new Ceremony(state.Subject, state.Note, state.Options) : null;
    }

    private CookieOptions CookieOptions(HttpContext http, DateTimeOffset? expires) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = http.Request.IsHttps || cookieNames.Prefixed,
        Path = "/",
        Expires = expires,
        IsEssential = true,
    };

    private sealed record CeremonyState(string Id, string Purpose, string? Subject, string? Note, string Options, long IssuedAt);
}

/// <summary>A ceremony taken from the browser: whom it concerns, its note (e.g. the passkey's name) and the options sent.</summary>
public sealed record Ceremony(string? Subject, string? Note, string Options);
