using System.Security.Cryptography.X509Certificates;
using IdentityProvider.Directories;

namespace IdentityProvider.UnitTests.Directories;

/// <summary>
/// The pinned-CA folder must use OpenSSL's subject hash, or the LDAP library never finds the authority. The expected
/// values were printed by <c>openssl x509 -hash -noout</c> for these certificates (a plain name, a name with extra white
/// space and capitals, and a UTF-8 name with domain components).
/// </summary>
public sealed class TrustedAuthoritiesTests
{
    public static TheoryData<string, string> Certificates { get; } = new()
    {
        {
            "9f0ee784",
            """
            -----BEGIN CERTIFICATE-----
            MIIB0DCCAXWgAwIBAgIULOfiz5khsUfiIl+w5xlLUgSGVSkwCgYIKoZIzj0EAwIw
            PTELMAkGA1UEBhMCR0IxFDASBgNVBAoMC0V4YW1wbGUgT3JnMRgwFgYDVQQDDA9F
            eGFtcGxlIFJvb3QgQ0EwHhcNMjYxMTMwMTUyNDM2WhcNMzYxMTI3MTUyNDM2WjA9
            MQswCQYDVQQGEwJHQjEUMBIGA1UECgwLRXhhbXBsZSBPcmcxGDAWBgNVBAMMD0V4
            YW1wbGUgUm9vdCBDQTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABIDTBWTqHzQe
            2UxPP1VGY/qcqMg9ubZQn3lUBYkXVfyonPJIcrL6kzeqYq6q/wA64EO7Qshnuc0f
            enzB4T2HnyKjUzBRMB0GA1UdDgQWBBTzS1pxHieHA6mTVrdzTjyk8KY8NTAfBgNV
            HSMEGDAWgBTzS1pxHieHA6mTVrdzTjyk8KY8NTAPBgNVHRMBAf8EBTADAQH/MAoG
            CCqGSM49BAMCA0kAMEYCIQCQknxrjbu1ezIZgpXXVCstjlQ5ZsTlF5zt0Hc5MQRy
            kAIhAOvEasrgAgM0ikQHm5GFR5YsHVAXIYyzrXW/o7YBFGuh
            -----END CERTIFICATE-----
            """
        },
        {
            "a5d5b16e",
            """
            -----BEGIN CERTIFICATE-----
            MIIBsDCCAVegAwIBAgIUQZs9VAm0RkglJTTTux1yxg0uKS8wCgYIKoZIzj0EAwIw
            LjEdMBsGA1UEAwwUICBNaXhlZCAgIENhc2UgIENBICAxDTALBgNVBAoMBEFDTUUw
            HhcNMjYxMTMwMTUyNDM2WhcNMzYxMTI3MTUyNDM2WjAuMR0wGwYDVQQDDBQgIE1p
            eGVkICAgQ2FzZSAgQ0EgIDENMAsGA1UECgwEQUNNRTBZMBMGByqGSM49AgEGCCqG
            SM49AwEHA0IABPMPMA7E2fFklVcE5qIdeH+DDRZI84iTM6r2EMxSWmWl+dVS6Enm
            y/JRr6rQ4rIPLMqsAKNzUjZaB0YLsi8/BE+jUzBRMB0GA1UdDgQWBBRyp2HGxn02
            n/N2iFi7GUsuM/U7VTAfBgNVHSMEGDAWgBRyp2HGxn02n/N2iFi7GUsuM/U7VTAP
            BgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0cAMEQCICwvGfTuJ9W3jOjgK50E
            0ssyzBF+f09kn20RrXni70xYAiBxUUvEN653DrSmKQl1AfM4Ofm2MchpZ7arXjgr
            K7sN6w==
            -----END CERTIFICATE-----
            """
        },
        {
            "8b2fb9ed",
            """
            -----BEGIN CERTIFICATE-----
            MIIB7TCCAZOgAwIBAgIUSAnNy5OWJ+Rg8HyRkPNnobgu9V0wCgYIKoZIzj0EAwIw
            TDETMBEGCgmSJomT8ixkARkWA29yZzEXMBUGCgmSJomT8ixkARkWB2V4YW1wbGUx
            HDAaBgNVBAMME8OcbsOvY29kZSBBdXRob3JpdHkwHhcNMjYxMTMwMTUyNDM2WhcN
            MzYxMTI3MTUyNDM2WjBMMRMwEQYKCZImiZPyLGQBGRYDb3JnMRcwFQYKCZImiZPy
            LGQBGRYHZXhhbXBsZTEcMBoGA1UEAwwTw5xuw69jb2RlIEF1dGhvcml0eTBZMBMG
            ByqGSM49AgEGCCqGSM49AwEHA0IABCHQ5kQJg2JhDY+0mAw3sU2YCia26Ddyp2AT
            IhM1HMhBBrYBdblDFnPAmktjpUURWRp+bA0uSxwr0OWleV9e0x2jUzBRMB0GA1Ud
            DgQWBBQ9jNkVMs0gSgbNY6P9HFKQRcIAITAfBgNVHSMEGDAWgBQ9jNkVMs0gSgbN
            Y6P9HFKQRcIAITAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCIQC+
            0lLedIom654QJ34WmmfmYiWeRBJi5qjWSDrP4y1eGwIgN36QTjNUxcK4Ufb9cwUO
            r+xW2jFqlJdzwvFzz3IVqZU=
            -----END CERTIFICATE-----
            """
        },
    };

    [Theory]
    [MemberData(nameof(Certificates))]
    public void SubjectHash_IsOpenSslsHash(string expected, string pem)
    {
        using var certificate = X509Certificate2.CreateFromPem(pem);
        Assert.Equal(expected, TrustedAuthorities.SubjectHash(certificate.SubjectName));
    }

    [Fact]
    public void Prepare_WritesEachCertificateUnderItsHash()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, string.Join('\n', Certificates.Select(row => row.Data.Item2)));
            var folder = TrustedAuthorities.Prepare(file);
            foreach (var row in Certificates)
            {
                var path = Path.Combine(folder, row.Data.Item1 + ".0");
                Assert.True(File.Exists(path), path);
                using var written = X509Certificate2.CreateFromPem(File.ReadAllText(path));
                using var original = X509Certificate2.CreateFromPem(row.Data.Item2);
                Assert.Equal(original.Thumbprint, written.Thumbprint);
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("alice", "alice")]
    [InlineData("*)(uid=*", "\\2a\\29\\28uid=\\2a")]
    [InlineData("a\\b\0", "a\\5cb\\00")]
    public void FilterValues_AreEscaped(string value, string escaped) => Assert.Equal(escaped, DirectoryConnector.Escape(value));

    [Theory]
    [InlineData("cn=Sales,ou=groups,dc=example,dc=org", "Sales")]
    [InlineData("CN=Help Desk,OU=Groups,DC=corp,DC=example", "Help Desk")]
    public void GroupName_IsTheFirstRdnValue(string dn, string name) => Assert.Equal(name, DirectoryConnector.GroupName(dn));
}
