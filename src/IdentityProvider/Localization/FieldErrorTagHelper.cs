using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Mvc.Rendering;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Microsoft.AspNetCore.Razor.TagHelpers;

namespace IdentityProvider.Localization;

/// <summary>
/// Ties a form's errors to its fields, on every form without per-page markup. For each <c>input</c>, <c>select</c> and
/// <c>textarea</c> whose name has an error in the model state: the message right after the field
/// (<c>p.field-error</c> with id <c>{field id}-error</c>), <c>aria-invalid="true"</c>, <c>aria-describedby</c> pointing
/// at the message, and <c>autofocus</c> on the first field in error (and on no other field). The summary
/// (<c>Shared/_ValidationSummary</c>) links each message to its field with the same ids.
/// </summary>
[HtmlTargetElement("input", TagStructure = TagStructure.WithoutEndTag)]
[HtmlTargetElement("select")]
[HtmlTargetElement("textarea")]
public sealed class FieldErrorTagHelper : TagHelper
{
    private const string FirstErrorKey = "idp.first-field-in-error";

    /// <summary>After the framework's input, select and textarea helpers, so their name and id are known.</summary>
    public override int Order => 1000;

    [HtmlAttributeNotBound]
    [ViewContext]
    public ViewContext ViewContext { get; set; } = default!;

    /// <summary>The element id a field named <paramref name="name"/> gets when it has none (the framework's rule).</summary>
    public static string IdFor(string name) => TagBuilder.CreateSanitizedId(name, "_");

    public override void Process(TagHelperContext context, TagHelperOutput output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var state = ViewContext.ViewData.ModelState;
        if (state.IsValid || !output.Attributes.TryGetAttribute("name", out var nameAttribute)
            || output.Attributes.TryGetAttribute("type", out var type) && type.Value?.ToString() is "hidden" or "submit" or "button")
        {
            return;
        }

        var name = nameAttribute.Value?.ToString() ?? string.Empty;
        var errors = state.TryGetValue(name, out var entry) ? entry.Errors : null;
        if (errors is not { Count: > 0 })
        {
            // Only the first field in error takes the focus.
            output.Attributes.RemoveAll("autofocus");
            return;
        }

        var id = output.Attributes.TryGetAttribute("id", out var idAttribute) ? idAttribute.Value?.ToString() ?? IdFor(name) : IdFor(name);
        output.Attributes.SetAttribute("id", id);
        var messageId = id + "-error";
        output.Attributes.SetAttribute("aria-invalid", "true");
        var describedBy = output.Attributes.TryGetAttribute("aria-describedby", out var existing) ? existing.Value?.ToString() : null;
        output.Attributes.SetAttribute("aria-describedby", string.IsNullOrWhiteSpace(describedBy) ? messageId : $"{messageId} {describedBy}");

        var items = ViewContext.HttpContext.Items;
        if (items.ContainsKey(FirstErrorKey))
        {
            output.Attributes.RemoveAll("autofocus");
        }
        else
        {
            items[FirstErrorKey] = true;
            output.Attributes.SetAttribute("autofocus", "autofocus");
        }

        // One message per field even when two controls share the name (radio buttons).
        if (items.ContainsKey(messageId))
        {
            return;
        }

        items[messageId] = true;
        var message = new TagBuilder("p");
        message.AddCssClass("field-error");
        message.Attributes["id"] = messageId;
        message.InnerHtml.Append(string.Join(" ", errors.Select(e => e.ErrorMessage)));
        output.PostElement.AppendHtml(message);
    }
}
