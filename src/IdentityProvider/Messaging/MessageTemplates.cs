using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using IdentityProvider.Hosting;
using Microsoft.Extensions.Options;

namespace IdentityProvider.Messaging;

/// <summary>A rendered email: subject, plain text and branded HTML.</summary>
public sealed record RenderedEmail(string Subject, string Text, string Html);

/// <summary>
/// The message texts, one entry per template and language (English, French), chosen by the recipient's culture
/// with English as the fallback. Emails share one branded frame with the organisation's name, logo and colour.
/// SMS and voice texts carry only the code and the organisation's name.
/// </summary>
public sealed class MessageTemplates(IOptions<OrganizationOptions> organization, IOptions<MessagingOptions> messaging)
{
    private static readonly Dictionary<string, Dictionary<string, string>> Texts = new(StringComparer.Ordinal)
    {
        ["en"] = new(StringComparer.Ordinal)
        {
            ["password-changed.subject"] = "Your {0} password was changed",
            ["password-changed.heading"] = "Your password was changed",
            ["password-changed.body"] = "The password of your {0} account ({1}) was changed on {2:u} UTC.",
            ["password-changed.notyou"] = "If you did not change it, reset your password now and tell your IT helpdesk: someone else may know it.",
            ["code.subject"] = "Your {0} verification code",
            ["code.heading"] = "Your verification code",
            ["code.body"] = "Enter this code to confirm it is you: {0}",
            ["code.expiry"] = "It works once and for {0} minutes. Nobody from {1} will ask you for it.",
            ["code.notyou"] = "If you are not trying to get back into your account, ignore this email: nothing changes without the code.",
            ["password-reset.subject"] = "Your {0} password was reset",
            ["password-reset.heading"] = "Your password was reset",
            ["password-reset.body"] = "The password of your {0} account ({1}) was reset on {2:u} UTC with self-service password reset. You were signed out on your other devices.",
            ["password-reset.notyou"] = "If this was not you, someone else may control your recovery methods: contact your IT helpdesk at once so they can lock the account and reset the password.",
            ["admin-reset.subject"] = "An administrator's {0} password was reset",
            ["admin-reset.heading"] = "An administrator reset their password",
            ["admin-reset.body"] = "The administrator account {0} reset its password on {1:u} UTC with self-service password reset.",
            ["admin-reset.check"] = "If you do not expect this, check with them and review the audit log.",
            ["helpdesk.subject"] = "{0}: a user asks for help signing in",
            ["helpdesk.heading"] = "A user cannot get back into their account",
            ["helpdesk.body"] = "The user {0} asked for help on {1:u} UTC: self-service password reset could not help them ({2}).",
            ["helpdesk.next"] = "Check who they are before you reset their password or unlock their account.",
            ["security-info.subject"] = "Your {0} recovery methods changed",
            ["security-info.heading"] = "Your recovery methods changed",
            ["security-info.body"] = "On {3:u} UTC the {1} of your account {0} was {2}.",
            ["security-info.notyou"] = "If you did not make this change, someone else may be able to reset your password: change your password and contact your IT helpdesk now.",
            ["contact-changed.subject"] = "Your {0} contact details were changed",
            ["contact-changed.heading"] = "An administrator changed your contact details",
            ["contact-changed.body"] = "On {2:u} UTC an administrator changed the {1} of your account {0}. These details decide where password reset codes and security notices go.",
            ["contact-changed.notyou"] = "If you did not ask for this change, contact your IT helpdesk now and check your recovery methods.",
            ["footer"] = "This message was sent by the {0} account team. You cannot reply to it.",
            ["sms.code"] = "{0}: your verification code is {1}",
            ["voice.code"] = "This is {0}. Your verification code is {1}. Again, your code is {1}.",
        },
        ["fr"] = new(StringComparer.Ordinal)
        {
            ["password-changed.subject"] = "Le mot de passe de votre compte {0} a été modifié",
            ["password-changed.heading"] = "Votre mot de passe a été modifié",
            ["password-changed.body"] = "Le mot de passe de votre compte {0} ({1}) a été modifié le {2:u} UTC.",
            ["password-changed.notyou"] = "Si vous n'êtes pas à l'origine de ce changement, réinitialisez votre mot de passe et prévenez votre support informatique.",
            ["code.subject"] = "Votre code de vérification {0}",
            ["code.heading"] = "Votre code de vérification",
            ["code.body"] = "Saisissez ce code pour confirmer votre identité : {0}",
            ["code.expiry"] = "Il ne sert qu'une fois et reste valable {0} minutes. Personne chez {1} ne vous le demandera.",
            ["code.notyou"] = "Si vous n'essayez pas de récupérer votre compte, ignorez ce message : rien ne change sans le code.",
            ["password-reset.subject"] = "Le mot de passe de votre compte {0} a été réinitialisé",
            ["password-reset.heading"] = "Votre mot de passe a été réinitialisé",
            ["password-reset.body"] = "Le mot de passe de votre compte {0} ({1}) a été réinitialisé le {2:u} UTC en libre-service. Vos autres appareils ont été déconnectés.",
            ["password-reset.notyou"] = "Si ce n'était pas vous, quelqu'un d'autre contrôle peut-être vos moyens de récupération : contactez tout de suite votre support informatique.",
            ["admin-reset.subject"] = "Le mot de passe d'un administrateur {0} a été réinitialisé",
            ["admin-reset.heading"] = "Un administrateur a réinitialisé son mot de passe",
            ["admin-reset.body"] = "Le compte administrateur {0} a réinitialisé son mot de passe le {1:u} UTC en libre-service.",
            ["admin-reset.check"] = "Si vous ne vous y attendiez pas, vérifiez auprès de cette personne et consultez le journal d'audit.",
            ["helpdesk.subject"] = "{0} : un utilisateur demande de l'aide pour se connecter",
            ["helpdesk.heading"] = "Un utilisateur ne parvient pas à récupérer son compte",
            ["helpdesk.body"] = "L'utilisateur {0} a demandé de l'aide le {1:u} UTC : la réinitialisation en libre-service n'a pas pu l'aider ({2}).",
            ["helpdesk.next"] = "Vérifiez son identité avant de réinitialiser son mot de passe ou de débloquer son compte.",
            ["security-info.subject"] = "Vos moyens de récupération {0} ont changé",
            ["security-info.heading"] = "Vos moyens de récupération ont changé",
            ["security-info.body"] = "Le {3:u} UTC, l'élément « {1} » de votre compte {0} a été modifié ({2}).",
            ["security-info.notyou"] = "Si vous n'êtes pas à l'origine de ce changement, changez votre mot de passe et contactez tout de suite votre support informatique.",
            ["contact-changed.subject"] = "Vos coordonnées {0} ont été modifiées",
            ["contact-changed.heading"] = "Un administrateur a modifié vos coordonnées",
            ["contact-changed.body"] = "Le {2:u} UTC, un administrateur a modifié les éléments suivants de votre compte {0} : {1}. Ces coordonnées déterminent où sont envoyés les codes de réinitialisation et les avis de sécurité.",
            ["contact-changed.notyou"] = "Si vous n'avez pas demandé ce changement, contactez tout de suite votre support informatique et vérifiez vos moyens de récupération.",
            ["footer"] = "Ce message vous est envoyé par l'équipe des comptes de {0}. Merci de ne pas y répondre.",
            ["sms.code"] = "{0} : votre code de vérification est {1}",
            ["voice.code"] = "Ici {0}. Votre code de vérification est {1}. Je répète, votre code est {1}.",
        },
    };

    public RenderedEmail PasswordChanged(string userName, DateTimeOffset when, CultureInfo culture) =>
        Notice(culture, "password-changed", Text(culture, "password-changed.body", organization.Value.Name, userName, when.UtcDateTime), Text(culture, "password-changed.notyou"));

    public RenderedEmail VerificationCode(string code, TimeSpan lifetime, CultureInfo culture) =>
        Notice(culture, "code", Text(culture, "code.body", code), Text(culture, "code.expiry", (int)lifetime.TotalMinutes, organization.Value.Name), Text(culture, "code.notyou"));

    public RenderedEmail PasswordReset(string userName, DateTimeOffset when, CultureInfo culture) =>
        Notice(culture, "password-reset", Text(culture, "password-reset.body", organization.Value.Name, userName, when.UtcDateTime), Text(culture, "password-reset.notyou"));

    public RenderedEmail AdministratorPasswordReset(string administrator, DateTimeOffset when, CultureInfo culture) =>
        Notice(culture, "admin-reset", Text(culture, "admin-reset.body", administrator, when.UtcDateTime), Text(culture, "admin-reset.check"));

    public RenderedEmail HelpdeskRequest(string userName, string situation, DateTimeOffset when, CultureInfo culture) =>
        Notice(culture, "helpdesk", Text(culture, "helpdesk.body", userName, when.UtcDateTime, situation), Text(culture, "helpdesk.next"));

    public RenderedEmail SecurityInfoChanged(string userName, string method, string what, DateTimeOffset when, CultureInfo culture) =>
        Notice(culture, "security-info", Text(culture, "security-info.body", userName, method, what, when.UtcDateTime), Text(culture, "security-info.notyou"));

    /// <summary>An administrator changed contact or recovery data; <paramref name="what"/> lists the items changed.</summary>
    public RenderedEmail ContactDetailsChanged(string userName, string what, DateTimeOffset when, CultureInfo culture) =>
        Notice(culture, "contact-changed", Text(culture, "contact-changed.body", userName, what, when.UtcDateTime), Text(culture, "contact-changed.notyou"));

    public string SmsCode(string code, CultureInfo culture) => Text(culture, "sms.code", organization.Value.Name, code);

    /// <summary>Spoken text: the code read digit by digit, twice.</summary>
    public string VoiceCode(string code, CultureInfo culture) =>
        Text(culture, "voice.code", organization.Value.Name, string.Join(", ", code.ToCharArray()));

    /// <summary>An email whose subject (with the organisation's name) and heading are the template's <c>.subject</c> and <c>.heading</c> texts.</summary>
    private RenderedEmail Notice(CultureInfo culture, string template, params string[] paragraphs) =>
        Email(culture, Text(culture, template + ".subject", organization.Value.Name), Text(culture, template + ".heading"), paragraphs);

    private RenderedEmail Email(CultureInfo culture, string subject, string heading, string[] paragraphs)
    {
        var org = organization.Value.Name;
        var branding = messaging.Value.Branding;
        var footer = Text(culture, "footer", org);
        var html = HtmlEncoder.Default;

        var text = new StringBuilder()
            .AppendLine(heading).AppendLine();
        foreach (var paragraph in paragraphs)
        {
            text.AppendLine(paragraph).AppendLine();
        }

        text.AppendLine("--").AppendLine(footer);

        var body = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"<!DOCTYPE html><html lang=\"{html.Encode(Language(culture))}\"><head><meta charset=\"utf-8\"><title>{html.Encode(subject)}</title></head>")
            .Append("<body style=\"margin:0;padding:0;background:#f3f5f8;font-family:Segoe UI,Helvetica,Arial,sans-serif;color:#1b1f24\">")
            .Append(CultureInfo.InvariantCulture, $"<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\"><tr><td style=\"background:{branding.Colour};padding:16px 24px;color:#ffffff;font-size:18px;font-weight:600\">");
        if (branding.LogoUrl is not null)
        {
            body.Append(CultureInfo.InvariantCulture, $"<img src=\"{html.Encode(branding.LogoUrl.ToString())}\" alt=\"{html.Encode(org)}\" height=\"32\" style=\"vertical-align:middle;margin-right:12px\">");
        }

        body.Append(html.Encode(org)).Append("</td></tr><tr><td style=\"padding:24px;background:#ffffff\">")
            .Append(CultureInfo.InvariantCulture, $"<h1 style=\"font-size:20px;margin:0 0 16px\">{html.Encode(heading)}</h1>");
        foreach (var paragraph in paragraphs)
        {
            body.Append(CultureInfo.InvariantCulture, $"<p style=\"font-size:15px;line-height:1.5\">{html.Encode(paragraph)}</p>");
        }

        body.Append(CultureInfo.InvariantCulture, $"</td></tr><tr><td style=\"padding:16px 24px;font-size:12px;color:#4a5561\">{html.Encode(footer)}</td></tr></table></body></html>");
        return new RenderedEmail(subject, text.ToString(), body.ToString());
    }

    private static string Language(CultureInfo culture) => Texts.ContainsKey(culture.TwoLetterISOLanguageName) ? culture.TwoLetterISOLanguageName : "en";

    private static string Text(CultureInfo culture, string key, params object[] arguments)
    {
        var texts = Texts[Language(culture)];
        var format = texts.TryGetValue(key, out var found) ? found : Texts["en"][key];
        return string.Format(culture, format, arguments);
    }
}
