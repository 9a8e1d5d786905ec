namespace IdentityProvider.SelfService.SecurityInfo;

/// <summary>
/// The texts of security info and passkeys (pages, their messages, the built-in security questions, the names of
/// methods and changes in the "security info changed" notice): <c>SecurityInfoText.resx</c> and one file per
/// language. Keys are the English text.
/// </summary>
public sealed class SecurityInfoText;
