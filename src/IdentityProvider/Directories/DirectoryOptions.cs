using System.ComponentModel.DataAnnotations;

namespace IdentityProvider.Directories;

/// <summary>The kind of on-premises directory, which decides how passwords are written and accounts unlocked.</summary>
public enum DirectoryKind
{
    /// <summary>
    /// OpenLDAP (or another server with the password-modify extended operation, RFC 3062, and the ppolicy overlay):
    /// passwords are set with the extended operation, unlocking deletes <c>pwdAccountLockedTime</c>.
    /// </summary>
    OpenLdap,

    /// <summary>
    /// Active Directory: passwords are set through <c>unicodePwd</c> (which AD accepts only over an encrypted connection),
    /// unlocking writes <c>lockoutTime = 0</c>.
    /// </summary>
    ActiveDirectory,
}

/// <summary>How the LDAP connection is protected.</summary>
public enum DirectorySecurity
{
    /// <summary>LDAP over TLS (<c>ldaps://</c>, port 636 by default).</summary>
    Ldaps,

    /// <summary>Plain LDAP upgraded with the StartTLS extended operation before anything is sent (port 389 by default).</summary>
    StartTls,

    /// <summary>
    /// No encryption: passwords cross the network in clear. Refused in the Production environment (for a demo directory
    /// on a private network only).
    /// </summary>
    None,
}

/// <summary>The section <c>Directories</c>: the on-premises directories whose users sign in here.</summary>
public sealed class DirectoriesOptions
{
    public const string SectionName = "Directories";

    /// <summary>
    /// The directories, tried in order when a user ID is not known here yet (just-in-time import). Empty by default:
    /// every password lives in this product's database.
    /// </summary>
    public List<DirectoryOptions> Connections { get; set; } = [];

    /// <summary>
    /// Run each directory's sync on its <see cref="DirectoryOptions.SyncInterval"/> (the first round about ten seconds
    /// after start). Off: the sync runs only when an administrator presses "Sync now". Default on.
    /// </summary>
    public bool ScheduledSync { get; set; } = true;
}

/// <summary>One on-premises LDAP v3 directory: where it is, how to read its users, and what this product may write.</summary>
public sealed class DirectoryOptions
{
    /// <summary>A short name (letters, digits, '-', at most 32), stored on each linked user and shown to administrators. Required.</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9-]{1,32}$")]
    public string Name { get; set; } = string.Empty;

    /// <summary>OpenLDAP (default) or Active Directory.</summary>
    public DirectoryKind Kind { get; set; } = DirectoryKind.OpenLdap;

    /// <summary>Host names or addresses of the directory's servers, tried in this order: the next one when a server does not answer. At least one.</summary>
    [MinLength(1)]
    public List<string> Servers { get; set; } = [];

    /// <summary>The TCP port; 0 (default) means 636 for <see cref="DirectorySecurity.Ldaps"/> and 389 otherwise.</summary>
    [Range(0, 65535)]
    public int Port { get; set; }

    /// <summary>How the connection is protected. Default <see cref="DirectorySecurity.Ldaps"/>.</summary>
    public DirectorySecurity Security { get; set; } = DirectorySecurity.Ldaps;

    /// <summary>
    /// A PEM file with the certificate authority (or authorities) that signed the servers' certificates: only these are
    /// trusted for this directory (pinning). Empty: the system's trusted authorities. The server certificate's name must
    /// match the server name either way.
    /// </summary>
    public string? CaCertificatePath { get; set; }

    /// <summary>The service account's distinguished name, used to search users, write passwords and unlock accounts. Required.</summary>
    [Required]
    public string BindDn { get; set; } = string.Empty;

    /// <summary>The service account's password (keep it in a secret store or an environment variable, not in a file). Required.</summary>
    [Required]
    public string BindPassword { get; set; } = string.Empty;

    /// <summary>Where users are searched (the whole subtree), e.g. <c>ou=people,dc=example,dc=org</c>. Required.</summary>
    [Required]
    public string BaseDn { get; set; } = string.Empty;

    /// <summary>
    /// The LDAP filter (RFC 4515) that selects the users who may sign in here. Empty: <c>(objectClass=inetOrgPerson)</c>
    /// for OpenLDAP, <c>(&amp;(objectCategory=person)(objectClass=user))</c> for Active Directory.
    /// </summary>
    public string? UserFilter { get; set; }

    /// <summary>Which directory attribute holds each part of a user.</summary>
    public DirectoryAttributeMap Attributes { get; set; } = new();

    /// <summary>
    /// Password writeback: a self-service reset, a password change, a forced change and an administrator's reset of a
    /// user of this directory set the password in the directory. Off (default): those users' passwords cannot be reset
    /// or changed here, and self-service tells them to ask their IT staff.
    /// </summary>
    public bool PasswordWriteback { get; set; }

    /// <summary>
    /// Unlock (self-service, a reset, an administrator's) also clears the directory's own lockout of the account. Off by
    /// default. Self-service reaches these users only with <see cref="PasswordWriteback"/> on; a lock an administrator
    /// set in the directory (ppolicy's <c>000001010000Z</c>) is lifted only by an administrator's unlock.
    /// </summary>
    public bool AllowUnlock { get; set; }

    /// <summary>
    /// Import every user the filter selects at each sync (true), or only users who signed in once (false, default:
    /// just-in-time; the sync then keeps the imported users up to date).
    /// </summary>
    public bool ImportAllUsers { get; set; }

    /// <summary>How often users' contact data and groups are read again. Default 15 minutes; 1 minute to 1 day.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan SyncInterval { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long to wait for a server to accept a connection. Default 5 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long one LDAP operation may take. Default 10 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// After this many failed attempts to reach the directory within a minute, with none succeeding, stop trying for
    /// <see cref="BreakDuration"/> and answer "the directory can't be reached" at once. Default 5; 2 to 100.
    /// </summary>
    [Range(2, 100)]
    public int FailuresBeforeBreak { get; set; } = 5;

    /// <summary>How long the circuit stays open once broken. Default 30 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    internal int EffectivePort => Port != 0 ? Port : Security == DirectorySecurity.Ldaps ? 636 : 389;

    internal string EffectiveUserFilter => !string.IsNullOrWhiteSpace(UserFilter) ? UserFilter
        : Kind == DirectoryKind.ActiveDirectory ? "(&(objectCategory=person)(objectClass=user))" : "(objectClass=inetOrgPerson)";
}

/// <summary>
/// The directory attributes each part of a user is read from. Empty values use the kind's defaults (OpenLDAP /
/// Active Directory).
/// </summary>
public sealed class DirectoryAttributeMap
{
    /// <summary>The user ID people type to sign in: <c>uid</c> / <c>sAMAccountName</c>.</summary>
    public string? UserName { get; set; }

    /// <summary>The primary email address: <c>mail</c>.</summary>
    public string? Email { get; set; }

    /// <summary>The given name: <c>givenName</c>.</summary>
    public string? GivenName { get; set; }

    /// <summary>The family name: <c>sn</c>.</summary>
    public string? Surname { get; set; }

    /// <summary>The mobile phone (a self-service method: text and call): <c>mobile</c>.</summary>
    public string? MobilePhone { get; set; }

    /// <summary>The office phone (a self-service method: call): <c>telephoneNumber</c>.</summary>
    public string? OfficePhone { get; set; }

    /// <summary>The groups the user belongs to, as distinguished names: <c>memberOf</c> (OpenLDAP needs the memberof overlay).</summary>
    public string? Groups { get; set; }

    internal string UserNameOr(DirectoryKind kind) => Pick(UserName, kind == DirectoryKind.ActiveDirectory ? "sAMAccountName" : "uid");

    internal string EmailOr() => Pick(Email, "mail");

    internal string GivenNameOr() => Pick(GivenName, "givenName");

    internal string SurnameOr() => Pick(Surname, "sn");

    internal string MobilePhoneOr() => Pick(MobilePhone, "mobile");

    internal string OfficePhoneOr() => Pick(OfficePhone, "telephoneNumber");

    internal string GroupsOr() => Pick(Groups, "memberOf");

    private static string Pick(string? configured, string fallback) => string.IsNullOrWhiteSpace(configured) ? fallback : configured.Trim();
}
