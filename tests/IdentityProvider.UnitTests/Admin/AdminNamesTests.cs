using System.Reflection;
using IdentityProvider.Admin;
using IdentityProvider.Audit;
using Microsoft.Extensions.Localization;

namespace IdentityProvider.UnitTests.Admin;

/// <summary>The audit log page names every event type the server writes in the reader's language, not a spelled-out code.</summary>
public sealed class AdminNamesTests
{
    [Fact]
    public void EveryAuditEventType_HasANameOfItsOwn()
    {
        var names = new AdminNames(new KeyLocalizer());
        var unnamed = typeof(AuditEventTypes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(field => field.IsLiteral && field.FieldType == typeof(string))
            .Select(field => (string)field.GetRawConstantValue()!)
            .Where(code => names.EventType(code) == AdminNames.Spelled(code))
            .ToList();

        Assert.True(unnamed.Count == 0, "Event types without a name of their own: " + string.Join(", ", unnamed));
    }

    /// <summary>Marks the key, so that a text from the resources is told apart from a code spelled out in English.</summary>
    private sealed class KeyLocalizer : IStringLocalizer<AdminText>
    {
        public LocalizedString this[string name] => new(name, "[" + name + "]");

        public LocalizedString this[string name, params object[] arguments] => new(name, "[" + string.Format(System.Globalization.CultureInfo.InvariantCulture, name, arguments) + "]");

        public IEnumerable<LocalizedString> GetAllStrings(bool includeParentCultures) => [];
    }
}
