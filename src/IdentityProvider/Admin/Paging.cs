using System.Globalization;

namespace IdentityProvider.Admin;

/// <summary>
/// A page of a list: the page number (from 1) and the page size, bounded before any arithmetic so that the offset
/// <c>(page - 1) × size</c> and the end <c>page × size</c> always fit. The API refuses numbers out of range (<see cref="Check"/>); the admin pages
/// show the nearest page there is (<see cref="Clamp"/>).
/// </summary>
public readonly record struct Paging(int Page, int PageSize)
{
    /// <summary>The largest page size any list offers.</summary>
    public const int MaximumPageSize = 200;

    /// <summary>The rows before this page.</summary>
    public int Skip => (Page - 1) * PageSize;

    /// <summary>The highest page number for which <c>page × size</c> fits in an int (10,737,418 at 200 a page).</summary>
    public static int LastPage(int pageSize) => int.MaxValue / pageSize;

    /// <summary>The API's paging check: the field in error and why, or null (and <paramref name="paging"/>) when both are in range.</summary>
    public static (string Field, string Message)? Check(int page, int pageSize, out Paging paging)
    {
        paging = default;
        if (pageSize is < 1 or > MaximumPageSize)
        {
            return ("pageSize", $"Page size is 1 to {MaximumPageSize}.");
        }

        var last = LastPage(pageSize);
        if (page < 1 || page > last)
        {
            return ("page", string.Create(CultureInfo.InvariantCulture, $"Pages count from 1 to {last:N0} at {pageSize} a page."));
        }

        paging = new Paging(page, pageSize);
        return null;
    }

    /// <summary>The page numbered <paramref name="page"/>, or the nearest one whose offset fits (for the admin pages' links).</summary>
    public static Paging Clamp(int page, int pageSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        return new Paging(Math.Clamp(page, 1, LastPage(pageSize)), pageSize);
    }
}
