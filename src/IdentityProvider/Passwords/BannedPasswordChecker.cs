namespace IdentityProvider.Passwords;

/// <summary>
/// The banned-password check, modelled on the published algorithm of a well-known cloud directory:
/// <list type="number">
/// <item>normalise the password (<see cref="PasswordNormalizer"/>);</item>
/// <item>reject it outright when it contains the user's first name, last name, username or the organisation's
/// name (each only when at least 4 characters long after normalisation);</item>
/// <item>find the banned terms (global list and the organisation's list) that occur in it within edit distance 1;</item>
/// <item>score 1 point per banned term found and 1 point per remaining character; accept at 5 points or more.</item>
/// </list>
/// Where found terms overlap, the reading with the lowest score counts (the one an attacker's guesser would use).
/// A fuzzy occurrence of a term is ignored where the same term also occurs exactly at an overlapping place, so
/// "blankf" counts as "blank" plus "f", not as one fuzzy "blank".
/// </summary>
internal static class BannedPasswordChecker
{
    public const int AcceptScore = 5;
    private const int NameMinimumLength = 4;

    public static BannedPasswordResult Evaluate(string password, IEnumerable<string?> personalTerms, BannedTermIndex global, BannedTermIndex custom)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentNullException.ThrowIfNull(personalTerms);
        var normalized = PasswordNormalizer.Normalize(password);

        foreach (var term in personalTerms)
        {
            if (string.IsNullOrWhiteSpace(term))
            {
                continue;
            }

            var name = PasswordNormalizer.Normalize(term.Trim());
            if (name.Length >= NameMinimumLength && normalized.Contains(name, StringComparison.Ordinal))
            {
                return new BannedPasswordResult(0, ContainsPersonalInfo: true, [], []);
            }
        }

        var candidates = FindCandidates(normalized, global, custom);
        return Score(normalized.Length, candidates);
    }

    private static List<Match> FindCandidates(string normalized, BannedTermIndex global, BannedTermIndex custom)
    {
        var matches = new List<Match>();
        var found = new List<(string Term, int Distance)>();
        var text = normalized.AsSpan();
        for (var start = 0; start < text.Length; start++)
        {
            var longest = Math.Min(BannedTermIndex.MaximumTermLength + 1, text.Length - start);
            for (var length = BannedTermIndex.MinimumTermLength - 1; length <= longest; length++)
            {
                var slice = text.Slice(start, length);
                found.Clear();
                global.FindNear(slice, found);
                foreach (var (term, distance) in found)
                {
                    matches.Add(new Match(start, start + length, term, distance, IsCustom: false));
                }

                found.Clear();
                custom.FindNear(slice, found);
                foreach (var (term, distance) in found)
                {
                    matches.Add(new Match(start, start + length, term, distance, IsCustom: true));
                }
            }
        }

        // A fuzzy reading of a term does not count where the term itself is there exactly.
        var exact = matches.Where(m => m.Distance == 0).ToLookup(m => m.Term, StringComparer.Ordinal);
        matches.RemoveAll(m => m.Distance == 1 && exact[m.Term].Any(e => e.Start < m.End && m.Start < e.End));
        return matches;
    }

    private static BannedPasswordResult Score(int length, List<Match> matches)
    {
        // best[i]: the lowest score of the password from position i on; choice[i]: the match taken there, if any.
        var best = new int[length + 1];
        var choice = new Match?[length + 1];
        var byStart = matches.ToLookup(m => m.Start);
        for (var i = length - 1; i >= 0; i--)
        {
            best[i] = 1 + best[i + 1];
            foreach (var match in byStart[i])
            {
                var score = 1 + best[match.End];
                if (score < best[i])
                {
                    best[i] = score;
                    choice[i] = match;
                }
            }
        }

        var globalTerms = new List<string>();
        var customTerms = new List<string>();
        for (var i = 0; i < length;)
        {
            if (choice[i] is { } match)
            {
                (match.IsCustom ? customTerms : globalTerms).Add(match.Term);
                i = match.End;
            }
            else
            {
                i++;
            }
        }

        return new BannedPasswordResult(best[0], ContainsPersonalInfo: false, globalTerms, customTerms);
    }

    private sealed record Match(int Start, int End, string Term, int Distance, bool IsCustom);
}

/// <summary>What the banned-password check found.</summary>
internal sealed record BannedPasswordResult(int Score, bool ContainsPersonalInfo, IReadOnlyList<string> GlobalTermsFound, IReadOnlyList<string> CustomTermsFound)
{
    public bool Accepted => !ContainsPersonalInfo && Score >= BannedPasswordChecker.AcceptScore;
}
