using IdentityProvider.Data;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace IdentityProvider.Admin.Users;

/// <summary>Find users by username, email or name, a page at a time (ordered by username, keyed for stable paging).</summary>
[Authorize(Policy = AdminPolicies.UsersPolicy)]
public sealed class IndexModel(ApplicationDbContext db, TimeProvider time, Microsoft.Extensions.Localization.IStringLocalizer<AdminText> texts) : PageModel
{
    public const int PageSize = 50;

    [BindProperty(SupportsGet = true, Name = "q")]
    public string? Query { get; set; }

    [BindProperty(SupportsGet = true, Name = "p")]
    public int PageNumber { get; set; } = 1;

    public IReadOnlyList<UserRow> Rows { get; private set; } = [];

    public int Total { get; private set; }

    public int Pages => Math.Max(1, (Total + PageSize - 1) / PageSize);

    public async Task<IActionResult> OnGetAsync()
    {
        if (Query is { Length: > 200 })
        {
            ModelState.AddModelError("q", texts["Search for at most 200 characters."]);
            Query = null;
        }

        var users = UserSearch.Filter(db.Users.AsNoTracking(), Query);
        Total = await users.CountAsync(HttpContext.RequestAborted);
        var paging = Paging.Clamp(Math.Min(PageNumber, Pages), PageSize);
        PageNumber = paging.Page;
        Rows = await users.OrderBy(u => u.NormalizedUserName).ThenBy(u => u.Id)
            .Skip(paging.Skip).Take(PageSize)
            .Select(u => new UserRow(u.Id, u.UserName!, (u.GivenName ?? string.Empty) + " " + (u.FamilyName ?? string.Empty), u.Email, u.IsEnabled, u.LockoutEnd))
            .ToListAsync(HttpContext.RequestAborted);
        return Page();
    }

    public DateTimeOffset Now => time.GetUtcNow();

    public string PageLink(int page) => $"/admin/users?p={page}" + (string.IsNullOrWhiteSpace(Query) ? string.Empty : "&q=" + Uri.EscapeDataString(Query));
}

public sealed record UserRow(string Id, string UserName, string Name, string? Email, bool Enabled, DateTimeOffset? LockoutEnd);
