using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace IdentityProvider.EndToEndTests;

/// <summary>Small steps the browser stories share.</summary>
public static class UserStories
{
    /// <summary>Runs axe on the page (WCAG 2.x A and AA rules) and fails with every violation listed.</summary>
    public static async Task AssertAccessibleAsync(IPage page)
    {
        var result = await page.RunAxe(new AxeRunOptions
        {
            RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] },
        });
        var violations = result.Violations.Select(v => $"{v.Id}: {v.Help} ({string.Join(", ", v.Nodes.Select(n => n.Html))})").ToList();
        Assert.True(violations.Count == 0, $"axe found {violations.Count} violation(s) on {page.Url}:\n" + string.Join("\n", violations));
    }

    /// <summary>Fails when the document is wider than the viewport (the page would scroll sideways).</summary>
    public static async Task AssertFitsAsync(IPage page)
    {
        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
        if (widths[0] > widths[1])
        {
            // Name the elements that stick out and have no child that does: where the fix belongs.
            var culprits = await page.EvaluateAsync<string[]>("""
                () => [...document.body.querySelectorAll("*")]
                    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                    .filter(e => ![...e.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 1))
                    .slice(0, 5)
                    .map(e => `${e.tagName.toLowerCase()}${e.id ? "#" + e.id : ""}${e.className ? "." + String(e.className).trim().replace(/\s+/g, ".") : ""} (${Math.round(e.getBoundingClientRect().right)} px): ${(e.textContent || "").trim().slice(0, 60)}`)
                """);
            Assert.Fail($"{page.Url} is {widths[0]} px wide in a {widths[1]} px viewport. Sticking out:\n" + string.Join("\n", culprits));
        }
    }

    /// <summary>
    /// At 375 px (a phone) and at 1280 px: the page fits the viewport. axe runs once, at 375 px, where its layout rules
    /// (target size, reflow) are hardest to meet; its other rules do not depend on the width. Ends at 1280 px.
    /// </summary>
    public static async Task AssertFitsPhoneAndDesktopAsync(IPage page)
    {
        foreach (var width in new[] { 375, 1280 })
        {
            await page.SetViewportSizeAsync(width, 800);
            await AssertFitsAsync(page);
            if (width == 375)
            {
                await AssertAccessibleAsync(page);
            }
        }
    }

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactsDirectory, name + ".png"), FullPage = true });
}
