using IdentityProvider.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace IdentityProvider.SelfService;

/// <summary>What the start page may tell, decided in the specified order.</summary>
public enum EligibilityOutcome
{
    /// <summary>The password lives in another directory that this product may not write to (no writeback).</summary>
    ManagedExternally,

    /// <summary>Self-service reset is not enabled for this user.</summary>
    NotEnabled,

    /// <summary>Fewer usable registered methods than required, or an unknown user ID (the same page).</summary>
    NotEnoughMethods,

    Eligible,
}

public sealed record SelfServiceEligibility(EligibilityOutcome Outcome, int Required, IReadOnlyList<RecoveryMethod> Usable);

/// <summary>
/// Applies the SSPR policy to one user, in order: managed externally (or in a directory without writeback) → not enabled (scope None / Selected groups,
/// nested groups included / All) → enough usable methods. Administrators always need two methods, never use security
/// questions and use text messages only when <see cref="SelfServiceOptions.AdministratorTextMessages"/> allows it. An unknown
/// user gets the same outcome as one without enough methods. Usable methods are listed strongest first
/// (<see cref="DisplayOrder"/>: the authenticator app before codes sent by email, text or call).
/// </summary>
public sealed class SelfServiceEligibilityEvaluator(
    ApplicationDbContext db,
    UserManager<ApplicationUser> users,
    StoredPolicy<SelfServicePolicySettings> policies,
    StoredPolicy<MultiFactor.MultiFactorPolicySettings> multiFactorPolicies,
    SecurityQuestions questions,
    Passwords.IExternalPasswordStore directories,
    Microsoft.Extensions.Options.IOptions<SelfServiceOptions> options)
{
    private static readonly List<RecoveryMethod> Order =
    [
        RecoveryMethod.Passkey, RecoveryMethod.AuthenticatorApp, RecoveryMethod.AlternateEmail, RecoveryMethod.MobileText, RecoveryMethod.MobileCall,
        RecoveryMethod.OfficeCall, RecoveryMethod.SecurityQuestions,
    ];

    /// <summary>The order methods are offered in, everywhere: a passkey and the authenticator app first, security questions last.</summary>
    public static IReadOnlyList<RecoveryMethod> DisplayOrder => Order;

    public async Task<SelfServiceEligibility> EvaluateAsync(ApplicationUser? user, CancellationToken cancellationToken = default)
    {
        var policy = await policies.GetAsync(cancellationToken);

        // An unknown user ID runs the same queries as a registered user with no methods, so neither the answer nor
        // the time it takes tells them apart.
        var subject = user ?? new ApplicationUser { Id = Guid.NewGuid().ToString() };
        if (subject.PasswordManagedExternally || !directories.MayWrite(subject))
        {
            return new SelfServiceEligibility(EligibilityOutcome.ManagedExternally, policy.MethodsRequired, []);
        }

        // A disabled account is not the user's to take back: an administrator disabled it and must enable it again.
        var inScope = await IsInScopeAsync(subject, policy, cancellationToken);
        if ((!inScope || !subject.IsEnabled) && user is not null)
        {
            return new SelfServiceEligibility(EligibilityOutcome.NotEnabled, policy.MethodsRequired, []);
        }

        var isAdministrator = await IsAdministratorAsync(subject);
        var required = isAdministrator ? 2 : policy.MethodsRequired;
        var allowed = policy.Methods.Where(m => !isAdministrator || AllowedForAdministrators(m));
        var answered = await questions.CountAsync(subject.Id, cancellationToken);
        var hasPasskey = await db.Set<Passkeys.PasskeyCredential>().AnyAsync(p => p.UserId == subject.Id, cancellationToken);
        var usable = allowed.Where(method => method switch
        {
            RecoveryMethod.SecurityQuestions => answered >= policy.QuestionsToReset,
            RecoveryMethod.Passkey => hasPasskey,
            _ => HasDataFor(subject, method),
        }).OrderBy(Position).ToList();
        var distinct = usable.Select(MethodGroup).Distinct().Count();
        if (isAdministrator && usable.Contains(RecoveryMethod.Passkey) && await PasskeyCountsTwiceAsync(cancellationToken))
        {
            // A passkey that verifies the user stands for both of an administrator's methods (see RecoveryGates).
            distinct++;
        }
        return user is not null && distinct >= required
            ? new SelfServiceEligibility(EligibilityOutcome.Eligible, required, usable)
            : new SelfServiceEligibility(EligibilityOutcome.NotEnoughMethods, required, usable);
    }

    public Task<bool> IsAdministratorAsync(ApplicationUser user) => users.IsInRoleAsync(user, StaffRoles.Administrator);

    /// <summary>Whether the multi-factor policy lets a passkey with user verification stand for both of an administrator's two methods.</summary>
    public async Task<bool> PasskeyCountsTwiceAsync(CancellationToken cancellationToken = default) =>
        (await multiFactorPolicies.GetAsync(cancellationToken)).PasskeyCountsTwiceForAdministrators;

    /// <summary>Administrators never use security questions, and text messages only when the configuration allows it.</summary>
    public bool AllowedForAdministrators(RecoveryMethod method) =>
        method != RecoveryMethod.SecurityQuestions && (method != RecoveryMethod.MobileText || options.Value.AdministratorTextMessages);

    /// <summary>A method's place in <see cref="DisplayOrder"/>.</summary>
    public static int Position(RecoveryMethod method) => Order.IndexOf(method);

    /// <summary>Text and call to the same mobile phone prove the same thing: they count as one method.</summary>
    public static string MethodGroup(RecoveryMethod method) => method is RecoveryMethod.MobileText or RecoveryMethod.MobileCall ? "mobile" : method.ToString();

    private static bool HasDataFor(ApplicationUser user, RecoveryMethod method) => method switch
    {
        RecoveryMethod.AlternateEmail => !string.IsNullOrEmpty(user.AlternateEmail),
        RecoveryMethod.MobileText or RecoveryMethod.MobileCall => !string.IsNullOrEmpty(user.MobilePhone),
        RecoveryMethod.OfficeCall => !string.IsNullOrEmpty(user.OfficePhone),
        RecoveryMethod.AuthenticatorApp => !string.IsNullOrEmpty(user.AuthenticatorSecretProtected),
        _ => false,
    };

    private async Task<bool> IsInScopeAsync(ApplicationUser user, SelfServicePolicySettings policy, CancellationToken cancellationToken)
    {
        switch (policy.Scope)
        {
            case SelfServiceScope.All:
                return true;
            case SelfServiceScope.None:
                return false;
        }

        return await GroupTree.IsMemberAsync(db, user.Id, policy.Groups, cancellationToken);
    }

    /// <summary>The selected groups and every group nested below them.</summary>
    internal static Task<HashSet<Guid>> EnabledGroupIdsAsync(ApplicationDbContext db, SelfServicePolicySettings policy, CancellationToken cancellationToken) =>
        GroupTree.WithNestedAsync(db, policy.Groups, cancellationToken);
}
