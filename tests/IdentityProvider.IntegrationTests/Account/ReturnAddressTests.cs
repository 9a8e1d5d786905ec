using System.Net;
using System.Text;
using IdentityProvider.IntegrationTests.Admin;
using IdentityProvider.IntegrationTests.SelfService;
using IdentityProvider.Testing;
using Microsoft.AspNetCore.WebUtilities;

namespace IdentityProvider.IntegrationTests.Account;

/// <summary>The server with a sign-in limit per network high enough for one client to sign in once per hostile value.</summary>
public sealed class ReturnAddressFixture : RecoveryFixture
{
    protected override void Configure(TestServerOptions server)
    {
        base.Configure(server);
        server.Settings["Lockout:SignInPerIpLimit"] = "100000";
    }
}

/// <summary>
/// Every page and endpoint that takes a return address, walked with one shared list of hostile values: no redirect
/// (<c>Location</c>) and no link or form in the page may lead off this server, except to a redirect URI that a client
/// registered exactly, query included.
/// </summary>
public sealed class ReturnAddressTests(ReturnAddressFixture fixture) : IClassFixture<ReturnAddressFixture>
{
    private const string ClientId = "return-app";
    private const string Registered = "https://app.example/callback?tenant=a";
    private const string RegisteredSignOut = "https://app.example/signed-out";

    private IdentityProviderHost Idp => fixture.Idp;

    /// <summary>Addresses elsewhere, tricks that look local, near-misses of the registered URI, and malformed values.</summary>
    public static IReadOnlyList<string> Hostile { get; } =
    [
        "https://evil.example/", "http://evil.example", "//evil.example", "///evil.example", "//evil.example/%2F..", "/\\evil.example", "\\\\evil.example",
        "\\/evil.example", "/\\/evil.example", "/%5Cevil.example", "%2F%2Fevil.example", "/%2F/evil.example", "https:%2F%2Fevil.example", "https:evil.example",
        "~//evil.example", "~/\\evil.example", "javascript:alert(1)", "JaVaScRiPt:alert(document.cookie)", " javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)",
        Registered + "&x=1", "https://app.example/other?x=1", "https://app.example/other?", "https://app.example/callback?tenant=b", "https://app.example/callback", Registered.ToUpperInvariant(),
        "https://app.example/Callback?tenant=a", "https://app.example/callback/?tenant=a", Registered + "/", Registered + "#fragment", " " + Registered,
        Registered + " ", "https://app.example@evil.example/callback?tenant=a", "https://evil.example\\@app.example/callback?tenant=a",
        "https://app.example.evil.example/callback?tenant=a", "https://app.example%2F@evil.example/", "https://app.example:443@evil.example/",
        "/" + new string('a', 5000), Registered + new string('a', 3000), "/\t/evil.example", "/\r\n/evil.example", "\u0000https://evil.example",
        "/%0d%0aLocation:%20https://evil.example", "/\u3000/evil.example", "\uff0f\uff0fevil.example", "https://\uff45\uff56\uff49\uff4c.example/",
        "//evil\u3002example", "https://app.exam\u0440le/callback?tenant=a", "/caf\u00e9", "http://127.0.0.1:1/", "http://[::1]:1/",
    ];

    [Fact]
    public async Task EveryPageThatTakesAReturnAddress_NeverSendsTheBrowserOffTheServer_ExceptToAnExactlyRegisteredUri()
    {
        await TestData.RegisterClientAsync(Idp, ClientId, new Uri(Registered), new Uri(RegisteredSignOut), secret: null,
            OpenIddict.Abstractions.OpenIddictConstants.ConsentTypes.Implicit, new Uri("https://app.example/other"));
        var user = await TestData.CreateUserAsync(Idp);
        var (_, staff) = await StaffSession.StartAsync(Idp, "Helpdesk");
        using var _ = staff;
        var signedIn = await SignedInClientAsync(user.UserName!);
        using var anonymous = Idp.CreateClient(followRedirects: false);
        using var staffClient = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = staff.Cookies }) { BaseAddress = Idp.BaseAddress };
        var (_, challenge) = AuthorizationCodeClient.NewPkce();
        var failures = new List<string>();
        var probes = 0;

        async Task CheckAsync(string probe, string value, HttpResponseMessage response)
        {
            probes++;
            foreach (var (sink, address) in await SinksAsync(response))
            {
                if (!StaysHere(address) && !IsRegisteredAnswer(address))
                {
                    failures.Add($"{probe} with {Show(value)}: {sink} leads to {Show(address)}");
                }
            }
        }

        foreach (var value in Hostile)
        {
            // Sign-in: the page's links and the redirect after a right password (the address posted raw, as an attacker would).
            using (var page = await anonymous.GetAsync(With("Account/Login", ("ReturnUrl", value))))
            {
                await CheckAsync("sign-in page", value, page);
                using var client = Idp.CreateClient(followRedirects: false);
                using var form = await client.GetAsync(new Uri("Account/Login", UriKind.Relative));
                using var posted = await HtmlForms.SubmitAsync(client, form, new Dictionary<string, string>
                {
                    ["Input.UserName"] = user.UserName!, ["Input.Password"] = TestData.Password, ["ReturnUrl"] = value,
                });
                Assert.True((int)posted.StatusCode < 500, $"Signing in with {Show(value)} answered {(int)posted.StatusCode}.");
                await CheckAsync("sign-in post", value, posted);
            }

            // "Can't access your account?": the start page, then the page a started journey shows (its "sign in" link).
            using (var start = await anonymous.GetAsync(With("recover", ("returnUrl", value), ("captcha", "question"))))
            {
                await CheckAsync("recovery start page", value, start);
                await CheckAsync("recovery journey", value, await StartJourneyAsync(value));
            }

            // Change password: local return and cancel addresses, and the hosted page's registered return URI.
            using (var change = await signedIn.GetAsync(With("Account/ChangePassword", ("returnUrl", value), ("cancelUrl", value))))
            {
                await CheckAsync("change-password page", value, change);
                if (change.StatusCode == HttpStatusCode.OK)
                {
                    using var cancelled = await HtmlForms.SubmitAsync(signedIn, change, new Dictionary<string, string> { ["ReturnUrl"] = value, ["CancelUrl"] = value }, "main form", "Cancel");
                    await CheckAsync("change-password cancel", value, cancelled);
                }
            }

            using (var hosted = await signedIn.GetAsync(With("Account/ChangePassword", ("client_id", ClientId), ("return_uri", value), ("state", "s"))))
            {
                await CheckAsync("hosted change-password page", value, hosted);
                using var cancelled = await PostWithTokenAsync(signedIn, hosted, With("Account/ChangePassword", ("handler", "Cancel"), ("client_id", ClientId), ("return_uri", value), ("state", "s")));
                await CheckAsync("hosted change-password cancel", value, cancelled);
            }

            // Security info (the sign-in's registration step) and re-entering the password.
            using (var info = await signedIn.GetAsync(With("Account/SecurityInfo", ("step", "reconfirm"), ("returnUrl", value))))
            {
                await CheckAsync("security-info page", value, info);
                using var skipped = await PostWithTokenAsync(signedIn, info, With("Account/SecurityInfo", ("handler", "Skip"), ("step", "reconfirm"), ("returnUrl", value)));
                await CheckAsync("security-info skip", value, skipped);
            }

            using (var reauthenticate = await signedIn.GetAsync(With("Account/Reauthenticate", ("returnUrl", value))))
            {
                await CheckAsync("re-authentication page", value, reauthenticate);
                if (reauthenticate.StatusCode == HttpStatusCode.OK)
                {
                    using var proved = await HtmlForms.SubmitAsync(signedIn, reauthenticate, new Dictionary<string, string> { ["Password"] = TestData.Password, ["ReturnUrl"] = value });
                    await CheckAsync("re-authentication post", value, proved);
                }
            }

            // Sign-out (asked when signed in, done at once otherwise), the forced change, the expiry warning, consent, the admin step-up.
            using (var logoutPage = await signedIn.GetAsync(With("Account/Logout", ("returnUrl", value))))
            using (var loggedOut = await anonymous.GetAsync(With("Account/Logout", ("returnUrl", value))))
            using (var forced = await anonymous.GetAsync(With("Account/ForcedChange", ("returnUrl", value))))
            using (var expiring = await signedIn.GetAsync(With("Account/PasswordExpiring", ("days", "3"), ("returnUrl", value))))
            using (var consent = await signedIn.GetAsync(With("Account/Consent", ("returnUrl", value))))
            using (var verify = await staffClient.GetAsync(With("admin/verify", ("returnUrl", value))))
            {
                await CheckAsync("sign-out page", value, logoutPage);
                await CheckAsync("sign-out", value, loggedOut);
                await CheckAsync("forced change", value, forced);
                await CheckAsync("expiry warning", value, expiring);
                await CheckAsync("consent", value, consent);
                await CheckAsync("admin step-up", value, verify);
            }

            // The protocol's own return addresses: the redirect URI of an authorization request, the post-logout address.
            using (var authorize = await signedIn.GetAsync(With("connect/authorize",
                ("client_id", ClientId), ("response_type", "code"), ("scope", "openid"), ("redirect_uri", value),
                ("code_challenge", challenge), ("code_challenge_method", "S256"), ("state", "s"))))
            using (var endSession = await anonymous.GetAsync(With("connect/endsession", ("client_id", ClientId), ("post_logout_redirect_uri", value))))
            {
                await CheckAsync("authorization request", value, authorize);
                await CheckAsync("end session", value, endSession);
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {probes} answers lead off the server:\n" + string.Join('\n', failures.Take(60)));

        // The registered address itself is honoured, so the walk above did not pass by refusing everything.
        using var journey = await StartJourneyAsync(Registered);
        Assert.Contains(await SinksAsync(journey), s => s.Address == Registered);
        using var hostedPage = await signedIn.GetAsync(With("Account/ChangePassword", ("client_id", ClientId), ("return_uri", Registered), ("state", "s")));
        using var back = await PostWithTokenAsync(signedIn, hostedPage, With("Account/ChangePassword", ("handler", "Cancel"), ("client_id", ClientId), ("return_uri", Registered), ("state", "s")));
        Assert.Equal(Registered + "&result=cancelled&state=s", back.Headers.Location?.OriginalString);
    }

    /// <summary>Starts a journey for an unknown user ID with <paramref name="returnUrl"/> and returns the page it lands on.</summary>
    private async Task<HttpResponseMessage> StartJourneyAsync(string returnUrl)
    {
        using var browser = new RecoveryBrowser(Idp);
        await browser.OpenAsync("recover?captcha=question");
        var question = HtmlForms.Parse(browser.Html).QuerySelector("label[for='Input_CaptchaAnswer']")!.TextContent.Trim();
        using var client = Idp.CreateClient(followRedirects: false, browser.Cookies);
        var posted = await HtmlForms.SubmitAsync(client, browser.Page, new Dictionary<string, string>
        {
            ["Input.UserId"] = "nobody-" + Guid.NewGuid().ToString("N")[..8], ["Input.CaptchaAnswer"] = RecoveryData.AnswerCaptchaQuestion(question), ["ReturnUrl"] = returnUrl,
        }, "main form");
        Assert.True((int)posted.StatusCode < 500, $"Starting a journey with {Show(returnUrl)} answered {(int)posted.StatusCode}.");
        if (posted.StatusCode != HttpStatusCode.Redirect)
        {
            // Refused as bad input (a 400 page): that page is what the browser sees.
            return posted;
        }

        using (posted)
        {
            Assert.True(StaysHere(posted.Headers.Location!.OriginalString), posted.Headers.Location.OriginalString);
            return await client.GetAsync(new Uri(Idp.BaseAddress, posted.Headers.Location));
        }
    }

    private async Task<HttpClient> SignedInClientAsync(string userName)
    {
        var cookies = new CookieContainer();
        using (var browser = Idp.CreateClient(cookies: cookies))
        {
            await HtmlForms.SignInAsync(browser, userName, TestData.Password);
        }

        return Idp.CreateClient(followRedirects: false, cookies);
    }

    /// <summary>Posts to <paramref name="url"/> with only the anti-forgery token of <paramref name="page"/>'s first form.</summary>
    private static async Task<HttpResponseMessage> PostWithTokenAsync(HttpClient client, HttpResponseMessage page, Uri url)
    {
        var token = HtmlForms.Parse(await page.Content.ReadAsStringAsync()).QuerySelector($"input[name='{HtmlForms.AntiforgeryField}']")?.GetAttribute("value") ?? string.Empty;
        return await client.PostAsync(url, new FormUrlEncodedContent(new Dictionary<string, string> { [HtmlForms.AntiforgeryField] = token }));
    }

    private static Uri With(string path, params (string Name, string Value)[] query) =>
        new(QueryHelpers.AddQueryString(path, query.Select(p => new KeyValuePair<string, string?>(p.Name, p.Value))), UriKind.Relative);

    /// <summary>Where the answer can send a browser: its Location, and every link, form action and refresh in its page.</summary>
    private static async Task<List<(string Sink, string Address)>> SinksAsync(HttpResponseMessage response)
    {
        var sinks = new List<(string, string)>();
        if (response.Headers.TryGetValues("Location", out var locations))
        {
            sinks.AddRange(locations.Select(l => ("Location", l)));
        }

        if (response.Content.Headers.ContentType?.MediaType == "text/html")
        {
            var document = HtmlForms.Parse(await response.Content.ReadAsStringAsync());
            foreach (var (selector, attribute) in new[] { ("a[href], area[href]", "href"), ("form[action]", "action"), ("button[formaction], input[formaction]", "formaction"), ("iframe[src], script[src], link[href]", "src") })
            {
                foreach (var element in document.QuerySelectorAll(selector))
                {
                    sinks.Add(($"<{element.LocalName} {attribute}>", element.GetAttribute(attribute == "src" && element.LocalName == "link" ? "href" : attribute) ?? string.Empty));
                }
            }

            foreach (var refresh in document.QuerySelectorAll("meta[http-equiv]").Where(m => string.Equals(m.GetAttribute("http-equiv"), "refresh", StringComparison.OrdinalIgnoreCase)))
            {
                var content = refresh.GetAttribute("content") ?? string.Empty;
                sinks.Add(("<meta refresh>", content[(content.IndexOf("url=", StringComparison.OrdinalIgnoreCase) is var at and >= 0 ? at + 4 : 0)..]));
            }
        }

        return sinks;
    }

    /// <summary>
    /// Whether a browser following <paramref name="address"/> from a page of this server stays on it. Resolved the way
    /// browsers do: tabs and newlines dropped, surrounding spaces and controls trimmed, backslashes read as slashes.
    /// </summary>
    private bool StaysHere(string address)
    {
        var cleaned = new string([.. address.Where(c => c is not ('\t' or '\n' or '\r'))]).Trim(['\u0000', ' ', '\u0001', '\u001f']).Replace('\\', '/');
        if (cleaned.Length == 0 || cleaned.StartsWith('#') || cleaned.StartsWith('?'))
        {
            return true;
        }

        if (!Uri.TryCreate(Idp.BaseAddress, cleaned, out var resolved))
        {
            return false;
        }

        return resolved.Scheme == Idp.BaseAddress.Scheme && resolved.Authority == Idp.BaseAddress.Authority
            && !cleaned.StartsWith("//", StringComparison.Ordinal);
    }

    /// <summary>Exactly a registered address, or a registered redirect URI with only the response's own parameters added.</summary>
    private static bool IsRegisteredAnswer(string address)
    {
        foreach (var registered in new[] { Registered, RegisteredSignOut, "https://app.example/other" })
        {
            if (address == registered)
            {
                return true;
            }

            var separator = registered.Contains('?', StringComparison.Ordinal) ? '&' : '?';
            if (address.StartsWith(registered + separator, StringComparison.Ordinal)
                && QueryHelpers.ParseQuery("?" + address[(registered.Length + 1)..]).Keys.All(k => k is "code" or "state" or "iss" or "result" or "error" or "error_description" or "error_uri"))
            {
                return true;
            }
        }

        return false;
    }

    private static string Show(string value)
    {
        var shown = new StringBuilder();
        foreach (var c in value.Length > 80 ? value[..80] + "…" : value)
        {
            shown.Append(char.IsControl(c) || c > '\u007e' ? $"\\u{(int)c:x4}" : c.ToString());
        }

        return shown.ToString();
    }
}
