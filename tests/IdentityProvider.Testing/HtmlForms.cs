using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;

namespace IdentityProvider.Testing;

/// <summary>Reads a page's form the way a browser would, so tests post exactly what the page offers.</summary>
public static class HtmlForms
{
    public const string AntiforgeryField = "__RequestVerificationToken";

    public static IHtmlDocument Parse(string html) => new HtmlParser().ParseDocument(html);

    /// <summary>Fills the first form (or the one matched by <paramref name="selector"/>) and posts it.</summary>
    public static async Task<HttpResponseMessage> SubmitAsync(
        HttpClient client,
        HttpResponseMessage page,
        IDictionary<string, string> values,
        string selector = "form",
        string? submitName = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(values);
        var html = await page.Content.ReadAsStringAsync();
        var document = Parse(html);
        var form = document.QuerySelector(selector) as IHtmlFormElement
            ?? throw new InvalidOperationException($"No form matches '{selector}' on {page.RequestMessage?.RequestUri}.");

        var fields = new List<KeyValuePair<string, string>>();
        foreach (var input in form.QuerySelectorAll("input[name]").OfType<IHtmlInputElement>())
        {
            if (input.Type is "checkbox" or "radio" && !input.IsChecked)
            {
                continue;
            }

            if (input.Type is "submit")
            {
                continue;
            }

            fields.Add(new(input.Name!, input.Value));
        }

        foreach (var (name, value) in values)
        {
            fields.RemoveAll(f => f.Key == name);
            fields.Add(new(name, value));
        }

        var action = form.GetAttribute("action");
        var button = submitName is null ? null : form.QuerySelectorAll("button").OfType<IHtmlButtonElement>()
            .FirstOrDefault(b => b.TextContent.Trim() == submitName);
        action = button?.GetAttribute("formaction") ?? action;
        var target = string.IsNullOrEmpty(action) ? page.RequestMessage!.RequestUri! : new Uri(page.RequestMessage!.RequestUri!, action);
        return await client.PostAsync(target, new FormUrlEncodedContent(fields));
    }

    /// <summary>Opens the real login page and signs in with it; the client keeps the session cookie.</summary>
    public static async Task SignInAsync(HttpClient client, string userName, string password)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var loginPage = await client.GetAsync(new Uri("Account/Login", UriKind.Relative));
        (await SignInAsync(client, loginPage, userName, password)).Dispose();
    }

    /// <summary>Signs in through the real login page that <paramref name="loginPage"/> shows.</summary>
    public static Task<HttpResponseMessage> SignInAsync(HttpClient client, HttpResponseMessage loginPage, string userName, string password, bool rememberMe = false)
    {
        var values = new Dictionary<string, string> { ["Input.UserName"] = userName, ["Input.Password"] = password };
        if (rememberMe)
        {
            values["Input.RememberMe"] = "true";
        }

        return SubmitAsync(client, loginPage, values);
    }
}
