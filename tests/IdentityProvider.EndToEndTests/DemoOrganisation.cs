namespace IdentityProvider.EndToEndTests;

/// <summary>
/// Stories that sign in as the demo users or change the demo organisation's self-service policy for a while run
/// one after another, so a policy change in one never meets a sign-in in another.
/// </summary>
public static class DemoOrganisation
{
    public const string Collection = "Demo organisation";
}
