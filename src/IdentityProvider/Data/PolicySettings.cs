using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.ModelBinding.Validation;

namespace IdentityProvider.Data;

/// <summary>
/// A policy administrators can change, declared once. The one class of each policy is bound from configuration (its
/// starting values, validated at start), stored as one row (<see cref="StoredPolicy{T}"/>), bound by the admin page's
/// form and sent and received by the admin API. Its validation attributes and its <see cref="IValidatableObject"/> rules
/// are the only checks, whichever way a value comes in. A setting is a public property with a getter and a setter that
/// is not <see cref="JsonIgnoreAttribute"/>d: adding one is adding a property (and a row to the admin form).
/// </summary>
public abstract class PolicySettings
{
    internal const int SingletonId = 1;

    /// <summary>The row's key; always 1.</summary>
    [JsonIgnore, BindNever, ValidateNever]
    public int Id { get; set; } = SingletonId;

    /// <summary>When an administrator last changed a setting (or when the row was seeded).</summary>
    [JsonIgnore, BindNever, ValidateNever]
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>The prefix of this policy's settings in the audit trail (<c>sspr</c>, <c>passwords</c>, <c>lockout</c>).</summary>
    protected internal abstract string AuditArea { get; }

    /// <summary>Puts equivalent values in one form (trimmed text, lists without repeats, in order) before they are stored.</summary>
    protected internal virtual void Normalize()
    {
    }

    /// <summary>
    /// The rules of a "selected groups" setting, shared by the policies that have one: a selected scope needs at least
    /// one group, and every group must exist. Checked only where validation can reach the database (edits).
    /// </summary>
    protected static IEnumerable<ValidationResult> ValidateGroups(ValidationContext validationContext, bool selected, IReadOnlyCollection<Guid> groups, string member)
    {
        ArgumentNullException.ThrowIfNull(validationContext);
        ArgumentNullException.ThrowIfNull(groups);
        if (validationContext.GetService(typeof(ApplicationDbContext)) is not ApplicationDbContext db)
        {
            yield break;
        }

        if (selected && groups.Count == 0)
        {
            yield return new("Choose at least one group, or another scope.", [member]);
        }

        var wanted = groups.Distinct().ToList();
        if (wanted.Count > 0 && db.Set<Group>().Count(g => wanted.Contains(g.Id)) < wanted.Count)
        {
            yield return new("One of the groups does not exist.", [member]);
        }
    }

    /// <summary>How a changed setting reads in the audit trail, without the area; by default <c>Setting: old → new</c>.</summary>
    protected internal virtual string DescribeChange(PropertyInfo setting, object? before, object? after)
    {
        ArgumentNullException.ThrowIfNull(setting);
        return $"{setting.Name}: {Show(before)} → {Show(after)}";
    }

    /// <summary>The settings of a policy class: its public read-write properties, without the row's key and time stamp.</summary>
    internal static IReadOnlyList<PropertyInfo> SettingsOf(Type type) =>
        [.. type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.CanWrite && p.GetSetMethod() is not null && p.GetCustomAttribute<JsonIgnoreAttribute>() is null)];

    /// <summary>A value as the audit trail shows it: <c>none</c> for null, lists comma-separated, numbers invariant.</summary>
    protected static string Show(object? value) => value switch
    {
        null => "none",
        string text => text,
        System.Collections.IEnumerable items => string.Join(',', items.Cast<object?>().Select(Show)),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}

/// <summary>A setting that may not be greater than another setting of the same object (e.g. questions asked ≤ registered).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class NotAboveAttribute(string otherProperty) : ValidationAttribute
{
    public string OtherProperty { get; } = otherProperty;

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) =>
        Compare(value, validationContext, OtherProperty) > 0 ? Failed(validationContext, ErrorMessage) : ValidationResult.Success;

    internal static int Compare(object? value, ValidationContext context, string other)
    {
        ArgumentNullException.ThrowIfNull(context);
        var bound = context.ObjectType.GetProperty(other)?.GetValue(context.ObjectInstance);
        return value is IComparable comparable && bound is not null ? comparable.CompareTo(bound) : 0;
    }

    internal static ValidationResult Failed(ValidationContext context, string? message) =>
        new(message ?? $"{context.DisplayName} is out of range.", context.MemberName is { } member ? [member] : null);
}

/// <summary>A setting that may not be less than another setting of the same object (e.g. the longest lockout ≥ the first).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class NotBelowAttribute(string otherProperty) : ValidationAttribute
{
    public string OtherProperty { get; } = otherProperty;

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) =>
        NotAboveAttribute.Compare(value, validationContext, OtherProperty) < 0 ? NotAboveAttribute.Failed(validationContext, ErrorMessage) : ValidationResult.Success;
}
