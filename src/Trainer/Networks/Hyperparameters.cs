using System.Globalization;
using System.Text.Json;

namespace RbpPipeline.Trainer.Networks;

public enum HyperparameterKind
{
    Integer, Number, Boolean, String, IntegerList, NumberList,

    /// <summary>A list of JSON objects checked by the architecture itself (an ensemble's members).</summary>
    ObjectList,
}

/// <summary>
/// One hyperparameter of an architecture: its name as written in pipeline.yaml, type, default and admissible range
/// (<see cref="Minimum"/> inclusive; <see cref="Maximum"/> inclusive unless <see cref="MaximumExclusive"/>; for lists,
/// per element), or the allowed <see cref="Choices"/> of a string.
/// </summary>
public sealed record HyperparameterSpec(string Name, HyperparameterKind Kind, JsonElement Default, string Description)
{
    public double? Minimum { get; init; }
    public double? Maximum { get; init; }
    public bool MaximumExclusive { get; init; }
    public IReadOnlyList<string>? Choices { get; init; }

    public static HyperparameterSpec Int(string name, int value, string description, int min = 1, int? max = null) =>
        new(name, HyperparameterKind.Integer, JsonSerializer.SerializeToElement(value), description) { Minimum = min, Maximum = max };

    public static HyperparameterSpec Ints(string name, int[] value, string description, int min = 1) =>
        new(name, HyperparameterKind.IntegerList, JsonSerializer.SerializeToElement(value), description) { Minimum = min };

    /// <summary>A list of dropout probabilities, each in [0, 1).</summary>
    public static HyperparameterSpec Dropouts(string name, double[] value, string description) =>
        new(name, HyperparameterKind.NumberList, JsonSerializer.SerializeToElement(value), description) { Minimum = 0, Maximum = 1, MaximumExclusive = true };

    public static HyperparameterSpec Number(string name, double value, string description, double min = 0, double? max = null, bool maxExclusive = false) =>
        new(name, HyperparameterKind.Number, JsonSerializer.SerializeToElement(value), description) { Minimum = min, Maximum = max, MaximumExclusive = maxExclusive };

    /// <summary>A dropout probability in [0, 1).</summary>
    public static HyperparameterSpec Dropout(string name, double value, string description) => Number(name, value, description, 0, 1, true);

    public static HyperparameterSpec Bool(string name, bool value, string description) =>
        new(name, HyperparameterKind.Boolean, JsonSerializer.SerializeToElement(value), description);

    /// <summary>A list of objects (possibly empty) whose contents the architecture checks when it builds.</summary>
    public static HyperparameterSpec Objects(string name, string description) =>
        new(name, HyperparameterKind.ObjectList, JsonSerializer.SerializeToElement(Array.Empty<object>()), description);

    public static HyperparameterSpec Choice(string name, string value, string[] choices, string description) =>
        new(name, HyperparameterKind.String, JsonSerializer.SerializeToElement(value), description) { Choices = choices };
}

/// <summary>
/// The resolved hyperparameters of one network: defaults overridden by the user's values, each checked for type and
/// range. Unknown names and wrong types throw <see cref="ArgumentException"/> naming the parameter (with a
/// did-you-mean for near misses).
/// </summary>
public sealed class Hyperparameters
{
    private readonly Dictionary<string, JsonElement> _values;
    private readonly string _architecture;

    private Hyperparameters(string architecture, Dictionary<string, JsonElement> values)
    {
        _architecture = architecture;
        _values = values;
    }

    /// <summary>Every value, defaults included (what a checkpoint manifest records).</summary>
    public IReadOnlyDictionary<string, JsonElement> Values => _values;

    public static Hyperparameters Resolve(string architecture, IReadOnlyList<HyperparameterSpec> specs,
        IReadOnlyDictionary<string, JsonElement>? overrides)
    {
        var values = specs.ToDictionary(s => s.Name, s => s.Default.Clone(), StringComparer.Ordinal);
        foreach (var (name, value) in overrides ?? new Dictionary<string, JsonElement>())
        {
            var spec = specs.FirstOrDefault(s => s.Name == name)
                ?? throw new ArgumentException(
                    $"{architecture} has no hyperparameter '{name}'{DidYouMean.Suggest(name, specs.Select(s => s.Name))} " +
                    $"(known: {string.Join(", ", specs.Select(s => s.Name))})");
            Check(architecture, spec, value);
            values[name] = value.Clone();
        }
        return new Hyperparameters(architecture, values);
    }

    public int Int(string name) => Get(name).GetInt32();

    public double Number(string name) => Get(name).GetDouble();

    public bool Bool(string name) => Get(name).GetBoolean();

    public string String(string name) => Get(name).GetString()!;

    public int[] Ints(string name) => [.. Get(name).EnumerateArray().Select(e => e.GetInt32())];

    public double[] Numbers(string name) => [.. Get(name).EnumerateArray().Select(e => e.GetDouble())];

    public JsonElement[] Objects(string name) => [.. Get(name).EnumerateArray()];

    private JsonElement Get(string name) =>
        _values.TryGetValue(name, out var v) ? v : throw new KeyNotFoundException($"{_architecture} has no hyperparameter '{name}'");

    private static void Check(string architecture, HyperparameterSpec spec, JsonElement value)
    {
        string Describe() => value.ValueKind switch
        {
            JsonValueKind.String => $"the string \"{value.GetString()}\"",
            JsonValueKind.Number => $"the number {value.GetRawText()}",
            JsonValueKind.True or JsonValueKind.False => $"the boolean {value.GetRawText()}",
            JsonValueKind.Array => $"the list {value.GetRawText()}",
            _ => value.ValueKind.ToString().ToLowerInvariant(),
        };
        ArgumentException Wrong(string expected) =>
            new($"{architecture} hyperparameter '{spec.Name}' must be {expected}, got {Describe()}");

        switch (spec.Kind)
        {
            case HyperparameterKind.Integer:
                if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var i)) throw Wrong("an integer");
                CheckRange(architecture, spec, i);
                break;
            case HyperparameterKind.Number:
                if (value.ValueKind != JsonValueKind.Number) throw Wrong("a number");
                var d = value.GetDouble();
                if (!double.IsFinite(d)) throw Wrong("a finite number");
                CheckRange(architecture, spec, d);
                break;
            case HyperparameterKind.Boolean:
                if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) throw Wrong("true or false");
                break;
            case HyperparameterKind.String:
                if (value.ValueKind != JsonValueKind.String) throw Wrong($"one of {string.Join(", ", spec.Choices ?? [])}");
                var s = value.GetString()!;
                if (spec.Choices is { } choices && !choices.Contains(s))
                    throw new ArgumentException(
                        $"{architecture} hyperparameter '{spec.Name}' must be one of {string.Join(", ", choices)}, got \"{s}\"{DidYouMean.Suggest(s, choices)}");
                break;
            case HyperparameterKind.IntegerList:
                if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0) throw Wrong("a non-empty list of integers");
                foreach (var e in value.EnumerateArray())
                {
                    if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt32(out var item)) throw Wrong("a non-empty list of integers");
                    CheckRange(architecture, spec, item);
                }
                break;
            case HyperparameterKind.ObjectList:
                if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.Object)) throw Wrong("a list of mappings");
                break;
            case HyperparameterKind.NumberList:
                if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0) throw Wrong("a non-empty list of numbers");
                foreach (var e in value.EnumerateArray())
                {
                    if (e.ValueKind != JsonValueKind.Number || !double.IsFinite(e.GetDouble())) throw Wrong("a non-empty list of numbers");
                    CheckRange(architecture, spec, e.GetDouble());
                }
                break;
        }
    }

    private static void CheckRange(string architecture, HyperparameterSpec spec, double v)
    {
        var tooHigh = spec.Maximum is { } max && (spec.MaximumExclusive ? v >= max : v > max);
        if ((spec.Minimum is { } min && v < min) || tooHigh)
        {
            var range = $"{(spec.Minimum is { } lo ? $"≥ {lo.ToString(CultureInfo.InvariantCulture)}" : "")}" +
                        $"{(spec.Maximum is { } hi ? $"{(spec.Minimum is null ? "" : " and ")}{(spec.MaximumExclusive ? "<" : "≤")} {hi.ToString(CultureInfo.InvariantCulture)}" : "")}";
            throw new ArgumentException(
                $"{architecture} hyperparameter '{spec.Name}' must be {range}, got {v.ToString(CultureInfo.InvariantCulture)}");
        }
    }
}

/// <summary>"did you mean" suggestions by edit distance.</summary>
public static class DidYouMean
{
    /// <summary>"; did you mean 'x'?" for the closest candidate within a small edit distance, else "".</summary>
    public static string Suggest(string wrong, IEnumerable<string> candidates)
    {
        var best = candidates
            .Select(c => (Name: c, Distance: Distance(wrong.ToLowerInvariant(), c.ToLowerInvariant())))
            .OrderBy(c => c.Distance).ThenBy(c => c.Name, StringComparer.Ordinal)
            .FirstOrDefault();
        return best.Name is not null && best.Distance <= Math.Max(2, best.Name.Length / 3) ? $"; did you mean '{best.Name}'?" : "";
    }

    /// <summary>Optimal string alignment distance (Levenshtein plus adjacent transpositions).</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }
}
