namespace IdentityProvider.Admin;

/// <summary>
/// The texts of the admin pages (headings, labels, buttons, messages, readable names of audit codes):
/// <c>AdminText.resx</c> and one file per language. Keys are the English text.
/// </summary>
public sealed class AdminText;
