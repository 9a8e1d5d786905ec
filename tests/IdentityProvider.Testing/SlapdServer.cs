using System.Diagnostics;
using System.DirectoryServices.Protocols;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace IdentityProvider.Testing;

/// <summary>
/// A throwaway OpenLDAP server (slapd 2.5 or later, from the local binaries) for the directory tests: a generated
/// <c>slapd.conf</c> and an MDB database in a temp folder, <c>ldap://</c> (StartTLS offered) and <c>ldaps://</c> on two
/// free loopback ports with a certificate from a CA made here, the ppolicy and memberof overlays, and a tree of
/// <c>ou=people</c>, <c>ou=groups</c>, <c>ou=services</c> and <c>ou=policies</c> under <see cref="BaseDn"/>.
/// As root it runs slapd as the <c>openldap</c> user (or <c>nobody</c>). Without slapd it fails and says what to install.
/// </summary>
/// <remarks>
/// <para>
/// The service account <see cref="ServiceDn"/> may read people and groups (operational attributes too:
/// <c>pwdAccountLockedTime</c>, <c>pwdFailureTime</c>, <c>memberOf</c>), write people's <c>userPassword</c> and
/// <c>pwdAccountLockedTime</c>. It has <c>write</c>, not <c>manage</c>, on <c>userPassword</c> on purpose: ppolicy treats
/// whoever has <c>manage</c> on the password attribute (and the rootdn) as a password administrator and skips the
/// length, quality and history checks; with <c>write</c> a reset by the service account, by a plain Modify or by the
/// RFC 3062 password-modify extended operation, gets the same checks as the user changing their own password.
/// No proxied authorization is needed. The refusals are result code 19 (constraintViolation) with these messages:
/// too short "Password fails quality checking policy" (ppolicy error 6, passwordTooShort); the current password
/// "Password is not being changed from existing value" and an older one "Password is in history of old passwords"
/// (both ppolicy error 8, passwordInHistory); an already hashed value under pwdCheckQuality 2 "Password fails quality
/// checking policy" (ppolicy error 5, insufficientPasswordQuality).
/// </para>
/// <para>
/// Unlocking: a Modify that deletes <c>pwdAccountLockedTime</c> (<c>DirectoryAttributeOperation.Delete</c>, no value)
/// works with <c>write</c> access to it; slapd then drops <c>pwdFailureTime</c> as well. A locked user's bind fails
/// with 49 (invalidCredentials) like a wrong password, with no message; only the ppolicy response control says
/// "account locked". A password reset (extended operation) of a locked account by the service account also unlocks it.
/// </para>
/// <para>
/// The ppolicy request control (OID 1.3.6.1.4.1.42.2.27.8.5.1, no value) comes back as a response control in
/// <c>DirectoryOperationException.Response.Controls</c> on Linux too, e.g. value <c>30 03 81 01 06</c>: [1] error 6.
/// </para>
/// <para>
/// TLS with System.DirectoryServices.Protocols on Linux (libldap): the server certificate is verified by default
/// (ldaps to an untrusted CA: <c>LdapException</c> 81 "The LDAP server is unavailable."). Trust the CA with
/// <c>SessionOptions.TrustedCertificatesDirectory</c> (a folder with the CA as <c>&lt;subject hash&gt;.0</c>; Debian's
/// GnuTLS build reads any file name, OpenSSL builds need the hash) and then <c>SessionOptions.StartNewTlsSessionContext()</c>;
/// without the new context the directory is ignored. StartTLS (<c>StartTransportLayerSecurity(null)</c>) in 10.0.15
/// fails with 81 unless the connection is open first: bind anonymously, start TLS, then bind with the credentials; with an
/// untrusted CA it fails with <c>LdapException</c> 91 "The connection cannot be established.".
/// </para>
/// <para>
/// A server that is down: <c>LdapException</c> 81 "The LDAP server is unavailable." at once, on Bind and on a request over a
/// connection whose server went away. After a restart, an old connection reconnects by itself but unbound (anonymous).
/// A server that accepts but never answers: Bind and SendRequest hang despite <c>LdapConnection.Timeout</c> and a request
/// timeout, and setting <c>SessionOptions.SendTimeout</c> throws <c>LdapException</c> 81; bound the call from outside.
/// </para>
/// </remarks>
public sealed class SlapdServer : IAsyncDisposable
{
    public const string BaseDn = "dc=example,dc=org";
    public const string PeopleDn = "ou=people," + BaseDn;
    public const string GroupsDn = "ou=groups," + BaseDn;
    public const string ServiceDn = "cn=idp,ou=services," + BaseDn;
    public const string PolicyDn = "cn=default,ou=policies," + BaseDn;
    public const string AdminDn = "cn=admin," + BaseDn;

    /// <summary>The default policy: shortest password, remembered passwords, wrong binds until the account locks.</summary>
    public const int MinimumLength = 8;
    public const int History = 5;
    public const int MaximumFailures = 5;

    /// <summary>
    /// The throwaway CA's subject (new key each run, same subject). OpenSSL's subject hash of it (<c>openssl x509 -hash -noout</c>),
    /// the file name <c>&lt;hash&gt;.0</c> in a trusted-certificates directory, is <see cref="CaSubjectHash"/>.
    /// </summary>
    public const string CaSubject = "CN=IdentityProvider test CA";
    public const string CaSubjectHash = "ae960b49";

    private static readonly string[] SchemaFolders = ["/etc/ldap/schema", "/etc/openldap/schema", "/usr/local/etc/openldap/schema"];
    private static readonly string[] ModuleFolders = ["/usr/lib/ldap", "/usr/lib64/openldap", "/usr/lib/openldap", "/usr/libexec/openldap", "/usr/local/libexec/openldap"];

    private readonly DirectoryInfo root;
    private readonly string slapd;
    private readonly string? runAs;
    private readonly StringBuilder output = new();
    private Process? process;

    private SlapdServer(DirectoryInfo root, string slapd, string? runAs)
    {
        this.root = root;
        this.slapd = slapd;
        this.runAs = runAs;
        CaCertificatePath = Path.Combine(root.FullName, "ca.pem");
    }

    public string Host { get; } = "127.0.0.1";

    /// <summary>Plain LDAP, where the server offers StartTLS.</summary>
    public int LdapPort { get; } = Ports.Free();

    /// <summary>LDAP over TLS from the first byte.</summary>
    public int LdapsPort { get; } = Ports.Free();

    public string LdapUrl => $"ldap://{Host}:{LdapPort}/";

    public string LdapsUrl => $"ldaps://{Host}:{LdapsPort}/";

    /// <summary>PEM file of the CA that issued the server's certificate (SAN: IP 127.0.0.1 and DNS localhost).</summary>
    public string CaCertificatePath { get; }

    public string AdminPassword { get; } = RandomPassword();

    /// <summary>The server's <c>slapd.conf</c>: a test may change it between <see cref="StopAsync"/> and <see cref="StartAgainAsync"/>.</summary>
    public string ConfigurationPath => Path.Combine(root.FullName, "slapd.conf");

    public string ServicePassword { get; } = RandomPassword();

    /// <summary>
    /// The identity provider's settings that connect this server as the directory <paramref name="name"/>: LDAPS (or
    /// StartTLS on the plain port) with the test CA pinned, the service account, people under <see cref="PeopleDn"/>,
    /// writeback and unlock on, short timeouts.
    /// </summary>
    public Dictionary<string, string?> Settings(string name, bool startTls = false)
    {
        const string prefix = "Directories:Connections:0:";
        return new Dictionary<string, string?>
        {
            [prefix + "Name"] = name,
            [prefix + "Kind"] = "OpenLdap",
            [prefix + "Servers:0"] = Host,
            [prefix + "Port"] = (startTls ? LdapPort : LdapsPort).ToString(System.Globalization.CultureInfo.InvariantCulture),
            [prefix + "Security"] = startTls ? "StartTls" : "Ldaps",
            [prefix + "CaCertificatePath"] = CaCertificatePath,
            [prefix + "BindDn"] = ServiceDn,
            [prefix + "BindPassword"] = ServicePassword,
            [prefix + "BaseDn"] = PeopleDn,
            [prefix + "PasswordWriteback"] = "true",
            [prefix + "AllowUnlock"] = "true",
            [prefix + "ConnectTimeout"] = "00:00:02",
            [prefix + "OperationTimeout"] = "00:00:05",
        };
    }

    /// <summary>Writes the configuration, certificates and tree and starts the server; returns once it answers a bind.</summary>
    public static async Task<SlapdServer> StartAsync()
    {
        var slapd = FindSlapd() ?? throw new InvalidOperationException(
            "The directory tests start a throwaway OpenLDAP server and need slapd 2.5 or later with its schemas and modules: " +
            "on Debian `apt-get install slapd ldap-utils` (no slapd service needs to run).");
        var runAs = Environment.UserName == "root" ? (PostgresServer.UserExists("openldap") ? "openldap" : "nobody") : null;
        var server = new SlapdServer(Directory.CreateTempSubdirectory("idp-ldap-"), slapd, runAs);
        try
        {
            server.WriteFiles();
            if (runAs is not null)
            {
                await PostgresServer.RunAsync("chown", ["-R", runAs, server.root.FullName]);
            }

            await server.StartAgainAsync();
            await server.CreateTreeAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public static string UserDn(string uid) => $"uid={EscapeRdnValue(uid)},{PeopleDn}";

    public static string GroupDn(string name) => $"cn={EscapeRdnValue(name)},{GroupsDn}";

    /// <summary>
    /// An <c>inetOrgPerson</c> under <c>ou=people</c> (cn "given surname", or the uid), added by the rootdn so that the
    /// password policy does not apply to <paramref name="password"/> (it is stored hashed); then a member of each of
    /// <paramref name="groups"/>, a <c>groupOfNames</c> under <c>ou=groups</c> made when missing.
    /// </summary>
    public async Task<string> AddUserAsync(string uid, string password, string? mail, string? mobile = null, string? givenName = null,
        string? surname = null, params string[] groups)
    {
        var dn = UserDn(uid);
        var attributes = new List<DirectoryAttribute>
        {
            new("objectClass", "inetOrgPerson"),
            new("uid", uid),
            new("cn", string.Join(' ', new[] { givenName, surname }.Where(n => !string.IsNullOrEmpty(n))) is { Length: > 0 } name ? name : uid),
            new("sn", surname ?? uid),
            new("userPassword", password),
        };
        AddIfPresent(attributes, "mail", mail);
        AddIfPresent(attributes, "mobile", mobile);
        AddIfPresent(attributes, "givenName", givenName);
        await SendAsync(new AddRequest(dn, [.. attributes]));
        foreach (var group in groups)
        {
            await AddMemberAsync(group, dn);
        }

        return dn;
    }

    /// <summary>Adds <paramref name="memberDn"/> to the group, made when missing.</summary>
    public async Task AddMemberAsync(string group, string memberDn)
    {
        var groupDn = GroupDn(group);
        if (await ExistsAsync(groupDn))
        {
            await SendAsync(new ModifyRequest(groupDn, DirectoryAttributeOperation.Add, "member", memberDn));
        }
        else
        {
            await SendAsync(new AddRequest(groupDn, new DirectoryAttribute("objectClass", "groupOfNames"), new DirectoryAttribute("cn", group),
                new DirectoryAttribute("member", memberDn)));
        }
    }

    /// <summary>Replaces the attribute's values with <paramref name="value"/>, or deletes the attribute when it is null (absent is fine).</summary>
    public async Task SetAttributeAsync(string uid, string attribute, string? value)
    {
        try
        {
            await SendAsync(value is null
                ? new ModifyRequest(UserDn(uid), DirectoryAttributeOperation.Delete, attribute)
                : new ModifyRequest(UserDn(uid), DirectoryAttributeOperation.Replace, attribute, value));
        }
        catch (DirectoryOperationException exception) when (value is null && exception.Response.ResultCode == ResultCode.NoSuchAttribute)
        {
        }
    }

    /// <summary>The attribute's first value (operational attributes too), read as the rootdn; null when absent.</summary>
    public async Task<string?> GetAttributeAsync(string uid, string attribute) => await GetAttributeValuesAsync(uid, attribute) is [var first, ..] ? first : null;

    /// <summary>All values of the attribute, e.g. <c>memberOf</c>.</summary>
    public async Task<IReadOnlyList<string>> GetAttributeValuesAsync(string uid, string attribute)
    {
        var response = (SearchResponse)await SendAsync(new SearchRequest(UserDn(uid), "(objectClass=*)", SearchScope.Base, attribute));
        var values = response.Entries.Count == 0 ? null : response.Entries[0].Attributes[attribute];
        return values is null ? [] : [.. values.GetValues(typeof(string)).Cast<string>()];
    }

    /// <summary>Whether the user can bind with this password (false for a wrong password or a locked account).</summary>
    public async Task<bool> CanBindAsync(string uid, string password)
    {
        try
        {
            (await ConnectAsync(UserDn(uid), password)).Dispose();
            return true;
        }
        catch (LdapException exception) when (exception.ErrorCode == InvalidCredentials)
        {
            return false;
        }
    }

    /// <summary>Locks the account the way ppolicy does: <see cref="MaximumFailures"/> wrong binds, so that slapd sets <c>pwdAccountLockedTime</c>.</summary>
    public async Task LockAsync(string uid)
    {
        for (var i = 0; i < MaximumFailures; i++)
        {
            if (await CanBindAsync(uid, "not the password " + RandomPassword()))
            {
                throw new InvalidOperationException($"A wrong password was accepted for {uid}.");
            }
        }

        if (await GetAttributeAsync(uid, "pwdAccountLockedTime") is null)
        {
            throw new InvalidOperationException($"{uid} is not locked after {MaximumFailures} wrong binds.");
        }
    }

    /// <summary>Stops the server (an outage; connections drop); <see cref="StartAgainAsync"/> brings it back on the same ports and data.</summary>
    public async Task StopAsync()
    {
        if (process is { } running)
        {
            process = null;
            // Closing the shell's input stops slapd (SIGTERM); the shell ends with it.
            running.StandardInput.Close();
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await running.WaitForExitAsync(patience.Token);
            }
            catch (OperationCanceledException)
            {
                running.Kill(entireProcessTree: true);
                await running.WaitForExitAsync();
            }

            running.Dispose();
        }
    }

    /// <summary>Starts the server (again) on the same ports and data; returns once it answers a bind.</summary>
    public async Task StartAgainAsync()
    {
        if (process is not null)
        {
            return;
        }

        // slapd runs in the foreground (-d 0, no debug output) under a small shell that stops it once this process
        // closes the shell's standard input, by StopAsync or by dying: a crashed or killed test run leaves no slapd behind.
        // As root, -u makes slapd bind its ports and then run as runAs.
        var start = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = root.FullName,
        };
        string[] arguments =
        [
            "-c", "exec 3<&0; \"$0\" \"$@\" </dev/null & slapd=$!; { read -r _ <&3; kill $slapd; } & wait $slapd", slapd,
            "-d", "0", "-f", Path.Combine(root.FullName, "slapd.conf"), "-h", $"{LdapUrl} {LdapsUrl}",
        ];
        foreach (var argument in runAs is null ? arguments : [.. arguments, "-u", runAs])
        {
            start.ArgumentList.Add(argument);
        }

        var started = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {slapd} under /bin/sh.");
        started.OutputDataReceived += (_, e) => Log(e.Data);
        started.ErrorDataReceived += (_, e) => Log(e.Data);
        started.BeginOutputReadLine();
        started.BeginErrorReadLine();
        process = started;
        await WaitUntilReadyAsync(started);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            root.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }

    private const int InvalidCredentials = 49;
    private const int ServerDown = 81;

    private void Log(string? line)
    {
        lock (output)
        {
            if (line is not null && output.Length < 20_000)
            {
                output.AppendLine(line);
            }
        }
    }

    private async Task WaitUntilReadyAsync(Process started)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                (await ConnectAsync(AdminDn, AdminPassword)).Dispose();
                return;
            }
            catch (LdapException exception) when (exception.ErrorCode == ServerDown && !started.HasExited && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }
            catch (LdapException exception)
            {
                await StopAsync();
                string log;
                lock (output)
                {
                    log = output.ToString();
                }

                throw new InvalidOperationException($"slapd did not answer a bind on {LdapUrl} ({exception.Message}). Its output: {log}", exception);
            }
        }
    }

    /// <summary>A connection bound as <paramref name="dn"/> over plain LDAP. S.DS.P has no task API: the calls run on the pool.</summary>
    private Task<LdapConnection> ConnectAsync(string dn, string password) => Task.Run(() =>
    {
        var connection = new LdapConnection(new LdapDirectoryIdentifier(Host, LdapPort), new NetworkCredential(dn, password), AuthType.Basic)
        {
            Timeout = TimeSpan.FromSeconds(10),
        };
        connection.SessionOptions.ProtocolVersion = 3;
        try
        {
            connection.Bind();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    });

    /// <summary>Sends one request as the rootdn (no policy or ACL applies), e.g. to delete an entry or write a second uid value.</summary>
    public async Task<DirectoryResponse> SendAsync(DirectoryRequest request)
    {
        using var connection = await ConnectAsync(AdminDn, AdminPassword);
        return await Task.Run(() => connection.SendRequest(request));
    }

    private async Task<bool> ExistsAsync(string dn)
    {
        try
        {
            await SendAsync(new SearchRequest(dn, "(objectClass=*)", SearchScope.Base, "1.1"));
            return true;
        }
        catch (DirectoryOperationException exception) when (exception.Response.ResultCode == ResultCode.NoSuchObject)
        {
            return false;
        }
    }

    private async Task CreateTreeAsync()
    {
        await SendAsync(new AddRequest(BaseDn, new DirectoryAttribute("objectClass", "dcObject", "organization"),
            new DirectoryAttribute("dc", "example"), new DirectoryAttribute("o", "Example Organisation")));
        foreach (var unit in new[] { "people", "groups", "services", "policies" })
        {
            await SendAsync(new AddRequest($"ou={unit},{BaseDn}", new DirectoryAttribute("objectClass", "organizationalUnit"), new DirectoryAttribute("ou", unit)));
        }

        await SendAsync(new AddRequest(ServiceDn, new DirectoryAttribute("objectClass", "applicationProcess", "simpleSecurityObject"),
            new DirectoryAttribute("cn", "idp"), new DirectoryAttribute("userPassword", ServicePassword)));
        // pwdLockoutDuration 0: locked until someone deletes pwdAccountLockedTime. pwdCheckQuality 2: a value the server
        // cannot check (sent already hashed) is refused; the length is checked in either case.
        await SendAsync(new AddRequest(PolicyDn,
            new DirectoryAttribute("objectClass", "device", "pwdPolicy"),
            new DirectoryAttribute("cn", "default"),
            new DirectoryAttribute("pwdAttribute", "userPassword"),
            new DirectoryAttribute("pwdMinLength", $"{MinimumLength}"),
            new DirectoryAttribute("pwdInHistory", $"{History}"),
            new DirectoryAttribute("pwdCheckQuality", "2"),
            new DirectoryAttribute("pwdLockout", "TRUE"),
            new DirectoryAttribute("pwdMaxFailure", $"{MaximumFailures}"),
            new DirectoryAttribute("pwdLockoutDuration", "0"),
            new DirectoryAttribute("pwdMinAge", "0"),
            new DirectoryAttribute("pwdAllowUserChange", "TRUE")));
    }

    private void WriteFiles()
    {
        var folder = root.FullName;
        Directory.CreateDirectory(Path.Combine(folder, "data"));
        WriteCertificates(folder);
        var schemas = SchemaFolders.FirstOrDefault(d => File.Exists(Path.Combine(d, "core.schema"))) ?? throw new InvalidOperationException(
            $"slapd is at {slapd} but its schema files (core.schema) are not in any of {string.Join(", ", SchemaFolders)}: on Debian `apt-get install slapd`.");
        var modules = ModuleFolders.FirstOrDefault(d => File.Exists(Path.Combine(d, "ppolicy.so")) || File.Exists(Path.Combine(d, "ppolicy.la")));
        var service = $"dn.exact=\"{ServiceDn}\"";
        var configuration = $"""
            # Generated by the tests' SlapdServer; deleted with it.
            include {schemas}/core.schema
            include {schemas}/cosine.schema
            include {schemas}/inetorgperson.schema
            include {schemas}/nis.schema
            {(modules is null ? "# back_mdb, ppolicy and memberof are built in" : $"modulepath {modules}\nmoduleload back_mdb\nmoduleload ppolicy\nmoduleload memberof")}
            pidfile {folder}/slapd.pid
            password-hash {"{SSHA}"}
            TLSCACertificateFile {folder}/ca.pem
            TLSCertificateFile {folder}/server.pem
            TLSCertificateKeyFile {folder}/server.key

            database mdb
            suffix "{BaseDn}"
            rootdn "{AdminDn}"
            rootpw {AdminPassword}
            directory {folder}/data
            dbnosync

            # memberOf on a user for each groupOfNames that lists them (as an operational attribute: ask for it by name).
            overlay memberof
            memberof-group-oc groupOfNames
            memberof-member-ad member
            memberof-memberof-ad memberOf
            memberof-refint TRUE

            # ppolicy 2.5 carries its own schema (pwdPolicy, pwdAccountLockedTime, ...).
            overlay ppolicy
            ppolicy_default "{PolicyDn}"
            ppolicy_hash_cleartext
            ppolicy_use_lockout

            # write, not manage, for the service account: with manage ppolicy would skip its checks on a reset.
            access to dn.subtree="{PeopleDn}" attrs=userPassword
              by self write
              by {service} write
              by anonymous auth
              by * none
            access to attrs=userPassword
              by self write
              by anonymous auth
              by * none
            access to dn.subtree="{PeopleDn}" attrs=pwdAccountLockedTime
              by {service} write
              by * none
            access to dn.subtree="{PeopleDn}"
              by {service} read
              by self read
              by * none
            access to dn.subtree="{GroupsDn}"
              by {service} read
              by * none
            access to *
              by self read
              by * none
            """;
        File.WriteAllText(Path.Combine(folder, "slapd.conf"), configuration.ReplaceLineEndings("\n") + "\n");
    }

    /// <summary>A CA and a server certificate for 127.0.0.1 and localhost, valid for a week, as PEM files.</summary>
    private void WriteCertificates(string folder)
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest(CaSubject, caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(7));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        using var server = request.Create(ca, now.AddHours(-1), now.AddDays(6), RandomNumberGenerator.GetBytes(16));

        File.WriteAllText(CaCertificatePath, ca.ExportCertificatePem() + "\n");
        File.WriteAllText(Path.Combine(folder, "server.pem"), server.ExportCertificatePem() + "\n");
        File.WriteAllText(Path.Combine(folder, "server.key"), serverKey.ExportPkcs8PrivateKeyPem() + "\n");
    }

    private static void AddIfPresent(List<DirectoryAttribute> attributes, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            attributes.Add(new DirectoryAttribute(name, value));
        }
    }

    /// <summary>An attribute value escaped for a DN (RFC 4514).</summary>
    private static string EscapeRdnValue(string value)
    {
        var escaped = new StringBuilder();
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (",+\"\\<>;=".Contains(c, StringComparison.Ordinal) || (i == 0 && c is '#' or ' ') || (i == value.Length - 1 && c == ' '))
            {
                escaped.Append('\\');
            }

            escaped.Append(c);
        }

        return escaped.ToString();
    }

    private static string RandomPassword() => Convert.ToHexString(RandomNumberGenerator.GetBytes(12)).ToLowerInvariant();

    private static string? FindSlapd()
    {
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .Append("/usr/sbin").Append("/usr/local/sbin").Append("/usr/libexec");
        return candidates.Select(d => Path.Combine(d, "slapd")).FirstOrDefault(File.Exists);
    }
}
