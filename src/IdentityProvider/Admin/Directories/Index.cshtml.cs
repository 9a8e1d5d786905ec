using IdentityProvider.Audit;
using IdentityProvider.Directories;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Polly.CircuitBreaker;

namespace IdentityProvider.Admin.Directories;

/// <summary>
/// The on-premises directories: where each is, what this product may write there, whether it answers (a test-connection
/// button), its last sync (and a sync-now button), and how many users it manages. Settings live in configuration
/// (<c>Directories:Connections</c>); the bind password is never shown.
/// </summary>
[Authorize(Policy = AdminPolicies.SettingsPolicy)]
public sealed class IndexModel(DirectoryRegistry registry, DirectorySynchronizer synchronizer, Data.ApplicationDbContext db, AuditLog audit, Microsoft.Extensions.Localization.IStringLocalizer<AdminText> texts) : PageModel
{
    public IReadOnlyList<DirectoryView> Directories { get; private set; } = [];

    public string? Message { get; private set; }

    public DirectoryTest? Test { get; private set; }

    public async Task OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnPostTestAsync(string name)
    {
        if (registry.Find(name) is not { } directory)
        {
            return NotFound();
        }

        Test = await directory.TestAsync(HttpContext.RequestAborted);
        await audit.WriteAsync(AuditEventTypes.AdminDirectoryTested, null, Test.Succeeded ? AuditLog.Success : AuditLog.Failure, $"{directory.Name}: {Test.Detail}", cancellationToken: HttpContext.RequestAborted);
        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostSyncAsync(string name)
    {
        if (registry.Find(name) is not { } directory)
        {
            return NotFound();
        }

        var result = await synchronizer.SyncAsync(directory.Name, HttpContext.RequestAborted);
        Message = result is null ? texts["{0} is being synced by another node right now; look again in a minute.", directory.Name] : $"{directory.Name}: {result.Summary}";
        await LoadAsync();
        return Page();
    }

    private async Task LoadAsync()
    {
        var states = (await synchronizer.StatesAsync(HttpContext.RequestAborted)).ToDictionary(s => s.Name, StringComparer.OrdinalIgnoreCase);
        var counts = await db.Users.Where(u => u.DirectoryName != null).GroupBy(u => u.DirectoryName!)
            .Select(g => new { Name = g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Name, g => g.Count, HttpContext.RequestAborted);
        Directories = [.. registry.All.Select(d => new DirectoryView(d.Options, d.Circuit, states.GetValueOrDefault(d.Name), counts.GetValueOrDefault(d.Name)))];
    }
}

/// <summary>One directory on the page.</summary>
public sealed record DirectoryView(DirectoryOptions Options, CircuitState Circuit, DirectorySyncState? LastSync, int Users)
{
    public string Status => Circuit switch
    {
        CircuitState.Open or CircuitState.Isolated => "Not answering: calls are paused for a moment",
        CircuitState.HalfOpen => "Not answering lately: the next call is a trial",
        _ => "No recent failures (Test connection checks it now)",
    };
}
