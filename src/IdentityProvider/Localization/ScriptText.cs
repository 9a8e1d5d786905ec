namespace IdentityProvider.Localization;

/// <summary>
/// The texts the page scripts write (wwwroot/js): <c>ScriptText.resx</c> and one file per language. Every page carries
/// them for its language in a JSON block (<c>#idp-texts</c>); scripts read them with <c>idpText(key, ...args)</c>
/// from <c>locale.js</c>, which replaces <c>{0}</c>, <c>{1}</c> by the arguments. Keys are the English text.
/// </summary>
public sealed class ScriptText;
