using System.DirectoryServices.Protocols;
using System.Formats.Asn1;
using System.Net;
using System.Text;
using IdentityProvider.Passwords;
using Polly;
using Polly.CircuitBreaker;

namespace IdentityProvider.Directories;

/// <summary>The directory (every one of its servers) could not be reached, or its circuit is open: nothing was done there.</summary>
/// <param name="directory">The directory's name.</param>
/// <param name="reason">What failed, for the log and the audit trail.</param>
/// <param name="inner">The failure.</param>
/// <param name="detail">What the person is told, when not that nothing was changed.</param>
public sealed class DirectoryUnavailableException(string directory, string reason, Exception? inner = null, string? detail = null)
    : Resilience.UpstreamUnavailableException(
        "Your organisation's directory can't be reached",
        detail ?? "Your password is kept in your organisation's directory, which isn't answering right now. Nothing was changed. Try again in a few minutes; if it keeps happening, contact your IT staff.",
        $"The directory '{directory}' can't be reached: {reason}",
        inner)
{
    /// <summary>What a person is told when a password write went out and no answer came back: it may have been applied.</summary>
    public const string MayHaveChanged =
        "Your organisation's directory didn't answer in time after the new password was sent, so it may or may not have taken it. Try signing in with the new password; if that doesn't work, try again in a few minutes or contact your IT staff.";

    public string Directory { get; } = directory;

    public string Reason { get; } = reason;
}

/// <summary>A user as the directory holds it.</summary>
/// <param name="Dn">The entry's distinguished name.</param>
/// <param name="UserName">The user ID people type to sign in.</param>
/// <param name="Email">The primary email address.</param>
/// <param name="GivenName">The given name.</param>
/// <param name="Surname">The family name.</param>
/// <param name="MobilePhone">The mobile phone as the directory writes it.</param>
/// <param name="OfficePhone">The office phone as the directory writes it.</param>
/// <param name="Groups">The names of the groups the user belongs to (the first RDN value of each group DN).</param>
/// <param name="Locked">The directory has locked the account (ppolicy's <c>pwdAccountLockedTime</c>, AD's <c>lockoutTime</c>).</param>
/// <param name="ObjectId">
/// The entry's identity that survives renames and is never reused (<c>entryUUID</c>, RFC 4530; AD's <c>objectGUID</c>),
/// or null when the directory does not give one. A new person whose entry takes a departed person's DN has another one.
/// </param>
public sealed record DirectoryUser(
    string Dn, string UserName, string? Email, string? GivenName, string? Surname, string? MobilePhone, string? OfficePhone,
    IReadOnlyList<string> Groups, bool Locked, string? ObjectId);

/// <summary>What a connection test found.</summary>
public sealed record DirectoryTest(bool Succeeded, string Server, TimeSpan Took, string Detail);

/// <summary>
/// The LDAP v3 operations on one directory (System.DirectoryServices.Protocols): a fresh connection per operation,
/// protected as configured (LDAPS or StartTLS, the server certificate checked against the pinned authorities), the
/// servers tried in order, and a circuit breaker (Polly) that stops calling a directory that keeps failing. A directory
/// that cannot be reached throws <see cref="DirectoryUnavailableException"/>; what the directory refuses comes back as
/// a result. Distinguished names passed in come from the directory's own answers, never from user input.
/// </summary>
public sealed partial class DirectoryConnector
{
    // RFC 3062 password modify; the ppolicy request control (draft-behera-ldap-password-policy).
    private const string PasswordModifyOid = "1.3.6.1.4.1.4203.1.11.1";

    // LDAP_INVALID_CREDENTIALS (RFC 4511), which the ResultCode enum does not name.
    private const int InvalidCredentials = 49;

    // A user's bind that the server refused: invalid credentials, inappropriate authentication, insufficient access,
    // unwilling to perform (AD: disabled or expired account).
    private static readonly HashSet<int> UserBindRefusals = [InvalidCredentials, 48, 50, 53];

    private static readonly HashSet<ResultCode> Unreachable =
    [
        (ResultCode)81, // LDAP_SERVER_DOWN
        (ResultCode)85, // LDAP_TIMEOUT
        (ResultCode)91, // LDAP_CONNECT_ERROR
        ResultCode.Busy,
        ResultCode.Unavailable,
    ];

    // How long reading the whole directory for a sync may take (each page still has the operation timeout).
    private static readonly TimeSpan ListLimit = TimeSpan.FromMinutes(10);

    // ppolicy's pwdAccountLockedTime for "locked until an administrator unlocks it".
    private const string AdministrativeLock = "000001010000Z";

    // The longest user ID and DN this service stores (the columns' sizes).
    private const int MaxUserName = 256;
    private const int MaxDn = 1000;

    private readonly ResiliencePipeline breaker;
    private readonly CircuitBreakerStateProvider state = new();
    private readonly string? trustedFolder;
    private readonly System.Security.Cryptography.X509Certificates.X509Certificate2Collection? pinned;
    private readonly ILogger logger;

    public DirectoryConnector(DirectoryOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        this.logger = logger;
        if (!string.IsNullOrWhiteSpace(options.CaCertificatePath))
        {
            pinned = [];
            pinned.ImportFromPemFile(options.CaCertificatePath);
            trustedFolder = OperatingSystem.IsWindows() ? null : TrustedAuthorities.Prepare(options.CaCertificatePath);
        }
        breaker = new ResiliencePipelineBuilder().AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            FailureRatio = 1.0,
            MinimumThroughput = options.FailuresBeforeBreak,
            SamplingDuration = TimeSpan.FromMinutes(1),
            BreakDuration = options.BreakDuration,
            ShouldHandle = new PredicateBuilder().Handle<DirectoryUnavailableException>(),
            StateProvider = state,
        }).Build();
    }

    public DirectoryOptions Options { get; }

    public string Name => Options.Name;

    /// <summary>Whether the circuit is open (calls fail at once) or half-open (the next call is a trial).</summary>
    public CircuitState Circuit => state.CircuitState;

    /// <summary>The one user whose user ID or email address is <paramref name="userNameOrEmail"/>; null when none or several match.</summary>
    public Task<DirectoryUser?> FindAsync(string userNameOrEmail, CancellationToken cancellationToken) =>
        RunAsync(connection =>
        {
            var map = Options.Attributes;
            var value = Escape(userNameOrEmail);
            var filter = $"(&{Options.EffectiveUserFilter}(|({map.UserNameOr(Options.Kind)}={value})({map.EmailOr()}={value})))";
            var request = new SearchRequest(Options.BaseDn, filter, SearchScope.Subtree, Attributes()) { SizeLimit = 2 };
            var response = Search(connection, request, tolerateSizeLimit: true);
            return response.Entries.Count == 1 ? Read(response.Entries[0]) : null;
        }, cancellationToken);

    /// <summary>The user at <paramref name="dn"/>, or null when the entry is gone or no longer matches the filter.</summary>
    public Task<DirectoryUser?> ReadAsync(string dn, CancellationToken cancellationToken) =>
        RunAsync(connection =>
        {
            try
            {
                var response = Search(connection, new SearchRequest(dn, Options.EffectiveUserFilter, SearchScope.Base, Attributes()), tolerateSizeLimit: false);
                return response.Entries.Count == 1 ? Read(response.Entries[0]) : null;
            }
            catch (DirectoryOperationException exception) when (exception.Response?.ResultCode == ResultCode.NoSuchObject)
            {
                return null;
            }
        }, cancellationToken);

    /// <summary>Every user the filter selects, read in pages of 500 (within <see cref="ListLimit"/> as a whole).</summary>
    public Task<List<DirectoryUser>> ListAsync(CancellationToken cancellationToken) =>
        RunAsync(connection =>
        {
            var users = new List<DirectoryUser>();
            var paging = new PageResultRequestControl(500);
            var request = new SearchRequest(Options.BaseDn, Options.EffectiveUserFilter, SearchScope.Subtree, Attributes());
            request.Controls.Add(paging);
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var response = Search(connection, request, tolerateSizeLimit: false);
                users.AddRange(response.Entries.Cast<SearchResultEntry>().Select(Read).OfType<DirectoryUser>());
                var page = response.Controls.OfType<PageResultResponseControl>().FirstOrDefault();
                if (page is null || page.Cookie.Length == 0)
                {
                    return users;
                }

                paging.Cookie = page.Cookie;
            }
        }, cancellationToken, limit: ListLimit);

    /// <summary>Whether <paramref name="password"/> is the user's directory password (a simple bind as the user). An empty password is never right.</summary>
    public Task<bool> VerifyPasswordAsync(string dn, string password, CancellationToken cancellationToken)
    {
        if (!IsBindable(password))
        {
            // An empty password would be an "unauthenticated bind" (RFC 4513 5.1.2), which servers may accept; the LDAP
            // library reads a password up to its first NUL, so "\0…" would be one too.
            return Task.FromResult(false);
        }

        return RunAsync(_ => true, cancellationToken, new NetworkCredential(dn, password), wrongCredentials: () => false);
    }

    /// <summary>
    /// Sets the user's password in the directory. With <paramref name="currentPassword"/> the change is made as the user
    /// (bound with the current password, so the directory applies its rules for a user's own change); without it, by the
    /// service account as a reset.
    /// </summary>
    public Task<ExternalPasswordWrite> SetPasswordAsync(string dn, string newPassword, string? currentPassword, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(newPassword);
        if (!IsBindable(newPassword))
        {
            return Task.FromResult(new ExternalPasswordWrite(ExternalPasswordWriteStatus.Refused, "A password can't be only spaces or contain control characters."));
        }

        if (currentPassword is { Length: > 0 } && !IsBindable(currentPassword))
        {
            return Task.FromResult(new ExternalPasswordWrite(ExternalPasswordWriteStatus.WrongCurrentPassword));
        }

        var asUser = currentPassword is { Length: > 0 } ? new NetworkCredential(dn, currentPassword) : null;
        return RunAsync(connection =>
        {
            try
            {
                if (Options.Kind == DirectoryKind.ActiveDirectory)
                {
                    connection.SendRequest(ActiveDirectoryPassword(dn, newPassword, currentPassword), Options.OperationTimeout);
                }
                else
                {
                    var request = new ExtendedRequest(PasswordModifyOid, PasswordModifyValue(asUser is null ? dn : null, currentPassword, newPassword));
                    connection.SendRequest(request, Options.OperationTimeout);
                }

                return ExternalPasswordWrite.Written;
            }
            catch (DirectoryOperationException exception) when (exception.Response is { } response && !Unreachable.Contains(response.ResultCode))
            {
                LogRefused(logger, Name, response.ResultCode, response.ErrorMessage);
                return new ExternalPasswordWrite(ExternalPasswordWriteStatus.Refused, RefusalText(response.ResultCode, response.ErrorMessage));
            }
        }, cancellationToken, asUser, wrongCredentials: () => new ExternalPasswordWrite(ExternalPasswordWriteStatus.WrongCurrentPassword));
    }

    /// <summary>
    /// Clears the directory's lockout of the account (ppolicy: deletes <c>pwdAccountLockedTime</c>; AD: <c>lockoutTime = 0</c>).
    /// True when it was locked and is no more. An administrative lock (ppolicy's <c>000001010000Z</c>, "until an
    /// administrator unlocks it", often set when someone leaves) is lifted only when <paramref name="administrative"/>.
    /// </summary>
    public Task<bool> UnlockAsync(string dn, bool administrative, CancellationToken cancellationToken) =>
        RunAsync(connection =>
        {
            var attribute = Options.Kind == DirectoryKind.ActiveDirectory ? "lockoutTime" : "pwdAccountLockedTime";
            var current = Search(connection, new SearchRequest(dn, "(objectClass=*)", SearchScope.Base, attribute), tolerateSizeLimit: false);
            var entry = current.Entries.Count == 1 ? current.Entries[0] : null;
            var value = entry?.Attributes[attribute] is { Count: > 0 } found ? found[0]?.ToString() : null;
            var locked = Options.Kind == DirectoryKind.ActiveDirectory ? value is { Length: > 0 } and not "0" : value is { Length: > 0 };
            if (!locked || (!administrative && value == AdministrativeLock))
            {
                return false;
            }

            var modify = Options.Kind == DirectoryKind.ActiveDirectory
                ? new ModifyRequest(dn, DirectoryAttributeOperation.Replace, attribute, "0")
                : new ModifyRequest(dn, DirectoryAttributeOperation.Delete, attribute);
            connection.SendRequest(modify, Options.OperationTimeout);
            return true;
        }, cancellationToken);

    /// <summary>Binds as the service account on each server in turn and reads the base entry; reports the first that works (or the last failure).</summary>
    public async Task<DirectoryTest> TestAsync(CancellationToken cancellationToken)
    {
        DirectoryTest? last = null;
        foreach (var server in Options.Servers)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                await Task.Run(() =>
                {
                    using var connection = Connect(server, ServiceCredential);
                    Search(connection, new SearchRequest(Options.BaseDn, "(objectClass=*)", SearchScope.Base, "1.1"), tolerateSizeLimit: false);
                }, CancellationToken.None).WaitAsync(Options.ConnectTimeout + Options.OperationTimeout, cancellationToken);
                return new DirectoryTest(true, server, System.Diagnostics.Stopwatch.GetElapsedTime(started), "Bound as the service account and read the base DN.");
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                last = new DirectoryTest(false, server, System.Diagnostics.Stopwatch.GetElapsedTime(started), Describe(exception));
            }
        }

        return last ?? new DirectoryTest(false, string.Empty, TimeSpan.Zero, "No server is configured.");
    }

    private NetworkCredential ServiceCredential => new(Options.BindDn, Options.BindPassword);

    /// <summary>
    /// Runs an operation on the first server that answers, bound as <paramref name="credential"/> (the service account
    /// when null), under the circuit breaker. When the bind itself is refused with invalid credentials and
    /// <paramref name="wrongCredentials"/> is given, its answer is returned; for the service account it is an outage.
    /// </summary>
    private async Task<T> RunAsync<T>(
        Func<LdapConnection, T> operation, CancellationToken cancellationToken, NetworkCredential? credential = null, Func<T>? wrongCredentials = null, TimeSpan? limit = null)
    {
        try
        {
            return await breaker.ExecuteAsync(
                async token => await WithinLimitAsync(Task.Run(() => RunOnServers(operation, credential, wrongCredentials), CancellationToken.None), limit, token),
                cancellationToken);
        }
        catch (BrokenCircuitException exception)
        {
            throw new DirectoryUnavailableException(Name, "it failed several times in a row; calls pause for a moment", exception);
        }
    }

    /// <summary>
    /// The time limit of one whole operation (every server's connect and the operation): the LDAP library's own timeouts
    /// do not stop a server that accepts a connection and never answers, so the caller stops waiting here. The blocked
    /// call is left to the operating system's TCP timeout.
    /// </summary>
    private async Task<T> WithinLimitAsync<T>(Task<T> work, TimeSpan? listLimit, CancellationToken cancellationToken)
    {
        var limit = listLimit ?? (Options.ConnectTimeout + Options.OperationTimeout) * Math.Max(1, Options.Servers.Count);
        try
        {
            return await work.WaitAsync(limit, cancellationToken);
        }
        catch (TimeoutException exception)
        {
            throw new DirectoryUnavailableException(Name, $"no answer within {limit.TotalSeconds:0} seconds", exception);
        }
    }

    private T RunOnServers<T>(Func<LdapConnection, T> operation, NetworkCredential? credential, Func<T>? wrongCredentials)
    {
        Exception? last = null;
        foreach (var server in Options.Servers)
        {
            LdapConnection connection;
            try
            {
                connection = Connect(server, credential ?? ServiceCredential);
            }
            catch (LdapException exception) when (credential is not null && wrongCredentials is not null && UserBindRefusals.Contains(exception.ErrorCode))
            {
                // The server answered and refused the user (wrong password, disabled, expired): not an outage.
                return wrongCredentials();
            }
            catch (LdapException exception) when (exception.ErrorCode == InvalidCredentials)
            {
                throw new DirectoryUnavailableException(Name, "the directory refused the service account: check BindDn and BindPassword", exception);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // Any failure to connect, also the LDAP library missing from the machine (DllNotFoundException) or a
                // StartTLS the server refuses: the next server, then an outage, never a crash.
                LogServerFailed(logger, Name, server, Describe(exception));
                last = exception;
                continue;
            }

            using (connection)
            {
                try
                {
                    return operation(connection);
                }
                catch (Exception exception) when (exception is LdapException or DirectoryOperationException)
                {
                    // The server went away mid-operation, or answered in a way the operation does not expect (a base DN
                    // that does not exist, access refused): nothing more is tried, an operation that may have been
                    // half-done is not repeated elsewhere, and the caller gets an outage, never a crash.
                    var reason = exception is DirectoryOperationException { Response.ResultCode: ResultCode.NoSuchObject }
                        ? $"the base DN '{Options.BaseDn}' does not exist, or the service account can't see it"
                        : Describe(exception);
                    throw new DirectoryUnavailableException(Name, reason, exception);
                }
            }
        }

        throw new DirectoryUnavailableException(Name, last is null ? "no server is configured" : Describe(last), last);
    }

    private LdapConnection Connect(string server, NetworkCredential credential)
    {
        var connection = new LdapConnection(new LdapDirectoryIdentifier(server, Options.EffectivePort, fullyQualifiedDnsHostName: true, connectionless: false))
        {
            AuthType = AuthType.Basic,
            Timeout = Options.ConnectTimeout,
        };
        try
        {
            connection.SessionOptions.ProtocolVersion = 3;
            connection.SessionOptions.ReferralChasing = ReferralChasingOptions.None;
            if (Options.Security == DirectorySecurity.Ldaps)
            {
                connection.SessionOptions.SecureSocketLayer = true;
            }

            if (pinned is not null)
            {
                Pin(connection, server);
            }

            if (Options.Security == DirectorySecurity.StartTls)
            {
                // The LDAP library on Linux starts TLS only on an open connection: an anonymous bind opens it (nothing
                // secret crosses), then TLS, then the real bind.
                try
                {
                    connection.Bind(new NetworkCredential(string.Empty, string.Empty));
                    connection.SessionOptions.StartTransportLayerSecurity(null);
                }
                catch (Exception exception) when (exception is LdapException or DirectoryOperationException)
                {
                    // Not the user's credentials: the server refused the anonymous bind before StartTLS, or TLS itself.
                    throw new InvalidOperationException($"StartTLS failed on {server} (it needs an anonymous bind first): {Describe(exception)}", exception);
                }
            }

            connection.Bind(credential);
            connection.Timeout = Options.OperationTimeout;
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Trusts only the pinned authorities: on Linux and macOS the LDAP library (OpenSSL) reads them from the hashed
    /// folder; on Windows the server certificate's chain is built on them in a callback.
    /// </summary>
    private void Pin(LdapConnection connection, string server)
    {
        if (OperatingSystem.IsWindows())
        {
            connection.SessionOptions.VerifyServerCertificate = (_, certificate) =>
            {
                using var chain = new System.Security.Cryptography.X509Certificates.X509Chain();
                chain.ChainPolicy.TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(pinned!);
                chain.ChainPolicy.RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck;
                using var presented = new System.Security.Cryptography.X509Certificates.X509Certificate2(certificate);

                // The callback replaces the library's own checks, the name included.
                return chain.Build(presented) && presented.MatchesHostname(server);
            };
            return;
        }

        connection.SessionOptions.TrustedCertificatesDirectory = trustedFolder;
        connection.SessionOptions.StartNewTlsSessionContext();
    }

    private SearchResponse Search(LdapConnection connection, SearchRequest request, bool tolerateSizeLimit)
    {
        try
        {
            return (SearchResponse)connection.SendRequest(request, Options.OperationTimeout);
        }
        catch (DirectoryOperationException exception) when (tolerateSizeLimit && exception.Response is SearchResponse { ResultCode: ResultCode.SizeLimitExceeded } partial)
        {
            return partial;
        }
    }

    private string[] Attributes()
    {
        var map = Options.Attributes;
        return
        [
            map.UserNameOr(Options.Kind), map.EmailOr(), map.GivenNameOr(), map.SurnameOr(), map.MobilePhoneOr(), map.OfficePhoneOr(), map.GroupsOr(),
            Options.Kind == DirectoryKind.ActiveDirectory ? "lockoutTime" : "pwdAccountLockedTime",
            Options.Kind == DirectoryKind.ActiveDirectory ? "objectGUID" : "entryUUID",
        ];
    }

    private DirectoryUser? Read(SearchResultEntry entry)
    {
        var map = Options.Attributes;
        var userName = First(entry, map.UserNameOr(Options.Kind))?.Trim();
        if (string.IsNullOrWhiteSpace(userName) || userName.Length > MaxUserName || userName.Any(char.IsControl)
            || entry.DistinguishedName.Length > MaxDn)
        {
            // Nothing this service could store faithfully: the entry is left out (and said so), never half-imported.
            LogSkipped(logger, Name, entry.DistinguishedName.Length > 200 ? entry.DistinguishedName[..200] + "…" : entry.DistinguishedName);
            return null;
        }

        var groups = All(entry, map.GroupsOr()).Select(GroupName).Where(g => g.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var lockValue = Options.Kind == DirectoryKind.ActiveDirectory ? First(entry, "lockoutTime") : First(entry, "pwdAccountLockedTime");
        var locked = Options.Kind == DirectoryKind.ActiveDirectory ? lockValue is { Length: > 0 } and not "0" : lockValue is { Length: > 0 };
        return new DirectoryUser(entry.DistinguishedName, userName, First(entry, map.EmailOr()), First(entry, map.GivenNameOr()), First(entry, map.SurnameOr()),
            First(entry, map.MobilePhoneOr()), First(entry, map.OfficePhoneOr()), groups, locked, ObjectIdOf(entry));
    }

    /// <summary>entryUUID as the directory writes it; objectGUID (16 bytes) as a GUID.</summary>
    private string? ObjectIdOf(SearchResultEntry entry)
    {
        if (Options.Kind == DirectoryKind.ActiveDirectory)
        {
            // As bytes always: the indexer gives a string when the 16 bytes happen to be valid UTF-8.
            return entry.Attributes.Contains("objectGUID") && entry.Attributes["objectGUID"].GetValues(typeof(byte[])) is [byte[] { Length: 16 } guid, ..]
                ? new Guid(guid).ToString()
                : null;
        }

        return First(entry, "entryUUID")?.Trim().ToLowerInvariant();
    }

    /// <summary>Whether a password can be sent in a bind: not empty or blank, no control character (a NUL would cut it short).</summary>
    internal static bool IsBindable(string? password) => !string.IsNullOrWhiteSpace(password) && !password.Any(char.IsControl);

    private static string? First(SearchResultEntry entry, string attribute) =>
        entry.Attributes.Contains(attribute) && entry.Attributes[attribute].Count > 0 ? Text(entry.Attributes[attribute][0]) : null;

    private static IEnumerable<string> All(SearchResultEntry entry, string attribute) =>
        entry.Attributes.Contains(attribute) ? entry.Attributes[attribute].Cast<object>().Select(Text).OfType<string>() : [];

    private static string? Text(object? value) => value switch
    {
        string text => text,
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        _ => null,
    };

    /// <summary>A group's name: the value of the first RDN of its DN (<c>cn=Sales,ou=groups,…</c> → <c>Sales</c>).</summary>
    internal static string GroupName(string dn)
    {
        var first = dn.Split(',', 2)[0];
        var equals = first.IndexOf('=', StringComparison.Ordinal);
        return (equals < 0 ? first : first[(equals + 1)..]).Replace("\\", string.Empty, StringComparison.Ordinal).Trim();
    }

    /// <summary>Escapes a value for an LDAP filter (RFC 4515 section 3).</summary>
    internal static string Escape(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            builder.Append(c switch
            {
                '\\' => "\\5c",
                '*' => "\\2a",
                '(' => "\\28",
                ')' => "\\29",
                '\0' => "\\00",
                _ => c.ToString(),
            });
        }

        return builder.ToString();
    }

    /// <summary>PasswdModifyRequestValue (RFC 3062): SEQUENCE { userIdentity [0], oldPasswd [1], newPasswd [2] }, each optional.</summary>
    private static byte[] PasswordModifyValue(string? userIdentity, string? oldPassword, string newPassword)
    {
        var writer = new AsnWriter(AsnEncodingRules.BER);
        using (writer.PushSequence())
        {
            if (userIdentity is not null)
            {
                writer.WriteOctetString(Encoding.UTF8.GetBytes(userIdentity), new Asn1Tag(TagClass.ContextSpecific, 0));
            }

            if (oldPassword is { Length: > 0 })
            {
                writer.WriteOctetString(Encoding.UTF8.GetBytes(oldPassword), new Asn1Tag(TagClass.ContextSpecific, 1));
            }

            writer.WriteOctetString(Encoding.UTF8.GetBytes(newPassword), new Asn1Tag(TagClass.ContextSpecific, 2));
        }

        return writer.Encode();
    }

    /// <summary>
    /// AD's password attribute: the password in double quotes, UTF-16LE. A user's own change deletes the old value and adds
    /// the new one (AD checks the old one and its policy); a reset replaces it.
    /// </summary>
    private static ModifyRequest ActiveDirectoryPassword(string dn, string newPassword, string? currentPassword)
    {
        static byte[] Quoted(string password) => Encoding.Unicode.GetBytes($"\"{password}\"");
        if (currentPassword is { Length: > 0 })
        {
            var request = new ModifyRequest(dn);
            request.Modifications.Add(new DirectoryAttributeModification { Name = "unicodePwd", Operation = DirectoryAttributeOperation.Delete });
            request.Modifications[0].Add(Quoted(currentPassword));
            request.Modifications.Add(new DirectoryAttributeModification { Name = "unicodePwd", Operation = DirectoryAttributeOperation.Add });
            request.Modifications[1].Add(Quoted(newPassword));
            return request;
        }

        var reset = new ModifyRequest(dn);
        reset.Modifications.Add(new DirectoryAttributeModification { Name = "unicodePwd", Operation = DirectoryAttributeOperation.Replace });
        reset.Modifications[0].Add(Quoted(newPassword));
        return reset;
    }

    /// <summary>What to tell the user when the directory refused a password (its own words are logged, not shown).</summary>
    internal static string RefusalText(ResultCode code, string? serverMessage)
    {
        var text = serverMessage ?? string.Empty;
        if (text.Contains("history", StringComparison.OrdinalIgnoreCase) || text.Contains("existing value", StringComparison.OrdinalIgnoreCase))
        {
            return "Your organisation's directory refused this password because you used it recently. Choose a password you haven't used before.";
        }

        if (text.Contains("too young", StringComparison.OrdinalIgnoreCase) || text.Contains("minimum age", StringComparison.OrdinalIgnoreCase))
        {
            return "Your organisation's directory refused this password because the password was changed too recently. Try again later, or ask your IT staff.";
        }

        if (text.Contains("quality", StringComparison.OrdinalIgnoreCase) || text.Contains("short", StringComparison.OrdinalIgnoreCase)
            || text.Contains("length", StringComparison.OrdinalIgnoreCase) || text.Contains("0000052D", StringComparison.OrdinalIgnoreCase))
        {
            return "Your organisation's directory refused this password: it doesn't meet the directory's rules for length, complexity or reuse. Choose a longer password you haven't used before.";
        }

        return code == ResultCode.InsufficientAccessRights
            ? "Your organisation's directory doesn't let this service change your password. Ask your IT staff."
            : "Your organisation's directory refused this password. Choose a different one, or ask your IT staff.";
    }

    private static string Describe(Exception exception) => exception switch
    {
        LdapException ldap => $"LDAP error {ldap.ErrorCode}: {ldap.ServerErrorMessage ?? ldap.Message}",
        DirectoryOperationException operation => $"LDAP result {operation.Response?.ResultCode}: {operation.Response?.ErrorMessage ?? operation.Message}",
        DllNotFoundException or TypeInitializationException => "the LDAP client library (libldap) is not installed on this machine: " + exception.Message,
        _ => exception.Message,
    };

    [LoggerMessage(EventId = 9000, Level = LogLevel.Warning, Message = "Directory {Directory}: server {Server} failed: {Failure}.")]
    private static partial void LogServerFailed(ILogger logger, string directory, string server, string failure);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Warning, Message = "Directory {Directory}: entry {Dn} left out: its user ID is missing, too long or has control characters, or its DN is too long.")]
    private static partial void LogSkipped(ILogger logger, string directory, string dn);

    [LoggerMessage(EventId = 9001, Level = LogLevel.Information, Message = "Directory {Directory} refused a password ({Code}: {ServerMessage}).")]
    private static partial void LogRefused(ILogger logger, string directory, ResultCode code, string? serverMessage);
}
