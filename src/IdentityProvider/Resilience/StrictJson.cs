using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace IdentityProvider.Resilience;

/// <summary>
/// How request bodies in JSON are read: a property the request type does not have, a null where the type allows none,
/// or a control character (NUL among them) in any string is refused while reading, so the endpoint never sees it and
/// the caller gets a 400 problem naming the property (see <see cref="FailureAnswers"/>).
/// </summary>
internal static class StrictJson
{
    public static void Apply(JsonSerializerOptions options)
    {
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.RespectNullableAnnotations = true;
        options.Converters.Insert(0, new PlainStringConverter());
        options.TypeInfoResolver = (options.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver()).WithAddedModifier(WriteNullsAsStored);
    }

    /// <summary>Why a JSON body was refused, in words for the caller (the serializer's own messages name .NET types).</summary>
    public static string Describe(JsonException exception) => exception switch
    {
        ControlCharacterException => "Control characters (such as NUL) are not allowed.",
        _ when exception.Message.Contains("could not be mapped", StringComparison.Ordinal) => "This property is not part of the request.",
        _ when exception.Message.Contains("null", StringComparison.OrdinalIgnoreCase) => "This value may not be null.",
        _ => "This value is not of the expected type or format.",
    };

    /// <summary>The property a JSON error is about (<c>redirectUris[0]</c>), or <c>body</c> for the document itself.</summary>
    public static string Field(JsonException exception) =>
        exception.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : "body";

    // Null annotations are enforced on what callers send, not on what the server answers.
    private static void WriteNullsAsStored(JsonTypeInfo type)
    {
        foreach (var property in type.Properties.Where(p => !p.PropertyType.IsValueType))
        {
            property.IsGetNullable = true;
        }
    }

    private sealed class PlainStringConverter : JsonConverter<string>
    {
        public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => Check(reader.GetString());

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);

        public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => Check(reader.GetString())!;

        public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WritePropertyName(value);

        private static string? Check(string? value) => value is not null && InputGuard.HasControlCharacter(value) ? throw new ControlCharacterException() : value;
    }

    private sealed class ControlCharacterException : JsonException
    {
        public ControlCharacterException()
            : base("A string contains a control character.")
        {
        }
    }
}
