using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityProvider.Data;
using IdentityProvider.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityProvider.IntegrationTests.Hosting;

public sealed class DataProtectionKeyTests
{
    [Fact]
    public async Task KeyRing_IsSharedThroughTheDatabase_AndEncryptedWithTheConfiguredCertificate()
    {
        using var rsa = RSA.Create(2048);
        using var certificate = new CertificateRequest("CN=key-ring", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var path = Path.Combine(Directory.CreateTempSubdirectory("idp-dp-").FullName, "key-ring.pfx");
        await File.WriteAllBytesAsync(path, certificate.Export(X509ContentType.Pfx, "pfx-password"));
        var settings = new Dictionary<string, string?>
        {
            ["DataProtection:CertificatePath"] = path,
            ["DataProtection:CertificatePassword"] = "pfx-password",
        };
        var database = await TestDatabase.CreateAsync("dataprotection");
        await using var nodeA = await IdentityProviderHost.StartAsync(database, settings);
        await using var nodeB = await IdentityProviderHost.StartAsync(database, settings);
        var user = await TestData.CreateUserAsync(nodeA);

        // Sign in on node A, then use that session cookie on node B.
        var cookies = new System.Net.CookieContainer();
        using var onA = nodeA.CreateClient(cookies: cookies);
        await HtmlForms.SignInAsync(onA, user.UserName!, TestData.Password);
        foreach (System.Net.Cookie cookie in cookies.GetAllCookies())
        {
            cookies.Add(new Uri(nodeB.BaseAddress, "/"), new System.Net.Cookie(cookie.Name, cookie.Value, "/"));
        }

        using var onB = nodeB.CreateClient(cookies: cookies);
        using var home = await onB.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Contains("You are signed in", await home.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        await using var scope = nodeA.CreateScope();
        var stored = await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().DataProtectionKeys.Select(k => k.Xml).ToListAsync();
        Assert.NotEmpty(stored);
        Assert.All(stored, xml =>
        {
            Assert.Contains("EncryptedData", xml, StringComparison.Ordinal);
            Assert.DoesNotContain("<masterKey", xml, StringComparison.Ordinal);
        });
    }
}
