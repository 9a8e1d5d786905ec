namespace IdentityProvider.SelfService;

/// <summary>
/// The texts of self-service (the reset and unlock journey, the CAPTCHA, the second-factor page, the policy's messages):
/// <c>SelfServiceText.resx</c> in English, keyed by the English text, and one file per language beside it.
/// </summary>
public sealed class SelfServiceText;
