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
public sealed class IndexModel(ApplicationDbContext db, AuditLog audit) : PageModel
{
    public const int PageSize = 100;
    public const int MaximumExport = 100_000;

    [BindProperty(SupportsGet = true)]
    public DateTimeOffset? From { get; set; }

    [BindProperty(SupportsGet = true)]
    public DateTimeOffset? To { get; set; }

    [BindProperty(SupportsGet = true, Name = "user")]
    public string? UserId { get; set; }

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
        if (Filtered() is not { } query)
        {
            return Page();
        }

        var paging = Paging.Clamp(PageNumber, PageSize);
        PageNumber = paging.Page;
        var rows = await query.OrderByDescending(e => e.Id).Skip(paging.Skip).Take(PageSize + 1).ToListAsync(HttpContext.RequestAborted);
        HasMore = rows.Count > PageSize;
        Events = rows.Take(PageSize).ToList();
        return Page();
    }

    /// <summary>The filtered events as CSV (RFC 4180), newest first, at most 100,000 rows. The export itself is an audit event.</summary>
    public async Task<IActionResult> OnGetCsvAsync()
    {
        if (Filtered() is not { } query)
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
        if (From is { } from)
        {
            yield return new("From", from.ToString("O", CultureInfo.InvariantCulture));
        }

        if (To is { } to)
        {
            yield return new("To", to.ToString("O", CultureInfo.InvariantCulture));
        }

        foreach (var (key, value) in new[] { ("user", UserId), ("actor", ActorId), ("type", EventType), ("Outcome", Outcome), ("ip", ClientIp) })
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                yield return new(key, value);
            }
        }
    }

    private IQueryable<AuditEvent>? Filtered()
    {
        var filter = new AuditFilter(From, To, UserId, EventType, Outcome, ClientIp, ActorId);
        foreach (var (field, message) in filter.Problems())
        {
            ModelState.AddModelError(field, message);
        }

        return ModelState.IsValid ? filter.Apply(db.Set<AuditEvent>().AsNoTracking()) : null;
    }

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
