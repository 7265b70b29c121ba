namespace RbpPipeline.Interpretation.Gia;

/// <summary>
/// One condition's global importance: the mean over backgrounds of the local effects f(x with the condition's
/// patterns) − f(x), and its standard error s/√n (s the sample standard deviation, n − 1 in the denominator;
/// NaN for a single background).
/// </summary>
/// <param name="Pattern">The pattern the condition varies, where the experiment has one (k-mer, variant).</param>
/// <param name="Position">The position the condition varies, where it has one.</param>
/// <param name="Value">The experiment's other variable: spacing, copy count.</param>
public sealed record ConditionImportance(string Label, double Mean, double StandardError, int Backgrounds,
    string? Pattern = null, int? Position = null, int? Value = null);
