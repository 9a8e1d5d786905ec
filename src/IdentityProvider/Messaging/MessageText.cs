namespace IdentityProvider.Messaging;

/// <summary>
/// The texts of emails, text messages and call scripts: <c>MessageText.resx</c> (English, keyed by the English text)
/// and one file per language. <see cref="MessageTemplates"/> reads them in the recipient's culture, which is not always
/// the culture of the request that sends them.
/// </summary>
public sealed class MessageText;
