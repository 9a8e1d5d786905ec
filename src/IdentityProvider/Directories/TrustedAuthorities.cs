using System.Formats.Asn1;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace IdentityProvider.Directories;

/// <summary>
/// The pinned certificate authorities of a directory, laid out the way the LDAP library's TLS layer (OpenSSL, on Linux)
/// looks them up: a folder of PEM files named by the OpenSSL hash of their subject (<c>&lt;hash&gt;.0</c>, what
/// <c>openssl x509 -hash</c> prints). .NET's LDAP client takes such a folder (<c>TrustedCertificatesDirectory</c>) but
/// not a single file, so the folder is written here from the configured PEM file.
/// </summary>
internal static class TrustedAuthorities
{
    /// <summary>
    /// Writes the folder for a PEM file and returns its path: a new folder of this process's own (random name, owner-only
    /// permissions on Unix), so nobody else on the machine can put an authority in it.
    /// </summary>
    public static string Prepare(string pemPath)
    {
        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPemFile(pemPath);
        if (certificates.Count == 0)
        {
            throw new InvalidOperationException($"The certificate authority file '{pemPath}' holds no PEM certificate.");
        }

        var folder = Directory.CreateTempSubdirectory("idp-directory-ca-").FullName;
        var used = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var certificate in certificates)
        {
            var hash = SubjectHash(certificate.SubjectName);
            var index = used.TryGetValue(hash, out var n) ? n + 1 : 0;
            used[hash] = index;
            File.WriteAllText(Path.Combine(folder, $"{hash}.{index.ToString(CultureInfo.InvariantCulture)}"), certificate.ExportCertificatePem() + "\n");
        }

        return folder;
    }

    /// <summary>
    /// OpenSSL's subject-name hash (X509_NAME_hash): SHA-1 of the name's canonical encoding (each text value as a
    /// UTF8String, trimmed, inner white space collapsed to one space, ASCII lowercased; the RDN sets concatenated without
    /// the outer sequence), its first four bytes read little-endian, in 8 hex digits.
    /// </summary>
    internal static string SubjectHash(X500DistinguishedName name)
    {
        var reader = new AsnReader(name.RawData, AsnEncodingRules.DER);
        var rdns = reader.ReadSequence();
        var canonical = new MemoryStream();
        while (rdns.HasData)
        {
            var set = rdns.ReadSetOf();
            var writer = new AsnWriter(AsnEncodingRules.DER);
            using (writer.PushSetOf())
            {
                while (set.HasData)
                {
                    var attribute = set.ReadSequence();
                    var oid = attribute.ReadObjectIdentifier();
                    var tag = attribute.PeekTag();
                    using (writer.PushSequence())
                    {
                        writer.WriteObjectIdentifier(oid);
                        if (tag.TagClass == TagClass.Universal && IsText((UniversalTagNumber)tag.TagValue))
                        {
                            writer.WriteCharacterString(UniversalTagNumber.UTF8String, Canonical(attribute.ReadCharacterString((UniversalTagNumber)tag.TagValue)));
                        }
                        else
                        {
                            writer.WriteEncodedValue(attribute.ReadEncodedValue().Span);
                        }
                    }
                }
            }

            canonical.Write(writer.Encode());
        }

#pragma warning disable CA5350 // OpenSSL's file naming scheme, not a security use: the certificates themselves are checked by TLS.
        var digest = SHA1.HashData(canonical.ToArray());
#pragma warning restore CA5350
        return ((uint)(digest[0] | digest[1] << 8 | digest[2] << 16 | digest[3] << 24)).ToString("x8", CultureInfo.InvariantCulture);
    }

    private static bool IsText(UniversalTagNumber tag) => tag is UniversalTagNumber.UTF8String or UniversalTagNumber.BMPString or UniversalTagNumber.UniversalString
        or UniversalTagNumber.PrintableString or UniversalTagNumber.T61String or UniversalTagNumber.IA5String or UniversalTagNumber.VisibleString;

    private static string Canonical(string value)
    {
        var builder = new StringBuilder(value.Length);
        var pendingSpace = false;
        foreach (var c in value.Trim(' ', '\t', '\n', '\v', '\f', '\r'))
        {
            if (c is ' ' or '\t' or '\n' or '\v' or '\f' or '\r')
            {
                pendingSpace = true;
                continue;
            }

            if (pendingSpace)
            {
                builder.Append(' ');
                pendingSpace = false;
            }

            builder.Append(c < 0x80 ? char.ToLowerInvariant(c) : c);
        }

        return builder.ToString();
    }
}
