using System.Net;
using IdentityProvider.Testing;

namespace IdentityProvider.IntegrationTests.Lockout;

/// <summary>A browser on one node: keeps its cookies (the familiar-device cookie among them) and the login form.</summary>
internal sealed class SignInBrowser(IdentityProviderHost node, CookieContainer? cookies = null) : IDisposable
{
    private readonly HttpClient client = node.CreateClient(followRedirects: true, cookies ?? new CookieContainer());
    private string? token;

    /// <summary>Loads the login form once; parallel posts then share its anti-forgery token and cookie.</summary>
    public async Task PrepareAsync()
    {
        using var page = await client.GetAsync(new Uri("Account/Login", UriKind.Relative));
        token = HtmlForms.Parse(await page.Content.ReadAsStringAsync())
            .QuerySelector($"input[name='{HtmlForms.AntiforgeryField}']")!.GetAttribute("value");
    }

    public async Task<(HttpStatusCode Status, string Html, HttpResponseMessage Response)> SignInAsync(string userName, string password)
    {
        if (token is null)
        {
            await PrepareAsync();
        }

        var response = await client.PostAsync(new Uri("Account/Login", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Input.UserName"] = userName,
            ["Input.Password"] = password,
            [HtmlForms.AntiforgeryField] = token!,
        }));
        if (response.RequestMessage!.RequestUri!.AbsolutePath != "/Account/Login")
        {
            token = null; // signed in: the anonymous anti-forgery token no longer applies
        }

        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    public async Task SignOutAsync()
    {
        using var page = await client.GetAsync(new Uri("Account/Logout", UriKind.Relative));
        if (page.RequestMessage!.RequestUri!.AbsolutePath == "/Account/Logout")
        {
            (await HtmlForms.SubmitAsync(client, page, new Dictionary<string, string>())).Dispose();
        }

        token = null;
    }

    public void Dispose() => client.Dispose();
}
