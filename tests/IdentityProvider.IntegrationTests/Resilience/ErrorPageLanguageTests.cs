using System.Net;
using IdentityProvider.IntegrationTests.SelfService;
using IdentityProvider.Testing;

namespace IdentityProvider.IntegrationTests.Resilience;

/// <summary>The error page speaks the reader's language too: its own texts and the server's fixed answers.</summary>
public sealed class ErrorPageLanguageTests(RecoveryFixture fixture) : IClassFixture<RecoveryFixture>
{
    [Theory]
    [InlineData("fr", "Le formulaire contient une valeur que cette page ne sait pas lire.", "Un champ contient une valeur du mauvais type")]
    [InlineData("de", "Das Formular enthält einen Wert, den diese Seite nicht lesen kann.", "Ein Feld enthält einen Wert der falschen Art")]
    [InlineData("es", "El formulario tiene un valor que esta página no puede leer.", "Un campo contiene un valor de un tipo incorrecto")]
    public async Task AFormValueOfTheWrongKind_IsExplained_InTheReadersLanguage(string language, string heading, string advice)
    {
        using var client = fixture.Idp.CreateClient(followRedirects: false);
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd(language);
        using var page = await client.GetAsync(new Uri("Account/Login", UriKind.Relative));

        // A yes/no field holding something else: the server's fixed answer, shown by the error page.
        using var response = await HtmlForms.SubmitAsync(client, page, new Dictionary<string, string>
        {
            ["Input.UserName"] = "someone", ["Input.Password"] = "x", ["Input.RememberMe"] = "maybe",
        });
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var document = HtmlForms.Parse(html);
        Assert.Equal(heading, document.QuerySelector("main h1")?.TextContent.Trim());
        Assert.Contains(advice, document.QuerySelector("main")!.TextContent, StringComparison.Ordinal);
        Assert.Equal(language, document.DocumentElement.GetAttribute("lang"));
    }

    [Fact]
    public async Task AMissingPage_IsNamed_InTheReadersLanguage()
    {
        using var client = fixture.Idp.CreateClient(followRedirects: false);
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("de-AT");

        using var response = await client.GetAsync(new Uri("no-such-page", UriKind.Relative));
        var document = HtmlForms.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("de-AT", document.DocumentElement.GetAttribute("lang"));
        Assert.NotEqual("Page not found", document.QuerySelector("main h1")?.TextContent.Trim());
    }
}
