using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using IdentityProvider.Data;
using IdentityProvider.IntegrationTests.Admin;
using IdentityProvider.IntegrationTests.SelfService;
using IdentityProvider.Messaging;
using IdentityProvider.SelfService.Helpdesk;
using IdentityProvider.SelfService.Verification;
using IdentityProvider.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityProvider.IntegrationTests.Messaging;

/// <summary>The self-service server of an organisation in Paris: times the browser did not report are in its zone.</summary>
public sealed class ParisRecoveryFixture : RecoveryFixture
{
    public const string Zone = "Europe/Paris";

    protected override void Configure(TestServerOptions server)
    {
        base.Configure(server);
        server.Settings["Organization:TimeZone"] = Zone;
    }
}

/// <summary>
/// Emails as people read them, delivered to a real SMTP server: in the recipient's language, the code set apart, the
/// account and the action named, times in the reader's zone, and the helpdesk's link to the request.
/// </summary>
public sealed class MessageLanguageTests(ParisRecoveryFixture fixture, ITestOutputHelper output) : IClassFixture<ParisRecoveryFixture>
{
    private IdentityProviderHost Idp => fixture.Idp;

    [Theory]
    [InlineData("fr", null, "Votre code Northwind pour réinitialiser votre mot de passe", "Votre code pour réinitialiser votre mot de passe", "Saisissez ce code pour réinitialiser le mot de passe de votre compte {0} chez Northwind.")]
    [InlineData("de", "Europe/Berlin", "Ihr Northwind-Code zum Zurücksetzen Ihres Passworts", "Ihr Code zum Zurücksetzen Ihres Passworts", "Geben Sie diesen Code ein, um das Passwort Ihres Kontos {0} bei Northwind zurückzusetzen.")]
    [InlineData("es", null, "Su código de Northwind para restablecer su contraseña", "Su código para restablecer su contraseña", "Introduzca este código para restablecer la contraseña de su cuenta {0} de Northwind.")]
    public async Task AResetCodeEmail_SpeaksTheBrowsersLanguage_SetsTheCodeApart_AndNamesTheAccountTheActionAndTheTime(
        string language, string? browserZone, string subject, string heading, string action)
    {
        var user = await RecoveryData.CreateUserAsync(Idp, u => u.AlternateEmail = $"{u.UserName}@home.example");
        using var browser = await new RecoveryBrowser(Idp).StartAsync(user.UserName!);
        browser.Client.DefaultRequestHeaders.AcceptLanguage.ParseAdd(language);
        if (browserZone is not null)
        {
            browser.Cookies.Add(new Cookie("idp.tz", browserZone, "/", Idp.BaseAddress.Host));
        }

        await browser.ChooseReasonAsync();
        var sentAt = DateTimeOffset.UtcNow;
        await browser.ChooseMethodAsync("AlternateEmail");
        var code = await RecoveryData.LatestCodeAsync(Idp, user.AlternateEmail!);
        var mail = await DeliveredAsync(user.AlternateEmail!, "sspr-code");
        output.WriteLine(mail.Subject + "\n\n" + mail.TextBody + "\n" + mail.HtmlBody);

        Assert.Equal(subject, mail.Subject);
        var lines = Lines(mail.TextBody);
        Assert.Equal(heading, lines[0]);
        Assert.Contains(code, lines);
        Assert.Equal(code, lines.SkipWhile(l => l.Length == 0 || l == heading).First());
        Assert.Contains(string.Format(CultureInfo.InvariantCulture, action, user.UserName), mail.TextBody, StringComparison.Ordinal);

        var culture = CultureInfo.GetCultureInfo(language);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(browserZone ?? ParisRecoveryFixture.Zone);
        var until = TimeZoneInfo.ConvertTime(sentAt + VerificationCodes.Lifetime, zone);
        Assert.Contains(until.ToString("D", culture), mail.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain("UTC", mail.TextBody, StringComparison.Ordinal);
        if (browserZone is null)
        {
            Assert.Contains($"({ParisRecoveryFixture.Zone})", mail.TextBody, StringComparison.Ordinal);
        }
        else
        {
            Assert.DoesNotContain($"({browserZone})", mail.TextBody, StringComparison.Ordinal);
        }

        Assert.Contains($"lang=\"{language}\"", mail.HtmlBody, StringComparison.Ordinal);
        var block = mail.HtmlBody[..mail.HtmlBody.IndexOf(code, StringComparison.Ordinal)];
        block = block[block.LastIndexOf('<')..];
        Assert.Contains("monospace", block, StringComparison.Ordinal);
        Assert.Contains("letter-spacing", block, StringComparison.Ordinal);
        Assert.Contains($">{code}</span></div>", mail.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("#aa3300", mail.HtmlBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheCode_StandsOnItsOwnLine_InThePlainText_AndStaysEasyToReadInATextMessage()
    {
        var user = await RecoveryData.CreateUserAsync(Idp, u => (u.AlternateEmail, u.MobilePhone) = ($"{u.UserName}@home.example", "+447400665544"));
        using var browser = await new RecoveryBrowser(Idp).StartAsync(user.UserName!);
        await browser.ChooseReasonAsync();
        await browser.ChooseMethodAsync("AlternateEmail");
        var code = await RecoveryData.LatestCodeAsync(Idp, user.AlternateEmail!);
        var mail = await DeliveredAsync(user.AlternateEmail!, "sspr-code");

        Assert.Equal("Your Northwind code to reset your password", mail.Subject);
        Assert.Contains($"\n{code}\n", mail.TextBody.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.DoesNotContain(Lines(mail.TextBody), line => line.Contains(code, StringComparison.Ordinal) && line != code);
        Assert.Contains($"Enter this code to reset the password of your account {user.UserName} at Northwind.", mail.TextBody, StringComparison.Ordinal);

        await using var scope = Idp.CreateScope();
        var templates = scope.ServiceProvider.GetRequiredService<MessageTemplates>();
        Assert.Equal($"Northwind: your verification code is {code}", templates.SmsCode(code, CultureInfo.GetCultureInfo("en")));
        Assert.Equal($"Northwind : votre code de vérification est {code}", templates.SmsCode(code, CultureInfo.GetCultureInfo("fr-CA")));
        Assert.Equal($"Northwind: Ihr Bestätigungscode lautet {code}", templates.SmsCode(code, CultureInfo.GetCultureInfo("de")));
        Assert.StartsWith("Le habla Northwind. Su código de verificación es 1, 2, 3", templates.VoiceCode("12345678", CultureInfo.GetCultureInfo("es")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ANoticeAfterAnAdminAction_SpeaksTheUsersStoredLanguage_AndZone_WhileTheAdminBrowsesInEnglish()
    {
        var user = await RecoveryData.CreateUserAsync(Idp, u => (u.Locale, u.TimeZone) = ("es-MX", "America/Mexico_City"));
        using var http = await AdminApiClient.CreateAsync(Idp, "admin.users");
        http.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en");
        var changedAt = DateTimeOffset.UtcNow;
        using var patched = await http.PatchAsJsonAsync($"api/v1/users/{user.Id}", new { alternateEmail = $"{user.UserName}@new.example" });
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);

        var mail = await DeliveredAsync(user.Email!, "contact-details-changed");
        output.WriteLine(mail.Subject + "\n\n" + mail.TextBody);
        Assert.Equal("Se han modificado sus datos de contacto de Northwind", mail.Subject);
        Assert.Contains($"un administrador modificó lo siguiente en su cuenta {user.UserName}: dirección de correo electrónico alternativa.", mail.TextBody, StringComparison.Ordinal);
        var local = TimeZoneInfo.ConvertTime(changedAt, TimeZoneInfo.FindSystemTimeZoneById("America/Mexico_City"));
        Assert.Contains(local.ToString("D", CultureInfo.GetCultureInfo("es-MX")), mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("(America/Mexico_City)", mail.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain("UTC", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("lang=\"es-MX\"", mail.HtmlBody, StringComparison.Ordinal);

        // Without a stored language, the notice is in the language of the request that caused it.
        var plain = await RecoveryData.CreateUserAsync(Idp);
        using var german = await AdminApiClient.CreateAsync(Idp, "admin.users");
        german.DefaultRequestHeaders.AcceptLanguage.ParseAdd("de");
        using (var again = await german.PatchAsJsonAsync($"api/v1/users/{plain.Id}", new { alternateEmail = $"{plain.UserName}@new.example" }))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }

        var fallback = await DeliveredAsync(plain.Email!, "contact-details-changed");
        Assert.Equal("Ihre Kontaktdaten bei Northwind wurden geändert", fallback.Subject);
        Assert.Contains($"({ParisRecoveryFixture.Zone})", fallback.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheHelpdeskEmail_LinksToTheRequestInTheAdminPages()
    {
        var helpdesk = $"helpdesk-{Guid.NewGuid():N}@northwind.example";
        await RecoveryData.SetPolicyAsync(Idp, p => p.ContactAdministrator = helpdesk);
        var user = await RecoveryData.CreateUserAsync(Idp);
        using (var browser = await new RecoveryBrowser(Idp).StartAsync(user.UserName!))
        {
            await browser.OpenAsync("recover/contact");
            await browser.SubmitAsync([]);
        }

        Guid requestId;
        await using (var scope = Idp.CreateScope())
        {
            requestId = await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Set<HelpdeskRequest>()
                .Where(r => r.UserId == user.Id).Select(r => r.Id).SingleAsync();
        }

        var mail = await DeliveredAsync(helpdesk, "helpdesk-request");
        output.WriteLine(mail.Subject + "\n\n" + mail.TextBody);
        var link = new Uri(Idp.BaseAddress, $"admin/requests/{requestId}").AbsoluteUri;
        Assert.Contains($"Open the request: {link}", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains($"<a href=\"{link}\"", mail.HtmlBody, StringComparison.Ordinal);
        Assert.Contains(user.UserName!, mail.TextBody, StringComparison.Ordinal);
        Assert.Contains($"({ParisRecoveryFixture.Zone})", mail.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain("UTC", mail.TextBody, StringComparison.Ordinal);
    }

    /// <summary>An email as delivered: subject, plain text and HTML.</summary>
    private sealed record Received(string Subject, string TextBody, string HtmlBody);

    private static List<string> Lines(string text) => [.. text.ReplaceLineEndings("\n").Split('\n').Select(l => l.Trim())];

    /// <summary>The email of <paramref name="template"/> to <paramref name="recipient"/> as the SMTP server received it.</summary>
    private async Task<Received> DeliveredAsync(string recipient, string template)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            await using (var scope = Idp.CreateScope())
            {
                var id = await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Set<OutboxMessage>()
                    .Where(m => m.Recipient == recipient && m.Template == template).OrderByDescending(m => m.CreatedAt).Select(m => (Guid?)m.Id).FirstOrDefaultAsync();
                if (id is { } found && TestSmtpServer.Delivered(found) is { } mail)
                {
                    return new Received(mail.Subject ?? string.Empty, mail.TextBody ?? string.Empty, mail.HtmlBody ?? string.Empty);
                }
            }

            Assert.True(DateTime.UtcNow < deadline, $"No {template} email reached {recipient}.");
            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
    }
}
