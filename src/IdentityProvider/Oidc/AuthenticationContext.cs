namespace IdentityProvider.Oidc;

/// <summary>
/// What a sign-in proved, for the <c>amr</c> (RFC 8176 method names) and <c>acr</c> claims. One table says which
/// kind of factor each method is; <c>acr</c> is <c>"1"</c> for one kind of factor and <c>"2"</c> for two or more
/// (then <c>amr</c> also carries <c>mfa</c>). Sign-in records <c>pwd</c> today; a second factor adds its own method
/// (<c>otp</c>, <c>hwk</c>, …) and the levels follow from the table.
/// </summary>
internal static class AuthenticationContext
{
    public const string SingleFactor = "1";
    public const string MultiFactor = "2";
    public const string Password = "pwd";
    public const string MultipleFactors = "mfa";

    /// <summary>The name apps may use for the multi-factor level in <c>acr_values</c> (and get back in <c>acr</c> when they do).</summary>
    public const string MultiFactorAlias = "mfa";

    /// <summary>The <c>acr</c> values this server issues, weakest first (advertised in discovery).</summary>
    public static IReadOnlyList<string> AcrValues { get; } = [SingleFactor, MultiFactor, MultiFactorAlias];

    private enum Factor
    {
        Knowledge,
        Possession,
        Inherence,
    }

    private static readonly Dictionary<string, Factor> Factors = new(StringComparer.Ordinal)
    {
        [Password] = Factor.Knowledge,
        ["pin"] = Factor.Knowledge,
        ["kba"] = Factor.Knowledge,
        ["otp"] = Factor.Possession,
        ["sms"] = Factor.Possession,
        ["tel"] = Factor.Possession,
        ["hwk"] = Factor.Possession,
        ["swk"] = Factor.Possession,
        ["fpt"] = Factor.Inherence,
        ["face"] = Factor.Inherence,
        ["iris"] = Factor.Inherence,
    };

    /// <summary>The <c>amr</c> values for the methods used: the methods themselves, and <c>mfa</c> when they are two kinds of factor.</summary>
    public static IReadOnlyList<string> Amr(IEnumerable<string> methods)
    {
        var given = methods.ToList();
        var used = given.Where(m => m != MultipleFactors).Distinct(StringComparer.Ordinal).ToList();
        if (used.Count == 0)
        {
            used.Add(Password);
        }

        // A method that proved two factors by itself (a passkey with user verification) is recorded with "mfa".
        if (Kinds(used) >= 2 || given.Contains(MultipleFactors))
        {
            used.Add(MultipleFactors);
        }

        return used;
    }

    /// <summary>The <c>acr</c> value the methods used reach.</summary>
    public static string Acr(IEnumerable<string> methods)
    {
        var given = methods.ToList();
        return Kinds(given) >= 2 || given.Contains(MultipleFactors) ? MultiFactor : SingleFactor;
    }

    /// <summary>Whether <paramref name="reached"/> is at least <paramref name="wanted"/> (unknown values are never reached).</summary>
    public static bool Satisfies(string reached, string wanted) =>
        Level(wanted) is { } level && Level(reached) >= level;

    /// <summary>Whether reaching <paramref name="wanted"/> takes a second factor.</summary>
    public static bool NeedsMultipleFactors(string wanted) => Level(wanted) >= 2;

    /// <summary>
    /// The <c>acr</c> values an authorization request asked for, preferred first: an essential <c>acr</c> claim's values,
    /// else the <c>acr_values</c> parameter (OpenID Connect Core 3.1.2.1, 5.5.1.1), else the voluntary claim's values.
    /// </summary>
    public static IReadOnlyList<string> Requested(string? acrValues, ClaimsRequest claims)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var claimed = claims.Find(OpenIddict.Abstractions.OpenIddictConstants.Claims.AuthenticationContextReference).ToList();
        if (claimed.Where(c => c.Claim.Essential).SelectMany(c => c.Claim.Values).ToList() is { Count: > 0 } essential)
        {
            return essential;
        }

        var parameter = (acrValues ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parameter.Length > 0 ? parameter : [.. claimed.SelectMany(c => c.Claim.Values)];
    }

    /// <summary>The <c>acr</c> to issue: the first requested value the sign-in reached, else the level it reached.</summary>
    public static string Answer(string reached, IReadOnlyList<string> requested) =>
        requested?.FirstOrDefault(wanted => Satisfies(reached, wanted)) ?? reached;

    private static int? Level(string value) => value switch
    {
        SingleFactor => 1,
        MultiFactor or MultiFactorAlias => 2,
        _ => null,
    };

    private static int Kinds(IEnumerable<string> methods) =>
        methods.Select(m => Factors.TryGetValue(m, out var factor) ? factor : (Factor?)null).OfType<Factor>().Distinct().Count();
}
