using System.Net;
using System.Net.Http.Json;
using AngleSharp.Html.Dom;
using IdentityProvider.Testing;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityProvider.IntegrationTests.Account;

/// <summary>
/// The sign-in and account pages in the reader's language (Accept-Language, <c>ui_locales</c>, the picker's cookie),
/// the sign-in page's user ID carried in from links and out to recovery, errors tied to their fields, and the strength
/// meter's texts.
/// </summary>
public sealed class LanguageAndFieldErrorTests(OidcFixture fixture) : IClassFixture<OidcFixture>
{
    private IdentityProviderHost Idp => fixture.Idp;

    [Fact]
    public async Task AcceptLanguageFrench_GivesTheSignInPageInFrench()
    {
        using var client = Idp.CreateClient();
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("fr");

        var page = await GetDocumentAsync(client, "Account/Login");

        Assert.Equal("fr", page.DocumentElement.GetAttribute("lang"));
        Assert.Equal("Se connecter", page.QuerySelector("h1")!.TextContent.Trim());
        Assert.Equal("Nom d'utilisateur ou e-mail", page.QuerySelector("label[for='Input_UserName']")!.TextContent.Trim());
        Assert.Equal("Vous n'arrivez pas à accéder à votre compte ?", page.QuerySelector(".help-link a")!.TextContent.Trim());
    }

    [Fact]
    public async Task ARegionalFrench_GivesFrenchTexts()
    {
        using var client = Idp.CreateClient();
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("fr-CA");

        var page = await GetDocumentAsync(client, "Account/Login");

        Assert.StartsWith("fr", page.DocumentElement.GetAttribute("lang"), StringComparison.Ordinal);
        Assert.Equal("Se connecter", page.QuerySelector("h1")!.TextContent.Trim());
    }

    [Fact]
    public async Task AnUnsupportedLanguage_FallsBackToEnglish()
    {
        using var client = Idp.CreateClient();
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("ja");

        var page = await GetDocumentAsync(client, "Account/Login");

        Assert.Equal("en", page.DocumentElement.GetAttribute("lang"));
        Assert.Equal("Sign in", page.QuerySelector("h1")!.TextContent.Trim());
    }

    [Fact]
    public async Task UiLocalesGerman_InTheAuthorizationRequest_GivesTheSignInPageInGerman()
    {
        var clientId = "l10n-" + Guid.NewGuid().ToString("N")[..8];
        var redirect = new Uri("https://app.example/callback");
        await TestData.RegisterClientAsync(Idp, clientId, redirect);
        using var client = Idp.CreateClient();
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("fr");

        using var response = await client.GetAsync(new Uri(AuthorizeUrl(clientId, redirect, "ui_locales=de"), UriKind.Relative));
        var page = HtmlForms.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal("/Account/Login", response.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Equal("de", page.DocumentElement.GetAttribute("lang"));
        Assert.Equal("Anmelden", page.QuerySelector("h1")!.TextContent.Trim());
    }

    [Fact]
    public async Task ThePicker_SetsTheCookie_GoesBackLocally_AndItsChoiceWinsOnTheNextPage()
    {
        using var client = Idp.CreateClient(followRedirects: false);
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("fr");
        using var page = await client.GetAsync(new Uri("Account/Login?returnUrl=%2FAccount", UriKind.Relative));

        using var picked = await HtmlForms.SubmitAsync(client, page, new Dictionary<string, string> { ["culture"] = "es" }, "form.language-picker");

        Assert.Equal(HttpStatusCode.Redirect, picked.StatusCode);
        Assert.Equal("/Account/Login?returnUrl=%2FAccount", picked.Headers.Location!.OriginalString);
        Assert.Contains(picked.Headers.GetValues("Set-Cookie"), c => c.StartsWith("idp.language=", StringComparison.Ordinal));
        var next = await GetDocumentAsync(client, "Account/Login");
        Assert.Equal("es", next.DocumentElement.GetAttribute("lang"));
        Assert.Equal("Iniciar sesión", next.QuerySelector("h1")!.TextContent.Trim());
    }

    [Fact]
    public async Task ThePicker_RefusesAReturnUrlElsewhere()
    {
        using var client = Idp.CreateClient(followRedirects: false);
        using var page = await client.GetAsync(new Uri("Account/Login", UriKind.Relative));

        using var picked = await HtmlForms.SubmitAsync(client, page,
            new Dictionary<string, string> { ["culture"] = "de", ["returnUrl"] = "https://evil.example/" }, "form.language-picker");

        Assert.Equal(HttpStatusCode.Redirect, picked.StatusCode);
        Assert.Equal("/", picked.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task TheSignInPage_FillsTheUserId_FromALink_AndFromTheApplicationsLoginHint()
    {
        using var client = Idp.CreateClient();

        var fromLink = await GetDocumentAsync(client, "Account/Login?userName=sam.rivera");
        var fromHint = await GetDocumentAsync(client,
            "Account/Login?ReturnUrl=" + Uri.EscapeDataString("/connect/authorize?client_id=x&login_hint=kim%40example.org"));

        Assert.Equal("sam.rivera", UserNameField(fromLink).Value);
        Assert.Equal("kim@example.org", UserNameField(fromHint).Value);
        var recover = fromHint.QuerySelector(".help-link a")!.GetAttribute("href")!;
        Assert.Contains("userName=kim%40example.org", recover, StringComparison.Ordinal);
        Assert.DoesNotContain("reason=", recover, StringComparison.Ordinal);
        Assert.Equal("Input_UserName", fromHint.QuerySelector(".help-link a")!.GetAttribute("data-user-id-from"));
    }

    [Fact]
    public async Task AWrongPassword_KeepsTheUserId_EmptiesThePassword_AndTiesTheErrorToTheField()
    {
        var user = await TestData.CreateUserAsync(Idp);
        using var client = Idp.CreateClient();
        using var page = await client.GetAsync(new Uri("Account/Login", UriKind.Relative));

        using var response = await HtmlForms.SignInAsync(client, page, user.UserName!, "Not-The-Password-1");
        var document = HtmlForms.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(user.UserName, UserNameField(document).Value);
        var password = (IHtmlInputElement)document.QuerySelector("#Input_Password")!;
        Assert.Equal(string.Empty, password.Value);
        AssertTiedError(document, "Input_Password", "That username or password is not right.");
        Assert.Null(document.QuerySelector("#Input_UserName")!.GetAttribute("autofocus"));
        Assert.Null(document.QuerySelector("[aria-describedby~='form-errors']"));
        Assert.Contains("userName=" + user.UserName, document.QuerySelector(".help-link a")!.GetAttribute("href"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmptyFields_AreEachMarked_AndTheSummaryLinksToThem_InTheReadersLanguage()
    {
        using var client = Idp.CreateClient();
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("de");
        using var page = await client.GetAsync(new Uri("Account/Login", UriKind.Relative));

        using var response = await HtmlForms.SignInAsync(client, page, string.Empty, string.Empty);
        var document = HtmlForms.Parse(await response.Content.ReadAsStringAsync());

        AssertTiedError(document, "Input_UserName", "Geben Sie Ihren Benutzernamen oder Ihre E-Mail-Adresse ein.");
        AssertTiedError(document, "Input_Password", "Geben Sie Ihr Passwort ein.");
        Assert.Equal("autofocus", document.QuerySelector("#Input_UserName")!.GetAttribute("autofocus"));
        Assert.Null(document.QuerySelector("#Input_Password")!.GetAttribute("autofocus"));
    }

    [Fact]
    public async Task TenWrongPasswords_InFrench_SayUntilWhen_AndTheUnlockLinkCarriesTheUserId()
    {
        var user = await TestData.CreateUserAsync(Idp);
        using var client = Idp.CreateClient();
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("fr");
        IHtmlDocument? document = null;
        for (var attempt = 0; attempt < 11; attempt++)
        {
            using var page = await client.GetAsync(new Uri("Account/Login", UriKind.Relative));
            using var response = await HtmlForms.SignInAsync(client, page, user.UserName!, "Wrong-Password-" + attempt);
            document = HtmlForms.Parse(await response.Content.ReadAsStringAsync());
        }

        var alert = document!.QuerySelector(".alert-warning")!;
        Assert.Contains("La connexion depuis ce navigateur est suspendue", alert.TextContent, StringComparison.Ordinal);
        var until = alert.QuerySelector("time")!;
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", until.GetAttribute("datetime"));
        Assert.DoesNotContain("UTC", until.TextContent.Replace("(UTC)", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        var unlock = alert.QuerySelector("a")!.GetAttribute("href")!;
        Assert.Contains("userName=" + user.UserName, unlock, StringComparison.Ordinal);
        Assert.Contains("reason=unlock", unlock, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheChangePasswordPage_TiesErrorsToTheirFields_AndItsMeterStartsNeutral()
    {
        var user = await TestData.CreateUserAsync(Idp);
        using var client = Idp.CreateClient();
        await HtmlForms.SignInAsync(client, user.UserName!, TestData.Password);
        using var page = await client.GetAsync(new Uri("Account/ChangePassword", UriKind.Relative));
        var blank = HtmlForms.Parse(await page.Content.ReadAsStringAsync());
        Assert.Equal("none", blank.QuerySelector(".meter-bar")!.GetAttribute("data-strength"));

        using var response = await HtmlForms.SubmitAsync(client, page, new Dictionary<string, string>
        {
            ["Input.CurrentPassword"] = "Not-The-Password-1",
            ["Input.NewPassword"] = "correct horse battery staple 42",
            ["Input.ConfirmPassword"] = "correct horse battery staple 42",
        });
        var document = HtmlForms.Parse(await response.Content.ReadAsStringAsync());

        AssertTiedError(document, "Input_CurrentPassword", "Your current password is not right.");
        Assert.Equal(string.Empty, ((IHtmlInputElement)document.QuerySelector("#Input_NewPassword")!).Value);
        // The meter's description stays on the new password field.
        Assert.Equal("Input_NewPassword-meter", document.QuerySelector("#Input_NewPassword")!.GetAttribute("aria-describedby"));
    }

    [Fact]
    public async Task TheMeter_AnswersInTheReadersLanguage()
    {
        using var client = Idp.CreateClient();
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("es");
        using var page = await client.GetAsync(new Uri("Account/Login", UriKind.Relative));
        var token = HtmlForms.Parse(await page.Content.ReadAsStringAsync())
            .QuerySelector("input[name='__RequestVerificationToken']")!.GetAttribute("value")!;
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("account/password/check", UriKind.Relative))
        {
            Content = JsonContent.Create(new { password = "abc" }),
        };
        request.Headers.Add("RequestVerificationToken", token);

        using var response = await client.SendAsync(request);
        var verdict = await response.Content.ReadFromJsonAsync<Verdict>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("No aceptable", verdict!.Label);
        Assert.Contains(verdict.Messages, m => m.StartsWith("Use al menos", StringComparison.Ordinal));
    }

    [Fact]
    public async Task IdentityErrors_AreInTheReadersLanguage_WithTheirCodes()
    {
        await using var scope = Idp.CreateScope();
        var errors = scope.ServiceProvider.GetRequiredService<IdentityErrorDescriber>();
        var before = System.Globalization.CultureInfo.CurrentUICulture;
        try
        {
            System.Globalization.CultureInfo.CurrentUICulture = new System.Globalization.CultureInfo("de");
            var duplicate = errors.DuplicateUserName("riley");

            Assert.Equal(nameof(IdentityErrorDescriber.DuplicateUserName), duplicate.Code);
            Assert.Equal("Der Benutzername „riley“ ist bereits vergeben.", duplicate.Description);
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentUICulture = before;
        }
    }

    private static void AssertTiedError(IHtmlDocument document, string fieldId, string message)
    {
        var field = document.QuerySelector("#" + fieldId)!;
        Assert.Equal("true", field.GetAttribute("aria-invalid"));
        Assert.Contains(fieldId + "-error", field.GetAttribute("aria-describedby")!.Split(' '));
        Assert.Contains(message, document.QuerySelector($"#{fieldId}-error")!.TextContent, StringComparison.Ordinal);
        Assert.Contains(message, document.QuerySelector($"#form-errors a[href='#{fieldId}']")!.TextContent, StringComparison.Ordinal);
    }

    private static IHtmlInputElement UserNameField(IHtmlDocument document) => (IHtmlInputElement)document.QuerySelector("#Input_UserName")!;

    private static async Task<IHtmlDocument> GetDocumentAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        return HtmlForms.Parse(await response.Content.ReadAsStringAsync());
    }

    private static string AuthorizeUrl(string clientId, Uri redirect, string extra) =>
        "connect/authorize?client_id=" + clientId + "&response_type=code&scope=openid&redirect_uri=" + Uri.EscapeDataString(redirect.ToString())
        + "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&state=s&" + extra;

    private sealed record Verdict(bool Acceptable, int Strength, string Label, string[] Messages);
}
