using System.Net;

namespace IdentityProvider.Testing;

/// <summary>
/// Walks the reset journey through the real pages as a browser would: reads each page's form and posts it, keeps the
/// cookies, follows redirects. The CAPTCHA is answered through its accessible question.
/// </summary>
public sealed class RecoveryBrowser(IdentityProviderHost host, CookieContainer? cookies = null) : IDisposable
{
    public CookieContainer Cookies { get; } = cookies ?? new CookieContainer();

    private HttpClient? client;

    public HttpClient Client => client ??= host.CreateClient(cookies: Cookies);

    /// <summary>The last page shown.</summary>
    public HttpResponseMessage Page { get; private set; } = null!;

    public string Html { get; private set; } = string.Empty;

    public string Path => Page.RequestMessage!.RequestUri!.AbsolutePath;

    public async Task<RecoveryBrowser> OpenAsync(string url)
    {
        // A path on the identity provider, or an absolute address (a relying app's page).
        var address = Uri.TryCreate(url, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https" ? absolute : new Uri(url.TrimStart('/'), UriKind.Relative);
        await ShowAsync(await Client.GetAsync(address));
        return this;
    }

    /// <summary>Start page: the user ID and the CAPTCHA question's answer (or <paramref name="captchaAnswer"/>).</summary>
    public async Task<RecoveryBrowser> StartAsync(string userId, string? returnUrl = null, string? captchaAnswer = null)
    {
        await OpenAsync("recover?captcha=question" + (returnUrl is null ? string.Empty : "&returnUrl=" + Uri.EscapeDataString(returnUrl)));
        var question = HtmlForms.Parse(Html).QuerySelector("label[for='Input_CaptchaAnswer']")!.TextContent.Trim();
        return await SubmitAsync(new() { ["Input.UserId"] = userId, ["Input.CaptchaAnswer"] = captchaAnswer ?? RecoveryData.AnswerCaptchaQuestion(question) });
    }

    public Task<RecoveryBrowser> ChooseReasonAsync(string reason = "ForgotPassword") => SubmitAsync(new() { ["Choice"] = reason });

    public Task<RecoveryBrowser> ChooseMethodAsync(string method) => SubmitAsync(new() { ["Method"] = method }, "Choose");

    public Task<RecoveryBrowser> EnterCodeAsync(string code) => SubmitAsync(new() { ["Code"] = code }, "Code");

    public Task<RecoveryBrowser> EnterAppCodeAsync(string code) => SubmitAsync(new() { ["Code"] = code }, "App");

    public Task<RecoveryBrowser> EnterMobileNumberAsync(string number) => SubmitAsync(new() { ["PhoneNumber"] = number }, "Phone");

    public Task<RecoveryBrowser> ResendAsync() => SubmitAsync([], "Resend");

    /// <summary>Answers the questions on the page from <paramref name="answers"/> (question id → answer).</summary>
    public Task<RecoveryBrowser> AnswerQuestionsAsync(IReadOnlyDictionary<string, string> answers)
    {
        var values = new Dictionary<string, string>();
        foreach (var input in HtmlForms.Parse(Html).QuerySelectorAll("input[name^='Answers[']"))
        {
            var name = input.GetAttribute("name")!;
            values[name] = answers.TryGetValue(name["Answers[".Length..^1], out var answer) ? answer : "no idea";
        }

        return SubmitAsync(values, "Answers");
    }

    public IReadOnlyList<string> QuestionIds => [.. HtmlForms.Parse(Html).QuerySelectorAll("input[name^='Answers[']").Select(i => i.GetAttribute("name")!["Answers[".Length..^1])];

    /// <summary>Answers the second-factor page of sign-in with <paramref name="code"/> (from the app, sent, or a backup code).</summary>
    public Task<RecoveryBrowser> EnterSecondFactorAsync(string code, bool rememberBrowser = false) =>
        SubmitAsync(rememberBrowser ? new() { ["Code"] = code, ["RememberBrowser"] = "true" } : new() { ["Code"] = code }, "Verify");

    public Task<RecoveryBrowser> NewPasswordAsync(string password, string? confirm = null) =>
        SubmitAsync(new() { ["Input.NewPassword"] = password, ["Input.ConfirmPassword"] = confirm ?? password });

    /// <summary>
    /// Posts the page's form (the one for <paramref name="handler"/>, if given) with <paramref name="values"/>, through
    /// the submit button named <paramref name="button"/> when given (which may post elsewhere with <c>formaction</c>).
    /// </summary>
    public async Task<RecoveryBrowser> SubmitAsync(Dictionary<string, string> values, string? handler = null, string? button = null)
    {
        var selector = handler is null ? "main form" : $"form[action*='handler={handler}']";
        await ShowAsync(await HtmlForms.SubmitAsync(Client, Page, values, selector, button));
        return this;
    }

    /// <summary>The form body the page's form would post (for building parallel submissions).</summary>
    public FormUrlEncodedContent FormContent(Dictionary<string, string> values, string? handler = null)
    {
        var selector = handler is null ? "main form" : $"form[action*='handler={handler}']";
        var form = HtmlForms.Parse(Html).QuerySelector(selector)!;
        var fields = form.QuerySelectorAll("input[name]").Where(i => i.GetAttribute("type") is not ("radio" or "checkbox" or "submit"))
            .Select(i => new KeyValuePair<string, string>(i.GetAttribute("name")!, i.GetAttribute("value") ?? string.Empty))
            .Where(f => !values.ContainsKey(f.Key)).Concat(values).ToList();
        return new FormUrlEncodedContent(fields);
    }

    public Uri FormAction(string? handler = null)
    {
        var selector = handler is null ? "main form" : $"form[action*='handler={handler}']";
        var action = HtmlForms.Parse(Html).QuerySelector(selector)!.GetAttribute("action");
        return new Uri(Page.RequestMessage!.RequestUri!, string.IsNullOrEmpty(action) ? Page.RequestMessage.RequestUri!.PathAndQuery : action);
    }

    /// <summary>The page's text as a reader sees it (entities decoded).</summary>
    public string Text => HtmlForms.Parse(Html).Body?.TextContent ?? string.Empty;

    public string Heading => HtmlForms.Parse(Html).QuerySelector("h1")?.TextContent.Trim() ?? string.Empty;

    public string Alert => string.Join(" ", HtmlForms.Parse(Html).QuerySelectorAll("[role=alert], [role=status]").Select(a => a.TextContent.Trim()));

    public void Dispose()
    {
        client?.Dispose();
        Page?.Dispose();
    }

    private async Task ShowAsync(HttpResponseMessage response)
    {
        Page?.Dispose();
        Page = response;
        Html = await response.Content.ReadAsStringAsync();
        // A 500 is a bug; a 503 is a deliberate answer (overload, an outage) that tests read like any page.
        if (response.StatusCode == System.Net.HttpStatusCode.InternalServerError)
        {
            throw new InvalidOperationException($"{response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}:\n{Html}");
        }
    }
}

public static class RecoveryBrowserExtensions
{
    /// <summary>"Send again" once the ten seconds have passed on <paramref name="clock"/>.</summary>
    public static async Task<RecoveryBrowser> ResendAsyncAfter(this RecoveryBrowser browser, Microsoft.Extensions.Time.Testing.FakeTimeProvider clock)
    {
        clock.Advance(TimeSpan.FromSeconds(11));
        return await browser.ResendAsync();
    }
}
