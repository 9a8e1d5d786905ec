namespace IdentityProvider.Account;

/// <summary>
/// The texts of the account pages (sign-in, sign-out, consent, change password, the account page): <c>AccountText.resx</c>
/// and one file per language, keyed by the English text. The models of this namespace read their display names and
/// validation messages from it too.
/// </summary>
public sealed class AccountText;
