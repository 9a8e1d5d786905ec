using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Fido2NetLib;
using Fido2NetLib.Objects;
using IdentityProvider.Data;
using Microsoft.EntityFrameworkCore;

namespace IdentityProvider.SelfService.Passkeys;

/// <summary>What became of a passkey check.</summary>
/// <param name="Credential">The passkey that signed, or null when the check failed.</param>
/// <param name="UserVerified">The authenticator verified the user (PIN or biometrics: the UV flag).</param>
/// <param name="Failure">Why the check failed, for the audit log (never shown: every failure reads the same to the user).</param>
public sealed record PasskeyCheck(PasskeyCredential? Credential, bool UserVerified, string? Failure)
{
    public static PasskeyCheck Failed(string why) => new(null, false, why);
}

/// <summary>
/// A user's passkeys: their WebAuthn options (registration and assertion), the registration of a new one and the
/// check of an assertion (signature, challenge, origin, user handle, signature counter). The library's verdicts and
/// any malformed answer from the browser become a <see cref="PasskeyCheck"/> failure or a
/// <see cref="PasskeyRefusedException"/>, never a server error.
/// </summary>
public sealed class PasskeyCredentials(ApplicationDbContext db, PasskeyRelyingParty relyingParty, TimeProvider time)
{
    /// <summary>The most passkeys one account may register.</summary>
    public const int MaximumPerUser = 20;

    /// <summary>The longest name a passkey may have.</summary>
    public const int MaximumNameLength = 100;

    public Task<List<PasskeyCredential>> ListAsync(string userId, CancellationToken cancellationToken = default) =>
        db.Set<PasskeyCredential>().AsNoTracking().Where(c => c.UserId == userId).OrderBy(c => c.CreatedAt).ToListAsync(cancellationToken);

    public Task<bool> AnyAsync(string userId, CancellationToken cancellationToken = default) =>
        db.Set<PasskeyCredential>().AnyAsync(c => c.UserId == userId, cancellationToken);

    /// <summary>
    /// Options to create a discoverable passkey (resident key required, user verification preferred) for
    /// <paramref name="user"/>, excluding the authenticators that already hold one of theirs.
    /// </summary>
    public CredentialCreateOptions RegistrationOptions(HttpContext http, ApplicationUser user, IReadOnlyList<PasskeyCredential> existing)
    {
        ArgumentNullException.ThrowIfNull(user);
        var name = user.UserName ?? user.Email ?? user.Id;
        return relyingParty.For(http).RequestNewCredential(new RequestNewCredentialParams
        {
            User = new Fido2User { Id = UserHandle(user.Id), Name = name, DisplayName = name },
            ExcludeCredentials = [.. existing.Select(Descriptor)],
            AuthenticatorSelection = new AuthenticatorSelection
            {
                ResidentKey = ResidentKeyRequirement.Required,
                UserVerification = UserVerificationRequirement.Preferred,
            },
            AttestationPreference = AttestationConveyancePreference.None,
            Extensions = new AuthenticationExtensionsClientInputs { CredProps = true },
        });
    }

    /// <summary>Checks the browser's attestation against the ceremony's options and stores the new passkey (not yet saved).</summary>
    /// <exception cref="PasskeyRefusedException">The attestation is malformed, forged, for another challenge or origin, or its credential is already registered.</exception>
    public async Task<PasskeyCredential> RegisterAsync(
        HttpContext http, ApplicationUser user, string name, string optionsJson, JsonElement attestation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        RegisteredPublicKeyCredential registered;
        try
        {
            var response = attestation.Deserialize<AuthenticatorAttestationRawResponse>()
                ?? throw new PasskeyRefusedException("empty-attestation");
            var options = CredentialCreateOptions.FromJson(optionsJson);
            registered = await relyingParty.For(http).MakeNewCredentialAsync(new MakeNewCredentialParams
            {
                AttestationResponse = response,
                OriginalOptions = options,
                IsCredentialIdUniqueToUserCallback = async (candidate, token) =>
                    !await db.Set<PasskeyCredential>().AnyAsync(c => c.CredentialId == candidate.CredentialId, token),
            }, cancellationToken);
        }
        catch (Exception e) when (IsBadAnswer(e))
        {
            throw new PasskeyRefusedException(Reason(e), e);
        }

        if (!registered.User.Id.AsSpan().SequenceEqual(UserHandle(user.Id)))
        {
            throw new PasskeyRefusedException("other-user");
        }

        var credential = new PasskeyCredential
        {
            UserId = user.Id,
            CredentialId = registered.Id,
            PublicKey = registered.PublicKey,
            UserHandle = registered.User.Id,
            SignCount = registered.SignCount,
            Name = name,
            Transports = string.Join(' ', (registered.Transports ?? []).Select(TransportName)),
            Aaguid = registered.AaGuid,
            BackupEligible = registered.IsBackupEligible,
            CreatedAt = time.GetUtcNow(),
        };
        db.Add(credential);
        return credential;
    }

    /// <summary>Options to sign with a passkey: <paramref name="allowed"/> empty for a discoverable credential of any user.</summary>
    public AssertionOptions AssertionOptions(HttpContext http, IReadOnlyList<PasskeyCredential> allowed, UserVerificationRequirement userVerification) =>
        relyingParty.For(http).GetAssertionOptions(new GetAssertionOptionsParams
        {
            AllowedCredentials = [.. allowed.Select(Descriptor)],
            UserVerification = userVerification,
        });

    /// <summary>
    /// Checks an assertion against the ceremony's options. The credential must be registered (to
    /// <paramref name="userId"/> when given), its user handle must be the owner's, the signature must verify with the
    /// stored key and the signature counter must move forward (unless the authenticator does not count). On success
    /// the counter and last use are updated (not yet saved). An unknown credential and a bad signature fail alike.
    /// </summary>
    public async Task<PasskeyCheck> VerifyAsync(HttpContext http, string optionsJson, JsonElement assertion, string? userId, CancellationToken cancellationToken = default)
    {
        AuthenticatorAssertionRawResponse response;
        AssertionOptions options;
        try
        {
            response = assertion.Deserialize<AuthenticatorAssertionRawResponse>() ?? throw new PasskeyRefusedException("empty-assertion");
            options = Fido2NetLib.AssertionOptions.FromJson(optionsJson);
        }
        catch (Exception e) when (IsBadAnswer(e))
        {
            return PasskeyCheck.Failed("malformed");
        }

        if (response.RawId is not { Length: > 0 and <= 1023 } rawId || response.Response is null)
        {
            return PasskeyCheck.Failed("malformed");
        }

        var credential = await db.Set<PasskeyCredential>().SingleOrDefaultAsync(c => c.CredentialId == rawId, cancellationToken);
        if (credential is null || (userId is not null && credential.UserId != userId))
        {
            return PasskeyCheck.Failed("unknown-credential");
        }

        // Without an allow list the user is found by the credential alone: the authenticator must say whose it is.
        if (userId is null && response.Response.UserHandle is null)
        {
            return PasskeyCheck.Failed("no-user-handle");
        }

        VerifyAssertionResult result;
        bool userVerified;
        try
        {
            result = await relyingParty.For(http).MakeAssertionAsync(new MakeAssertionParams
            {
                AssertionResponse = response,
                OriginalOptions = options,
                StoredPublicKey = credential.PublicKey,
                StoredSignatureCounter = (uint)Math.Clamp(credential.SignCount, 0, uint.MaxValue),
                IsUserHandleOwnerOfCredentialIdCallback = (owner, _) => Task.FromResult(
                    CryptographicOperations.FixedTimeEquals(owner.UserHandle, credential.UserHandle)
                    && owner.CredentialId.AsSpan().SequenceEqual(credential.CredentialId)),
            }, cancellationToken);
            userVerified = AuthenticatorAssertionResponse.Parse(response).AuthenticatorData.UserVerified;
        }
        catch (Exception e) when (IsBadAnswer(e))
        {
            return PasskeyCheck.Failed(Reason(e));
        }

        credential.SignCount = result.SignCount;
        credential.LastUsedAt = time.GetUtcNow();
        return new PasskeyCheck(credential, userVerified, null);
    }

    /// <summary>The user handle given to authenticators: the user id in UTF-8 (no personal data).</summary>
    public static byte[] UserHandle(string userId) => Encoding.UTF8.GetBytes(userId);

    private static PublicKeyCredentialDescriptor Descriptor(PasskeyCredential credential) =>
        new(PublicKeyCredentialType.PublicKey, credential.CredentialId, ParseTransports(credential.Transports));

    private static AuthenticatorTransport[]? ParseTransports(string transports)
    {
        var parsed = new List<AuthenticatorTransport>();
        foreach (var name in transports.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            try
            {
                parsed.Add(JsonSerializer.Deserialize<AuthenticatorTransport>(JsonSerializer.Serialize(name)));
            }
            catch (JsonException)
            {
                // A transport this library version does not know: leave it out of the hint.
            }
        }

        return parsed.Count == 0 ? null : [.. parsed];
    }

    private static string TransportName(AuthenticatorTransport transport) => JsonSerializer.Serialize(transport).Trim('"');

    /// <summary>What a malformed, forged or stale answer from the browser throws, as opposed to a fault of the server.</summary>
    private static bool IsBadAnswer(Exception e) =>
        e is Fido2VerificationException or PasskeyRefusedException or JsonException or FormatException or ArgumentException
            or InvalidCastException or CryptographicException or NotSupportedException or NotImplementedException or InvalidOperationException;

    private static string Reason(Exception e) => e switch
    {
        PasskeyRefusedException refused => refused.Message,
        Fido2VerificationException fido => "rejected:" + fido.Code.ToString(),
        _ => "malformed",
    };
}

/// <summary>The browser's answer to a passkey ceremony was refused: malformed, forged, stale or not this user's.</summary>
public sealed class PasskeyRefusedException : Exception
{
    public PasskeyRefusedException()
    {
    }

    public PasskeyRefusedException(string message)
        : base(message)
    {
    }

    public PasskeyRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
