using IdentityProvider.Data;

namespace IdentityProvider.Audit;

/// <summary>Writes audit events with the request's client IP and user agent.</summary>
public sealed class AuditLog(ApplicationDbContext db, IHttpContextAccessor http, TimeProvider time)
{
    public const string Success = "success";
    public const string Failure = "failure";

    /// <summary>Adds the event to the unit of work; it is saved with the caller's next SaveChanges.</summary>
    public void Add(string eventType, string? userId, string outcome, string? reason = null, string? method = null)
    {
        var context = http.HttpContext;
        var userAgent = context?.Request.Headers.UserAgent.ToString();
        db.Add(new AuditEvent
        {
            Time = time.GetUtcNow(),
            EventType = eventType,
            UserId = userId,
            Outcome = outcome,
            Reason = reason,
            Method = method,
            ClientIp = context?.Connection.RemoteIpAddress?.ToString(),
            UserAgent = string.IsNullOrEmpty(userAgent) ? null : userAgent[..Math.Min(userAgent.Length, 256)],
        });
    }

    /// <summary>Saves the events added so far.</summary>
    public Task SaveAsync(CancellationToken cancellationToken = default) => db.SaveChangesAsync(cancellationToken);

    /// <summary>Adds and saves the event at once.</summary>
    public async Task WriteAsync(string eventType, string? userId, string outcome, string? reason = null, CancellationToken cancellationToken = default)
    {
        Add(eventType, userId, outcome, reason);
        await db.SaveChangesAsync(cancellationToken);
    }
}

internal static class AuditExtensions
{
    public static WebApplicationBuilder AddAudit(this WebApplicationBuilder builder)
    {
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddScoped<AuditLog>();
        return builder;
    }
}
