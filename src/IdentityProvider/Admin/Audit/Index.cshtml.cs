using System.Globalization;
using System.Text;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace IdentityProvider.Admin.Audit;

/// <summary>The audit log: filter by time, user, event type, outcome and client IP; page through it; export it as CSV.</summary>
[Authorize(Policy = AdminPolicies.AuditPolicy)]
public sealed class IndexModel(
    ApplicationDbContext db,
    AuditLog audit,
    IdentityProvider.Localization.LocalTimes times,
    Microsoft.Extensions.Localization.IStringLocalizer<AdminText> texts) : PageModel
{
    public const int PageSize = 100;
    public const int MaximumExport = 100_000;

    /// <summary>The start of the period as typed, in <see cref="Zone"/> (or an ISO 8601 time with its offset).</summary>
    [BindProperty(SupportsGet = true)]
    public string? From { get; set; }

    /// <summary>The end of the period as typed, in <see cref="Zone"/> (or an ISO 8601 time with its offset).</summary>
    [BindProperty(SupportsGet = true)]
    public string? To { get; set; }

    /// <summary>A user id, username or email.</summary>
    [BindProperty(SupportsGet = true, Name = "user")]
    public string? UserId { get; set; }

    /// <summary>The zone the From and To times are read in: the reader's.</summary>
    public TimeZoneInfo Zone => times.Zone;

    /// <summary>The usernames of the users and staff on this page, by id.</summary>
    public IReadOnlyDictionary<string, string> UserNames { get; private set; } = new Dictionary<string, string>();

    /// <summary>The start of the period as read.</summary>
    public DateTimeOffset? FromTime { get; private set; }

    /// <summary>The end of the period as read.</summary>
    public DateTimeOffset? ToTime { get; private set; }

    /// <summary>A time for a <c>datetime-local</c> input, in <see cref="Zone"/>; what was typed when it could not be read.</summary>
    public string? InputValue(DateTimeOffset? time, string? typed) =>
        time is { } value ? TimeZoneInfo.ConvertTime(value, Zone).ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture) : typed;

    /// <summary>The zone's name as the labels show it.</summary>
    public string ZoneName => Zone == TimeZoneInfo.Utc ? "UTC" : Zone.Id;

    [BindProperty(SupportsGet = true, Name = "type")]
    public string? EventType { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Outcome { get; set; }

    [BindProperty(SupportsGet = true, Name = "ip")]
    public string? ClientIp { get; set; }

    [BindProperty(SupportsGet = true, Name = "actor")]
    public string? ActorId { get; set; }

    [BindProperty(SupportsGet = true, Name = "p")]
    public int PageNumber { get; set; } = 1;

    public IReadOnlyList<AuditEvent> Events { get; private set; } = [];

    public bool HasMore { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        if (await FilteredAsync() is not { } query)
        {
            return Page();
        }

        var paging = Paging.Clamp(PageNumber, PageSize);
        PageNumber = paging.Page;
        var rows = await query.OrderByDescending(e => e.Id).Skip(paging.Skip).Take(PageSize + 1).ToListAsync(HttpContext.RequestAborted);
        HasMore = rows.Count > PageSize;
        Events = rows.Take(PageSize).ToList();
        var ids = Events.SelectMany(e => new[] { e.UserId, e.ActorId }).OfType<string>().Distinct().ToList();
        UserNames = await db.Users.AsNoTracking().Where(u => ids.Contains(u.Id) && u.UserName != null)
            .ToDictionaryAsync(u => u.Id, u => u.UserName!, HttpContext.RequestAborted);
        return Page();
    }

    /// <summary>The filtered events as CSV (RFC 4180), newest first, at most 100,000 rows. The export itself is an audit event.</summary>
    public async Task<IActionResult> OnGetCsvAsync()
    {
        if (await FilteredAsync() is not { } query)
        {
            return Page();
        }

        var csv = new StringBuilder("time,event_type,user_id,outcome,reason,method,client_ip,user_agent,actor_id,trace_id\r\n");
        var rows = 0;
        await foreach (var e in query.OrderByDescending(e => e.Id).Take(MaximumExport).AsAsyncEnumerable().WithCancellation(HttpContext.RequestAborted))
        {
            csv.AppendJoin(',', [e.Time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture), Field(e.EventType), Field(e.UserId), Field(e.Outcome), Field(e.Reason), Field(e.Method), Field(e.ClientIp), Field(e.UserAgent), Field(e.ActorId), Field(e.TraceId)]).Append("\r\n");
            rows++;
        }

        var filters = string.Join(' ', Filters().Select(f => $"{f.Key}={f.Value}"));
        await audit.WriteAsync(AuditEventTypes.AdminAuditExported, null, AuditLog.Success, $"{rows} rows {filters}".Trim(), HttpContext.RequestAborted);

        return File(Encoding.UTF8.GetBytes(csv.ToString()), "text/csv; charset=utf-8", "audit.csv");
    }

    public string Link(int page) => "/admin/audit" + QueryString.Create(Filters().Append(new("p", page.ToString(CultureInfo.InvariantCulture))));

    public string CsvLink => "/admin/audit" + QueryString.Create(Filters().Append(new("handler", "Csv")));

    private IEnumerable<KeyValuePair<string, string?>> Filters()
    {
        foreach (var (key, value) in new[] { ("From", From), ("To", To), ("user", UserId), ("actor", ActorId), ("type", EventType), ("Outcome", Outcome), ("ip", ClientIp) })
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                yield return new(key, value);
            }
        }
    }

    private async Task<IQueryable<AuditEvent>?> FilteredAsync()
    {
        var from = FromTime = Time(From, nameof(From));
        var to = ToTime = Time(To, nameof(To));
        var user = await UserIdAsync(UserId);
        var filter = new AuditFilter(from, to, user, EventType, Outcome, ClientIp, ActorId);
        foreach (var (field, message) in filter.Problems())
        {
            ModelState.AddModelError(field switch
            {
                "from" => nameof(From),
                "outcome" => nameof(Outcome),
                _ => field,
            }, field switch
            {
                "from" => texts["The start of the period is after its end."],
                "outcome" => texts["Outcome is success or failure."],
                _ => texts["This filter is too long."],
            });
        }

        return ModelState.IsValid ? filter.Apply(db.Set<AuditEvent>().AsNoTracking()) : null;
    }

    /// <summary>
    /// A typed time: <c>datetime-local</c> input ("2026-11-30T14:00") is read in <see cref="Zone"/>; a time with an
    /// offset ("…Z", "…+01:00") is taken as it is. Anything else is an error under the field.
    /// </summary>
    private DateTimeOffset? Time(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var text = value.Trim();
        if (text.Length <= 40 && (text.EndsWith('Z') || text.LastIndexOfAny(['+', '-']) > 10)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var exact))
        {
            return exact;
        }

        if (text.Length <= 40 && DateTime.TryParseExact(text, ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd"],
                CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
            if (Zone.IsInvalidTime(local))
            {
                // A time skipped by a clock change: the hour after it.
                local = local.AddHours(1);
            }

            return new DateTimeOffset(local, Zone.GetUtcOffset(local)).ToUniversalTime();
        }

        ModelState.AddModelError(field, texts["Enter a date and time, for example 2026-11-30 14:00."]);
        return null;
    }

    /// <summary>The user filter as an id: a username or email names its user; anything else is taken as an id.</summary>
    private async Task<string?> UserIdAsync(string? value)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > 450)
        {
            return value;
        }

        var text = value.Trim();
        var normalized = text.ToUpperInvariant();
        var found = await db.Users.AsNoTracking()
            .Where(u => u.Id == text || u.NormalizedUserName == normalized || u.NormalizedEmail == normalized)
            .OrderBy(u => u.Id).Select(u => new { u.Id, ById = u.Id == text }).Take(2).ToListAsync(HttpContext.RequestAborted);
        return found.FirstOrDefault(u => u.ById)?.Id ?? (found.Count == 1 ? found[0].Id : text);
    }

    /// <summary>The name of a user id on this page: the username, else the id's start.</summary>
    public string NameOf(string id) => UserNames.TryGetValue(id, out var name) ? name : id[..Math.Min(8, id.Length)];

    /// <summary>A CSV field: quoted when needed, and never starting like a spreadsheet formula.</summary>
    internal static string Field(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
