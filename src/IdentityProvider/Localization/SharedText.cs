namespace IdentityProvider.Localization;

/// <summary>
/// The texts every page shares (layout, language picker, error page, validation and model binding messages, password
/// rules): <c>SharedText.resx</c> and one file per language. Keys are the English text.
/// </summary>
public sealed class SharedText;
