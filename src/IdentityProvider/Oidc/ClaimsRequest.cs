using System.Text.Json;
using System.Text.Json.Nodes;

namespace IdentityProvider.Oidc;

/// <summary>One claim asked for by name in the <c>claims</c> request parameter (OpenID Connect Core 5.5.1).</summary>
internal sealed record RequestedClaim(bool Essential, IReadOnlyList<string> Values);

/// <summary>
/// The <c>claims</c> request parameter (OpenID Connect Core 5.5): individual claims wanted in the userinfo response
/// and in the identity token, essential or voluntary, beyond what the scopes give. This server returns each
/// requested claim it knows for the user either way (essential only changes the meaning for <c>acr</c>, which must
/// then reach one of the given values); a <c>sub</c> with a value must be the signed-in user.
/// </summary>
internal sealed record ClaimsRequest(IReadOnlyDictionary<string, RequestedClaim> UserInfo, IReadOnlyDictionary<string, RequestedClaim> IdToken)
{
    public static ClaimsRequest None { get; } = new(new Dictionary<string, RequestedClaim>(), new Dictionary<string, RequestedClaim>());

    /// <summary>Reads the parameter; false when it is not a JSON object of the defined shape.</summary>
    public static bool TryParse(JsonNode? parameter, out ClaimsRequest request)
    {
        request = None;
        if (parameter is null)
        {
            return true;
        }

        if (parameter is not JsonObject root
            || !TryMember(root, "userinfo", out var userInfo) || !TryMember(root, "id_token", out var idToken))
        {
            return false;
        }

        request = new ClaimsRequest(userInfo, idToken);
        return true;
    }

    /// <summary>The values a claim was asked with in either member (e.g. <c>acr</c>, <c>sub</c>).</summary>
    public IEnumerable<(RequestedClaim Claim, string Member)> Find(string name)
    {
        if (UserInfo.TryGetValue(name, out var inUserInfo))
        {
            yield return (inUserInfo, "userinfo");
        }

        if (IdToken.TryGetValue(name, out var inIdToken))
        {
            yield return (inIdToken, "id_token");
        }
    }

    private static bool TryMember(JsonObject root, string member, out IReadOnlyDictionary<string, RequestedClaim> claims)
    {
        var result = new Dictionary<string, RequestedClaim>(StringComparer.Ordinal);
        claims = result;
        if (!root.TryGetPropertyValue(member, out var node) || node is null)
        {
            return true;
        }

        if (node is not JsonObject entries || entries.Count > 100)
        {
            return false;
        }

        foreach (var (name, value) in entries)
        {
            if (name.Length is 0 or > 100)
            {
                return false;
            }

            if (value is null)
            {
                result[name] = new RequestedClaim(false, []);
                continue;
            }

            if (value is not JsonObject options)
            {
                return false;
            }

            var essential = options.TryGetPropertyValue("essential", out var flag) && flag is JsonValue boolean
                && boolean.GetValueKind() == JsonValueKind.True;
            var values = new List<string>();
            if (options.TryGetPropertyValue("value", out var single) && single is JsonValue one)
            {
                values.Add(one.ToString());
            }

            if (options.TryGetPropertyValue("values", out var many) && many is JsonArray list)
            {
                values.AddRange(list.OfType<JsonValue>().Select(v => v.ToString()));
            }

            result[name] = new RequestedClaim(essential, values);
        }

        return true;
    }
}
