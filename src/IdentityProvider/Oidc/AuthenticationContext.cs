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

    /// <summary>The <c>acr</c> values this server issues, weakest first (advertised in discovery).</summary>
    public static IReadOnlyList<string> AcrValues { get; } = [SingleFactor, MultiFactor];

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
        var proven = methods.ToList();
        var used = proven.Where(m => m != MultipleFactors).Distinct(StringComparer.Ordinal).ToList();
        if (used.Count == 0)
        {
            used.Add(Password);
        }

        if (Kinds(used) >= 2 || Kinds(proven) >= 2)
        {
            used.Add(MultipleFactors);
        }

        return used;
    }

    /// <summary>The <c>acr</c> value the methods used reach.</summary>
    public static string Acr(IEnumerable<string> methods) => Kinds(methods) >= 2 ? MultiFactor : SingleFactor;

    /// <summary>Whether <paramref name="reached"/> is at least <paramref name="wanted"/> (unknown values are never reached).</summary>
    public static bool Satisfies(string reached, string wanted) =>
        AcrValues.Contains(wanted) && string.CompareOrdinal(reached, wanted) >= 0;

    /// <summary>
    /// The kinds of factor proven. <c>mfa</c> recorded with a method stands for two: one method that proved two factors
    /// (a passkey with user verification is something you have and something you know or are).
    /// </summary>
    private static int Kinds(IEnumerable<string> methods)
    {
        var list = methods.ToList();
        var kinds = list.Select(m => Factors.TryGetValue(m, out var factor) ? factor : (Factor?)null).OfType<Factor>().Distinct().Count();
        return list.Contains(MultipleFactors) && kinds >= 1 ? Math.Max(kinds, 2) : kinds;
    }
}
