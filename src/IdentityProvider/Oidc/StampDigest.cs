using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace IdentityProvider.Oidc;

/// <summary>A one-way digest of a security stamp, compared in constant time.</summary>
internal static class StampDigest
{
    public static string Compute(string? securityStamp) =>
        Base64UrlEncoder.Encode(SHA256.HashData(Encoding.UTF8.GetBytes(securityStamp ?? string.Empty)).AsSpan(0, 16).ToArray());

    public static bool Matches(string? digest, string? securityStamp)
    {
        if (string.IsNullOrEmpty(digest))
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(digest), Encoding.ASCII.GetBytes(Compute(securityStamp)));
    }
}
