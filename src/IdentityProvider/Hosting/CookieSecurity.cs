using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace IdentityProvider.Hosting;

/// <summary>
/// The one place that names the server's cookies. With secure cookies on (everywhere but Development), a cookie scoped
/// to <c>/</c> is named <c>__Host-&lt;name&gt;</c> and a cookie scoped to a sub-path <c>__Secure-&lt;name&gt;</c>: browsers
/// accept such cookies only from a secure origin (and a <c>__Host-</c> one only for this exact host), so a sibling
/// subdomain or a network attacker cannot plant them. The server reads the prefixed name only.
/// </summary>
public sealed class CookieNames(bool prefixed)
{
    public const string HostPrefix = "__Host-";
    public const string SecurePrefix = "__Secure-";

    /// <summary>Whether names carry the prefixes (and cookies are always <c>Secure</c>).</summary>
    public bool Prefixed => prefixed;

    /// <summary>The name to set and read for cookie <paramref name="name"/> scoped to <paramref name="path"/>.</summary>
    public string For(string name, string path = "/")
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return !prefixed || name.StartsWith(HostPrefix, StringComparison.Ordinal) || name.StartsWith(SecurePrefix, StringComparison.Ordinal)
            ? name
            : path == "/" ? HostPrefix + name : SecurePrefix + name;
    }
}

internal static class CookieSecurity
{
    /// <summary>The TempData cookie's own name, before any prefix.</summary>
    public const string TempDataCookie = "idp.tempdata";

    /// <summary>
    /// Secure cookies and their names: every cookie the server writes goes through the cookie policy, which marks it
    /// <c>Secure</c> whatever the scheme (when <see cref="HostingOptions.SecureCookies"/> is on); the framework's cookies
    /// (session, pending change, antiforgery, TempData) get their prefixed names here, hand-set ones ask
    /// <see cref="CookieNames"/>.
    /// </summary>
    public static WebApplicationBuilder AddCookieSecurity(this WebApplicationBuilder builder, HostingOptions hosting)
    {
        var secure = hosting.SecureCookies ?? !builder.Environment.IsDevelopment();
        var names = new CookieNames(secure);
        builder.Services.AddSingleton(names);
        builder.Services.Configure<CookiePolicyOptions>(options =>
        {
            // None leaves each cookie's own choice (Secure on HTTPS requests); Always forces it on every cookie.
            options.Secure = secure ? CookieSecurePolicy.Always : CookieSecurePolicy.None;
        });
        builder.Services.AddSingleton<IPostConfigureOptions<CookieAuthenticationOptions>>(new AuthenticationCookieNames(names));
        builder.Services.PostConfigure<AntiforgeryOptions>(options => options.Cookie.Name = names.For(options.Cookie.Name ?? "idp.antiforgery"));
        builder.Services.PostConfigure<CookieTempDataProviderOptions>(options => options.Cookie.Name = names.For(TempDataCookie));
        return builder;
    }

    /// <summary>Every authentication cookie (session, pending password change, any other scheme) gets its prefixed name.</summary>
    private sealed class AuthenticationCookieNames(CookieNames names) : IPostConfigureOptions<CookieAuthenticationOptions>
    {
        public void PostConfigure(string? name, CookieAuthenticationOptions options)
        {
            var cookie = options.Cookie.Name ?? CookieAuthenticationDefaults.CookiePrefix + name;
            options.Cookie.Name = names.For(cookie, options.Cookie.Path ?? "/");
        }
    }
}
