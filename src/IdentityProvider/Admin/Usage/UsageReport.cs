using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.SelfService;
using IdentityProvider.SelfService.MultiFactor;
using Microsoft.EntityFrameworkCore;

namespace IdentityProvider.Admin.Usage;

public sealed record Bar(string Label, int Value);

public sealed record UsageFigures(
    int Users, int Enabled, int Capable, IReadOnlyList<Bar> Registered, IReadOnlyList<Bar> Resets, IReadOnlyList<Bar> Unlocks,
    IReadOnlyList<Bar> Passed, IReadOnlyList<Bar> Failed, IReadOnlyList<Bar> FailureReasons, IReadOnlyList<Bar> SecondFactorSignIns);

/// <summary>
/// The figures of the usage page: how many users can reset on their own under the current policy (the same rules as
/// the eligibility check, computed for everyone at once), what self-service did over a period, and the sign-ins that
/// proved a second factor, by method (<see cref="AuditEventTypes.SecondFactorPassed"/> by its method, and passwordless
/// passkey sign-ins, <see cref="AuditEventTypes.PasskeySignIn"/>).
/// </summary>
public sealed class UsageReport(
    ApplicationDbContext db,
    StoredPolicy<SelfServicePolicySettings> policies,
    TimeProvider time,
    AdminNames names,
    IdentityProvider.Localization.LocalTimes times,
    Microsoft.Extensions.Localization.IStringLocalizer<AdminText> texts)
{
    public async Task<UsageFigures> BuildAsync(TimeSpan period, CancellationToken cancellationToken = default)
    {
        var policy = await policies.GetAsync(cancellationToken);
        var users = await db.Users.AsNoTracking().Select(u => new
        {
            u.Id, u.IsEnabled, u.PasswordManagedExternally,
            Email = u.AlternateEmail != null, Mobile = u.MobilePhone != null, Office = u.OfficePhone != null, App = u.AuthenticatorSecretProtected != null,
        }).ToListAsync(cancellationToken);
        var answers = await db.Set<SecurityAnswer>().GroupBy(a => a.UserId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
        var administrators = (await db.UserRoles.Join(db.Roles.Where(r => r.Name == StaffRoles.Administrator), ur => ur.RoleId, r => r.Id, (ur, _) => ur.UserId)
            .ToListAsync(cancellationToken)).ToHashSet();
        var inScope = await InScopeAsync(policy, cancellationToken);

        var allowed = policy.Methods;
        var capable = 0;
        foreach (var user in users.Where(u => u.IsEnabled && !u.PasswordManagedExternally && (inScope is null || inScope.Contains(u.Id))))
        {
            var admin = administrators.Contains(user.Id);
            var groups = new HashSet<string>();
            if (allowed.Contains(RecoveryMethod.AlternateEmail) && user.Email) { groups.Add("email"); }
            if ((allowed.Contains(RecoveryMethod.MobileText) || allowed.Contains(RecoveryMethod.MobileCall)) && user.Mobile) { groups.Add("mobile"); }
            if (allowed.Contains(RecoveryMethod.OfficeCall) && user.Office) { groups.Add("office"); }
            if (allowed.Contains(RecoveryMethod.AuthenticatorApp) && user.App) { groups.Add("app"); }
            if (!admin && allowed.Contains(RecoveryMethod.SecurityQuestions) && answers.GetValueOrDefault(user.Id) >= policy.QuestionsToReset) { groups.Add("questions"); }
            if (groups.Count >= (admin ? 2 : policy.MethodsRequired))
            {
                capable++;
            }
        }

        var since = time.GetUtcNow() - period;
        var events = await db.Set<AuditEvent>().AsNoTracking().Where(e => e.Time >= since && e.EventType.StartsWith("sspr."))
            .Select(e => new { e.Time, e.EventType, e.Method, e.Reason, e.Outcome }).ToListAsync(cancellationToken);
        var buckets = Buckets(period);
        IReadOnlyList<Bar> OverTime(string type) => [.. buckets.Select(b => new Bar(b.Label, events.Count(e => e.EventType == type && e.Time >= b.From && e.Time < b.To)))];

        var secondFactors = await db.Set<AuditEvent>().AsNoTracking()
            .Where(e => e.Time >= since && e.Outcome == AuditLog.Success
                && (e.EventType == AuditEventTypes.SecondFactorPassed || e.EventType == AuditEventTypes.PasskeySignIn))
            .GroupBy(e => new { e.EventType, e.Method }).Select(g => new { g.Key.EventType, g.Key.Method, Count = g.Count() })
            .ToListAsync(cancellationToken);

        return new UsageFigures(
            users.Count,
            users.Count(u => u.IsEnabled),
            capable,
            [
                new(texts["Alternate email"], users.Count(u => u.Email)), new(texts["Mobile phone"], users.Count(u => u.Mobile)), new(texts["Office phone"], users.Count(u => u.Office)),
                new(texts["Security questions"], answers.Count(a => a.Value >= policy.QuestionsToReset)), new(texts["Authenticator app"], users.Count(u => u.App)),
            ],
            OverTime(AuditEventTypes.RecoveryPasswordReset),
            OverTime(AuditEventTypes.RecoveryUnlocked),
            [.. events.Where(e => e.EventType == AuditEventTypes.RecoveryGatePassed).GroupBy(e => e.Method ?? "unknown").Select(g => new Bar(names.Method(g.Key), g.Count())).OrderByDescending(b => b.Value)],
            [.. events.Where(e => e.EventType == AuditEventTypes.RecoveryGateFailed).GroupBy(e => e.Method ?? "unknown").Select(g => new Bar(names.Method(g.Key), g.Count())).OrderByDescending(b => b.Value)],
            [.. events.Where(e => e.Outcome == AuditLog.Failure).GroupBy(e => e.Reason is null ? names.EventType(e.EventType) : names.Reason(e.Reason)).Select(g => new Bar(g.Key, g.Count())).OrderByDescending(b => b.Value).Take(10)],
            [.. secondFactors.GroupBy(e => SecondFactorLabel(e.EventType, e.Method)).Select(g => new Bar(g.Key, g.Sum(e => e.Count))).OrderByDescending(b => b.Value).ThenBy(b => b.Label, StringComparer.Ordinal)]);
    }

    /// <summary>How a sign-in with a second factor reads on the page and in the API: the method, or a passwordless passkey.</summary>
    internal string SecondFactorLabel(string eventType, string? method) => eventType == AuditEventTypes.PasskeySignIn
        ? texts["Passkey, without a password"]
        : method switch
        {
            nameof(SignInMethod.MobileCall) => texts["Phone call"],
            null or "" => texts["Unknown"],
            _ => names.Method(method),
        };

    /// <summary>Ids of the users self-service is enabled for, or null when it is enabled for everyone.</summary>
    private async Task<HashSet<string>?> InScopeAsync(SelfServicePolicySettings policy, CancellationToken cancellationToken)
    {
        switch (policy.Scope)
        {
            case SelfServiceScope.All:
                return null;
            case SelfServiceScope.None:
                return [];
        }

        var enabled = await SelfServiceEligibilityEvaluator.EnabledGroupIdsAsync(db, policy, cancellationToken);
        var ids = enabled.ToList();
        return (await db.Set<GroupMembership>().Where(m => ids.Contains(m.GroupId)).Select(m => m.UserId).ToListAsync(cancellationToken)).ToHashSet();
    }

    private IReadOnlyList<(string Label, DateTimeOffset From, DateTimeOffset To)> Buckets(TimeSpan period)
    {
        var now = time.GetUtcNow();
        var hourly = period <= TimeSpan.FromDays(1);
        var step = hourly ? TimeSpan.FromHours(1) : TimeSpan.FromDays(1);
        var count = (int)Math.Ceiling(period / step);
        var end = hourly ? new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero).AddHours(1) : new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero).AddDays(1);
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            var from = end - (step * (count - i));
            var local = TimeZoneInfo.ConvertTime(from, times.Zone);
            return (local.ToString(hourly ? "t" : "m", System.Globalization.CultureInfo.CurrentCulture), from, from + step);
        })];
    }
}
