using IdentityProvider.SelfService;

namespace IdentityProvider.UnitTests.SelfService;

public sealed class SecurityQuestionRulesTests
{
    private static readonly string[] Known = [.. SecurityQuestions.Predefined.Keys];

    [Theory]
    [InlineData("  New   York ", "new york")]
    [InlineData("RIO\tde  Janeiro", "rio de janeiro")]
    public void Answers_AreComparedWithoutCaseOrExtraSpaces(string input, string expected) =>
        Assert.Equal(expected, SecurityQuestions.Normalize(input));

    [Fact]
    public void AGoodSet_HasNoProblems() =>
        Assert.Empty(SecurityQuestions.Validate([("first-pet", "Rex"), ("first-school", "Hillside"), ("first-car", "Mini Cooper")], 3, Known));

    [Fact]
    public void EachBrokenRule_IsItsOwnMessage()
    {
        var problems = SecurityQuestions.Validate([("first-pet", "Rex"), ("first-pet", " rex "), ("nope", "ab")], 3, Known);

        Assert.Equal(
        [
            "Choose each question from the list.",
            "Choose a different question each time.",
            "Each answer needs 3 to 40 characters.",
            "Give a different answer to each question.",
        ], problems);
    }

    [Fact]
    public void TheWrongNumberOfAnswers_IsRefused() =>
        Assert.Contains("Answer 3 questions.", SecurityQuestions.Validate([("first-pet", "Rex")], 3, Known));
}
