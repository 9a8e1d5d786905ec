using System.Globalization;
using System.Resources;
using System.Text;
using System.Text.Encodings.Web;
using IdentityProvider.Data;
using IdentityProvider.Hosting;
using IdentityProvider.Localization;
using Microsoft.Extensions.Options;
using OpenIddict.Server;

namespace IdentityProvider.Messaging;

/// <summary>A rendered email: subject, plain text and branded HTML.</summary>
public sealed record RenderedEmail(string Subject, string Text, string Html);

/// <summary>What a verification code is for: the email names it in its subject, heading and text.</summary>
public enum CodePurpose
{
    /// <summary>No particular action: "to confirm it is you".</summary>
    ConfirmIdentity,

    /// <summary>Self-service password reset.</summary>
    ResetPassword,

    /// <summary>Self-service unlock of a locked account.</summary>
    UnlockAccount,

    /// <summary>The second step of a sign-in.</summary>
    SignIn,

    /// <summary>Confirming a new alternate email address.</summary>
    ConfirmEmailAddress,

    /// <summary>Confirming the account's own address before an authenticator app is added.</summary>
    AddAuthenticatorApp,
}

/// <summary>
/// Emails, text messages and call scripts in the recipient's language (<see cref="MessageText"/>: English, French,
/// German, Spanish; English for any other culture) with times in the reader's zone (<see cref="LocalTimes"/>).
/// Each method takes either the culture of the person at the browser (who is the recipient) or the recipient
/// (<see cref="ApplicationUser"/>) when someone else causes the message (an administrator, a directory sync): then
/// the recipient's stored language and zone count (<see cref="CultureFor"/>). Emails share one branded frame with the
/// organisation's name, logo and colour, in HTML and plain text; a code stands alone on its own line.
/// </summary>
public sealed class MessageTemplates
{
    private static readonly ResourceManager Resources = new(typeof(MessageText));

    private readonly IOptions<OrganizationOptions> organization;
    private readonly IOptions<MessagingOptions> messaging;
    private readonly LocalTimes times;
    private readonly IHttpContextAccessor http;
    private readonly TimeProvider time;
    private readonly IOptionsMonitor<OpenIddictServerOptions>? server;

    /// <summary>The templates as the server uses them.</summary>
    /// <param name="organization">The organisation's name and time zone.</param>
    /// <param name="messaging">The branding.</param>
    /// <param name="times">Times in the reader's zone.</param>
    /// <param name="http">The request that causes a message, if any (its culture and address).</param>
    /// <param name="time">The clock (when a code runs out).</param>
    /// <param name="server">OpenIddict's options: the configured issuer is the server's public address for links.</param>
    public MessageTemplates(
        IOptions<OrganizationOptions> organization,
        IOptions<MessagingOptions> messaging,
        LocalTimes times,
        IHttpContextAccessor http,
        TimeProvider time,
        IOptionsMonitor<OpenIddictServerOptions>? server)
    {
        (this.organization, this.messaging, this.times, this.http, this.time, this.server) = (organization, messaging, times, http, time, server);
    }

    /// <summary>Templates outside the server (tools, tests): times in the organisation's zone, no links.</summary>
    public MessageTemplates(IOptions<OrganizationOptions> organization, IOptions<MessagingOptions> messaging)
        : this(organization, messaging, new LocalTimes(new HttpContextAccessor(), organization), new HttpContextAccessor(), TimeProvider.System, null)
    {
    }

    private enum PartKind
    {
        Paragraph,
        Code,
        Link,
    }

    /// <summary>
    /// The language to write to <paramref name="user"/> in: their stored language (<see cref="ApplicationUser.Locale"/>)
    /// when it is one of ours, else the language of the request that causes the message, else English.
    /// </summary>
    public CultureInfo CultureFor(ApplicationUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (Languages.Match(user.Locale) is { } stored)
        {
            return CultureInfo.GetCultureInfo(stored);
        }

        return http.HttpContext is null ? CultureInfo.GetCultureInfo(Languages.Default) : Supported(CultureInfo.CurrentUICulture);
    }

    /// <summary>"Your password was changed", to the person at the browser who changed it.</summary>
    public RenderedEmail PasswordChanged(string userName, DateTimeOffset when, CultureInfo culture)
    {
        var texts = new Texts(Supported(culture));
        return Email(texts, texts["Your {0} password was changed", Organization], texts["Your password was changed"],
            Paragraph(texts["The password of your account {1} at {0} was changed on {2}.", Organization, userName, When(when, texts.Culture, null)]),
            Paragraph(texts["If you did not change it, reset your password now and tell your IT helpdesk: someone else may know it."]));
    }

    /// <summary>
    /// A verification code, set apart on its own line, with what it is for (<paramref name="purpose"/>), the account
    /// it is for (<paramref name="userName"/>, when given) and when it runs out, to the person at the browser.
    /// </summary>
    public RenderedEmail VerificationCode(string code, TimeSpan lifetime, CultureInfo culture, string? userName = null, CodePurpose purpose = CodePurpose.ConfirmIdentity)
    {
        var texts = new Texts(Supported(culture));
        var org = Organization;
        var (subject, heading) = purpose switch
        {
            CodePurpose.ResetPassword => (texts["Your {0} code to reset your password", org], texts["Your code to reset your password"]),
            CodePurpose.UnlockAccount => (texts["Your {0} code to unlock your account", org], texts["Your code to unlock your account"]),
            CodePurpose.SignIn => (texts["Your {0} code to sign in", org], texts["Your code to sign in"]),
            CodePurpose.ConfirmEmailAddress => (texts["Your {0} code to confirm your new email address", org], texts["Your code to confirm your new email address"]),
            CodePurpose.AddAuthenticatorApp => (texts["Your {0} code to add an authenticator app", org], texts["Your code to add an authenticator app"]),
            _ => (texts["Your {0} verification code", org], texts["Your verification code"]),
        };
        var action = userName is null ? texts["Enter this code to confirm it is you."] : purpose switch
        {
            CodePurpose.ResetPassword => texts["Enter this code to reset the password of your account {0} at {1}.", userName, org],
            CodePurpose.UnlockAccount => texts["Enter this code to unlock your account {0} at {1}.", userName, org],
            CodePurpose.SignIn => texts["Enter this code to sign in to your account {0} at {1}.", userName, org],
            CodePurpose.ConfirmEmailAddress => texts["Enter this code to confirm this address as the alternate email address of your account {0} at {1}.", userName, org],
            CodePurpose.AddAuthenticatorApp => texts["Enter this code to add an authenticator app to your account {0} at {1}.", userName, org],
            _ => texts["Enter this code to confirm it is you on your account {0} at {1}.", userName, org],
        };

        // The code comes straight after the heading, before anything with digits (the account's name, the time).
        return Email(texts, subject, heading,
            Code(code),
            Paragraph(action),
            Paragraph(texts["It works once, for {0} minutes: until {1}. Nobody from {2} will ever ask you for it.", (int)lifetime.TotalMinutes, When(time.GetUtcNow() + lifetime, texts.Culture, null), org]),
            Paragraph(texts["If you did not ask for this code, ignore this email: nothing changes without the code."]));
    }

    /// <summary>"Your password was reset", to the person at the browser who reset it.</summary>
    public RenderedEmail PasswordReset(string userName, DateTimeOffset when, CultureInfo culture)
    {
        var texts = new Texts(Supported(culture));
        return Email(texts, texts["Your {0} password was reset", Organization], texts["Your password was reset"],
            Paragraph(texts["The password of your account {1} at {0} was reset on {2} with self-service password reset. You were signed out on your other devices.", Organization, userName, When(when, texts.Culture, null)]),
            Paragraph(texts["If this was not you, someone else may control your recovery methods: contact your IT helpdesk at once so they can lock the account and reset the password."]));
    }

    /// <summary>"An administrator reset their password", in <paramref name="culture"/> with times in the organisation's zone.</summary>
    public RenderedEmail AdministratorPasswordReset(string administrator, DateTimeOffset when, CultureInfo culture) =>
        AdministratorPasswordReset(administrator, when, Supported(culture), times.OrganizationZone);

    /// <summary>"An administrator reset their password", to another administrator (<paramref name="recipient"/>) in their language and zone.</summary>
    public RenderedEmail AdministratorPasswordReset(string administrator, DateTimeOffset when, ApplicationUser recipient) =>
        AdministratorPasswordReset(administrator, when, CultureFor(recipient), ZoneFor(recipient));

    /// <summary>
    /// A user asks the helpdesk for help, with a link to the request in the admin pages when
    /// <paramref name="requestId"/> is given. The helpdesk is not at the browser: times in the organisation's zone, named.
    /// </summary>
    public RenderedEmail HelpdeskRequest(string userName, string situation, DateTimeOffset when, CultureInfo culture, Guid? requestId = null)
    {
        var texts = new Texts(Supported(culture));
        var link = requestId is { } id ? PublicLink($"admin/requests/{id}") : null;
        return Email(texts, texts["{0}: a user asks for help signing in", Organization], texts["A user cannot get back into their account"],
            Paragraph(texts["The user {0} asked for help on {1}: self-service password reset could not help them ({2}).", userName, When(when, texts.Culture, times.OrganizationZone), texts.Fragment(situation)]),
            link is null ? null : Link(texts["Open the request"], texts["Open the request: {0}", link.AbsoluteUri], link),
            Paragraph(texts["Check who they are before you reset their password or unlock their account."]));
    }

    /// <summary>"Your recovery methods changed", to the person at the browser who changed them.</summary>
    public RenderedEmail SecurityInfoChanged(string userName, string method, string what, DateTimeOffset when, CultureInfo culture) =>
        SecurityInfoChanged(userName, method, what, when, Supported(culture), null);

    /// <summary>"Your recovery methods changed", when someone else changed them: in <paramref name="recipient"/>'s language and zone.</summary>
    public RenderedEmail SecurityInfoChanged(string userName, string method, string what, DateTimeOffset when, ApplicationUser recipient) =>
        SecurityInfoChanged(userName, method, what, when, CultureFor(recipient), ZoneFor(recipient));

    /// <summary>An administrator changed contact or recovery data; <paramref name="what"/> lists the items changed (", ").</summary>
    public RenderedEmail ContactDetailsChanged(string userName, string what, DateTimeOffset when, CultureInfo culture) =>
        ContactDetailsChanged(userName, what, when, Supported(culture), times.OrganizationZone);

    /// <summary>An administrator changed contact or recovery data: in <paramref name="recipient"/>'s language and zone.</summary>
    public RenderedEmail ContactDetailsChanged(string userName, string what, DateTimeOffset when, ApplicationUser recipient) =>
        ContactDetailsChanged(userName, what, when, CultureFor(recipient), ZoneFor(recipient));

    /// <summary>A text message: the organisation's name and the code, nothing else.</summary>
    public string SmsCode(string code, CultureInfo culture)
    {
        var texts = new Texts(Supported(culture));
        return texts["{0}: your verification code is {1}", Organization, code];
    }

    /// <summary>Spoken text: the code read digit by digit, twice.</summary>
    public string VoiceCode(string code, CultureInfo culture)
    {
        var texts = new Texts(Supported(culture));
        return texts["This is {0}. Your verification code is {1}. Again, your code is {1}.", Organization, string.Join(", ", (code ?? string.Empty).ToCharArray())];
    }

    private string Organization => organization.Value.Name;

    private static Part Paragraph(string text) => new(PartKind.Paragraph, text, text, null);

    private static Part Code(string code) => new(PartKind.Code, code, code, null);

    private static Part Link(string label, string plain, Uri url) => new(PartKind.Link, label, plain, url);

    private static CultureInfo Supported(CultureInfo? culture) =>
        culture is not null && Languages.Supported.Contains(culture.TwoLetterISOLanguageName) ? culture : CultureInfo.GetCultureInfo(Languages.Default);

    private static string ZoneName(TimeZoneInfo zone) => zone.Equals(TimeZoneInfo.Utc) ? "UTC" : zone.Id;

    private RenderedEmail AdministratorPasswordReset(string administrator, DateTimeOffset when, CultureInfo culture, TimeZoneInfo zone)
    {
        var texts = new Texts(culture);
        return Email(texts, texts["An administrator's {0} password was reset", Organization], texts["An administrator reset their password"],
            Paragraph(texts["The administrator account {0} reset its password on {1} with self-service password reset.", administrator, When(when, culture, zone)]),
            Paragraph(texts["If you do not expect this, check with them and review the audit log."]));
    }

    private RenderedEmail SecurityInfoChanged(string userName, string method, string what, DateTimeOffset when, CultureInfo culture, TimeZoneInfo? zone)
    {
        var texts = new Texts(culture);
        return Email(texts, texts["Your {0} recovery methods changed", Organization], texts["Your recovery methods changed"],
            Paragraph(texts["On {3} the {1} of your account {0} was {2}.", userName, texts.Fragment(method), texts.Fragment(what), When(when, culture, zone)]),
            Paragraph(texts["If you did not make this change, someone else may be able to reset your password: change your password and contact your IT helpdesk now."]));
    }

    private RenderedEmail ContactDetailsChanged(string userName, string what, DateTimeOffset when, CultureInfo culture, TimeZoneInfo zone)
    {
        var texts = new Texts(culture);
        return Email(texts, texts["Your {0} contact details were changed", Organization], texts["An administrator changed your contact details"],
            Paragraph(texts["On {2} an administrator changed the {1} of your account {0}. These details decide where password reset codes and security notices go.", userName, texts.Fragment(what), When(when, culture, zone)]),
            Paragraph(texts["If you did not ask for this change, contact your IT helpdesk now and check your recovery methods."]));
    }

    /// <summary>The recipient's stored zone (<see cref="ApplicationUser.TimeZone"/>) when this machine knows it, else the organisation's.</summary>
    private TimeZoneInfo ZoneFor(ApplicationUser user) =>
        user.TimeZone is { Length: > 0 and <= 64 } id && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone : times.OrganizationZone;

    /// <summary>
    /// <paramref name="when"/> for a reader: with no <paramref name="zone"/> the reader is at the browser (its zone,
    /// else the organisation's, named); otherwise in <paramref name="zone"/>, always named, since the email is read
    /// away from the request that sent it.
    /// </summary>
    private string When(DateTimeOffset when, CultureInfo culture, TimeZoneInfo? zone) => zone is null
        ? times.Format(when, TimeFormat.DateTime, culture)
        : $"{TimeZoneInfo.ConvertTime(when, zone).ToString("f", culture)} ({ZoneName(zone)})";

    /// <summary>
    /// An absolute link on this server: from the configured issuer (the public address; never the request's Host header
    /// then), else from the request's scheme, host and path base; null outside a request without an issuer.
    /// </summary>
    private Uri? PublicLink(string path)
    {
        var origin = server?.CurrentValue.Issuer?.AbsoluteUri
            ?? (http.HttpContext?.Request is { } request ? $"{request.Scheme}://{request.Host}{request.PathBase}" : null);
        return origin is null ? null : new Uri(new Uri(origin.EndsWith('/') ? origin : origin + "/", UriKind.Absolute), path);
    }

    private RenderedEmail Email(Texts texts, string subject, string heading, params Part?[] parts)
    {
        var org = Organization;
        var branding = messaging.Value.Branding;
        var footer = texts["This message was sent by the {0} account team. You cannot reply to it.", org];
        var html = HtmlEncoder.Default;
        var present = parts.OfType<Part>().ToList();

        var text = new StringBuilder().AppendLine(heading).AppendLine();
        foreach (var part in present)
        {
            text.AppendLine(part.Plain).AppendLine();
        }

        text.AppendLine("--").AppendLine(footer);

        var body = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"<!DOCTYPE html><html lang=\"{html.Encode(texts.Culture.Name)}\"><head><meta charset=\"utf-8\"><title>{html.Encode(subject)}</title></head>")
            .Append("<body style=\"margin:0;padding:0;background:#f3f5f8;font-family:Segoe UI,Helvetica,Arial,sans-serif;color:#1b1f24\">")
            .Append(CultureInfo.InvariantCulture, $"<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\"><tr><td style=\"background:{branding.Colour};padding:16px 24px;color:#ffffff;font-size:18px;font-weight:600\">");
        if (branding.LogoUrl is not null)
        {
            body.Append(CultureInfo.InvariantCulture, $"<img src=\"{html.Encode(branding.LogoUrl.ToString())}\" alt=\"{html.Encode(org)}\" height=\"32\" style=\"vertical-align:middle;margin-right:12px\">");
        }

        body.Append(html.Encode(org)).Append("</td></tr><tr><td style=\"padding:24px;background:#ffffff\">")
            .Append(CultureInfo.InvariantCulture, $"<h1 style=\"font-size:20px;margin:0 0 16px\">{html.Encode(heading)}</h1>");
        foreach (var part in present)
        {
            body.Append(part.Kind switch
            {
                PartKind.Code =>
                    "<div style=\"margin:8px 0 24px;padding:16px 8px;text-align:center;background:#f3f5f8;border:1px solid #d0d7de;border-radius:6px\">"
                    + $"<span style=\"font-family:Consolas,'Courier New',Courier,monospace;font-size:32px;font-weight:700;letter-spacing:0.3em;color:#1b1f24\">{html.Encode(part.Text)}</span></div>",
                PartKind.Link =>
                    $"<p style=\"margin:0 0 8px\"><a href=\"{html.Encode(part.Url!.AbsoluteUri)}\" style=\"display:inline-block;padding:10px 18px;background:{branding.Colour};color:#ffffff;text-decoration:none;border-radius:4px;font-weight:600\">{html.Encode(part.Text)}</a></p>"
                    + $"<p style=\"font-size:13px;line-height:1.5;color:#4a5561;word-break:break-all;margin:0 0 16px\">{html.Encode(part.Url.AbsoluteUri)}</p>",
                _ => $"<p style=\"font-size:15px;line-height:1.5\">{html.Encode(part.Text)}</p>",
            });
        }

        body.Append(CultureInfo.InvariantCulture, $"</td></tr><tr><td style=\"padding:16px 24px;font-size:12px;color:#4a5561\">{html.Encode(footer)}</td></tr></table></body></html>");
        return new RenderedEmail(subject, text.ToString(), body.ToString());
    }

    /// <summary>A block of an email: a paragraph, the code set apart, or a link (<see cref="Plain"/> is its plain-text line).</summary>
    private sealed record Part(PartKind Kind, string Text, string Plain, Uri? Url);

    /// <summary>The texts of <see cref="MessageText"/> in one culture; a text missing there falls back to English (its key).</summary>
    private readonly struct Texts(CultureInfo culture)
    {
        public CultureInfo Culture => culture;

        public string this[string key, params object[] arguments]
        {
            get
            {
                var format = Resources.GetString(key, culture) ?? key;
                return arguments.Length == 0 ? format : string.Format(culture, format, arguments);
            }
        }

        /// <summary>
        /// A fragment a caller wrote in English ("mobile phone number", "removed by an administrator"), translated when
        /// the resource has it; a list joined by ", " is translated item by item. Anything else is kept as it is.
        /// </summary>
        public string Fragment(string text)
        {
            if (string.IsNullOrEmpty(text))
            {
                return text ?? string.Empty;
            }

            var c = culture;
            return Resources.GetString(text, c) ?? string.Join(", ", text.Split(", ").Select(item => Resources.GetString(item, c) ?? item));
        }
    }
}
