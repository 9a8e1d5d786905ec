using System.Collections.Frozen;

namespace IdentityProvider.Passwords;

/// <summary>
/// A set of banned terms indexed for edit-distance-1 lookup by their deletion neighbourhood: each term is stored
/// under itself and under every string made by deleting one of its characters. Two strings are within one
/// substitution, insertion or deletion of each other only if their neighbourhoods meet, so a lookup generates the
/// query's own neighbourhood (length + 1 keys) and checks the few candidates it finds.
/// </summary>
public sealed class BannedTermIndex
{
    public const int MinimumTermLength = 4;
    public const int MaximumTermLength = 16;

    private readonly FrozenDictionary<string, int[]> neighbourhood;
    private readonly string[] terms;
    private readonly int fuzzyMinimumLength;

    private BannedTermIndex(string[] terms, FrozenDictionary<string, int[]> neighbourhood, int fuzzyMinimumLength)
    {
        this.terms = terms;
        this.neighbourhood = neighbourhood;
        this.fuzzyMinimumLength = fuzzyMinimumLength;
    }

    public static BannedTermIndex Empty { get; } = Build([], MinimumTermLength);

    public int Count => terms.Length;

    /// <summary>
    /// Builds an index of the normalised terms of 4–16 characters. Terms shorter than
    /// <paramref name="fuzzyMinimumLength"/> match exactly only: a single edit to a four-character term leaves
    /// three characters, which occur by chance in almost any password.
    /// </summary>
    /// <param name="rawTerms">The terms as listed.</param>
    /// <param name="fuzzyMinimumLength">See above.</param>
    /// <param name="collapseVariants">
    /// Drop each term that is another listed term plus one character ("copper1" when "copper" is listed): fuzzy
    /// matching finds those anyway, and kept as terms of their own they would swallow the character that follows
    /// every common word in a passphrase.
    /// </param>
    public static BannedTermIndex Build(IEnumerable<string> rawTerms, int fuzzyMinimumLength, bool collapseVariants = false)
    {
        var unique = rawTerms
            .Select(term => PasswordNormalizer.Normalize(term.Trim()))
            .Where(term => term.Length is >= MinimumTermLength and <= MaximumTermLength)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToArray();

        if (collapseVariants)
        {
            // Shortest first, and only against terms already kept, so every dropped term stays within one edit
            // of a kept one (a chain "loveo" < "loveyo" < "loveyou" must not drop the middle and the end).
            var kept = new HashSet<string>(StringComparer.Ordinal);
            foreach (var term in unique.OrderBy(t => t.Length).ThenBy(t => t, StringComparer.Ordinal))
            {
                var variant = term.Length > fuzzyMinimumLength
                    && Enumerable.Range(0, term.Length).Any(i => kept.Contains(string.Concat(term.AsSpan(0, i), term.AsSpan(i + 1))));
                if (!variant)
                {
                    kept.Add(term);
                }
            }

            unique = [.. unique.Where(kept.Contains)];
        }

        var keys = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        void Add(string key, int index)
        {
            if (!keys.TryGetValue(key, out var list))
            {
                keys[key] = list = [];
            }

            if (list.Count == 0 || list[^1] != index)
            {
                list.Add(index);
            }
        }

        for (var index = 0; index < unique.Length; index++)
        {
            var term = unique[index];
            Add(term, index);
            if (term.Length >= fuzzyMinimumLength)
            {
                for (var position = 0; position < term.Length; position++)
                {
                    Add(string.Concat(term.AsSpan(0, position), term.AsSpan(position + 1)), index);
                }
            }
        }

        return new BannedTermIndex(unique, keys.ToFrozenDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal), fuzzyMinimumLength);
    }

    /// <summary>Terms within edit distance 1 of <paramref name="candidate"/>, with that distance (0 or 1).</summary>
    public void FindNear(ReadOnlySpan<char> candidate, List<(string Term, int Distance)> results)
    {
        var lookup = neighbourhood.GetAlternateLookup<ReadOnlySpan<char>>();
        Span<int> seenBuffer = stackalloc int[32];
        var seenCount = 0;
        Span<char> buffer = stackalloc char[MaximumTermLength + 1];

        // Few terms ever match one slice: a small linear list beats a hash set per call.
        bool FirstSight(int index, Span<int> seen)
        {
            for (var i = 0; i < seenCount; i++)
            {
                if (seen[i] == index)
                {
                    return false;
                }
            }

            if (seenCount < seen.Length)
            {
                seen[seenCount++] = index;
            }

            return true;
        }

        void Check(ReadOnlySpan<char> key, ReadOnlySpan<char> original, Span<int> seen)
        {
            if (!lookup.TryGetValue(key, out var matches))
            {
                return;
            }

            foreach (var index in matches)
            {
                if (!FirstSight(index, seen))
                {
                    continue;
                }

                var term = terms[index];
                var distance = original.SequenceEqual(term) ? 0 : WithinOneEdit(original, term) ? 1 : -1;
                if (distance == 0 || (distance == 1 && term.Length >= fuzzyMinimumLength))
                {
                    results.Add((term, distance));
                }
            }
        }

        Check(candidate, candidate, seenBuffer);
        if (candidate.Length < 2 || candidate.Length > MaximumTermLength + 1)
        {
            return;
        }

        for (var position = 0; position < candidate.Length; position++)
        {
            candidate[..position].CopyTo(buffer);
            candidate[(position + 1)..].CopyTo(buffer[position..]);
            Check(buffer[..(candidate.Length - 1)], candidate, seenBuffer);
        }
    }

    /// <summary>True when a and b differ by at most one substitution, insertion or deletion.</summary>
    internal static bool WithinOneEdit(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
    {
        if (Math.Abs(a.Length - b.Length) > 1)
        {
            return false;
        }

        if (a.Length < b.Length)
        {
            var swap = a;
            a = b;
            b = swap;
        }

        var prefix = a.CommonPrefixLength(b);
        if (prefix == b.Length)
        {
            return true;
        }

        return a.Length == b.Length
            ? a[(prefix + 1)..].SequenceEqual(b[(prefix + 1)..])
            : a[(prefix + 1)..].SequenceEqual(b[prefix..]);
    }
}
