using System.Globalization;
using System.Text.Json;
using RbpPipeline.Trainer.Networks;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace RbpPipeline.Trainer.Pipeline;

/// <summary>
/// Typed, located access to a YAML mapping: every value is read through here so that every error names the file,
/// line, column and dotted key, unknown keys get a did-you-mean, and wrong types say what was expected and found.
/// </summary>
internal sealed class YamlMap
{
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    public YamlMap(YamlMappingNode node, string file, string path)
    {
        Node = node;
        File = file;
        Path = path;
    }

    public YamlMappingNode Node { get; }

    public string File { get; }

    /// <summary>Dotted key path of this mapping ("" for the document root).</summary>
    public string Path { get; }

    public IEnumerable<string> Keys => Node.Children.Keys.Select(k => ((YamlScalarNode)k).Value ?? "");

    public string KeyPath(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    public PipelineConfigException Error(YamlNode at, string key, string problem) =>
        new(File, (int)at.Start.Line, (int)at.Start.Column, key, problem);

    public PipelineConfigException Error(string problem) => Error(Node, Path, problem);

    /// <summary>Rejects keys outside <paramref name="allowed"/>, suggesting the nearest one.</summary>
    public void AllowOnly(params string[] allowed)
    {
        foreach (var keyNode in Node.Children.Keys)
        {
            var key = ((YamlScalarNode)keyNode).Value ?? "";
            if (allowed.Contains(key, StringComparer.Ordinal)) continue;
            throw Error(keyNode, KeyPath(key),
                $"unknown key '{key}'{DidYouMean.Suggest(key, allowed)} (allowed here: {string.Join(", ", allowed)})");
        }
    }

    public bool Has(string key) => TryGet(key, out _);

    public YamlNode? Get(string key) => TryGet(key, out var node) ? node : null;

    public YamlNode Required(string key, string what) =>
        Get(key) ?? throw Error(Node, KeyPath(key), $"missing required key '{key}' ({what}) in {(Path.Length == 0 ? "the document" : $"'{Path}'")}");

    public YamlNode KeyNode(string key) => Node.Children.Keys.First(k => ((YamlScalarNode)k).Value == key);

    private bool TryGet(string key, out YamlNode node)
    {
        foreach (var (k, v) in Node.Children)
            if (((YamlScalarNode)k).Value == key)
            {
                _read.Add(key);
                node = v;
                return !IsNull(v);
            }
        node = null!;
        return false;
    }

    // ---- typed values ------------------------------------------------------------------------------------------

    public string? String(string key) => Get(key) is { } n ? AsString(n, KeyPath(key)) : null;

    public string RequiredString(string key, string what) => AsString(Required(key, what), KeyPath(key));

    public int? Int(string key, int min = int.MinValue, int max = int.MaxValue) => Get(key) is { } n ? AsInt(n, KeyPath(key), min, max) : null;

    public double? Double(string key, double min = double.NegativeInfinity, double max = double.PositiveInfinity) =>
        Get(key) is { } n ? AsDouble(n, KeyPath(key), min, max) : null;

    public bool? Bool(string key) => Get(key) is { } n ? AsBool(n, KeyPath(key)) : null;

    public YamlMap? Map(string key) => Get(key) is { } n ? AsMap(n, KeyPath(key)) : null;

    public YamlSequenceNode? List(string key) => Get(key) is { } n ? AsList(n, KeyPath(key)) : null;

    /// <summary>A list of strings, or one string standing for a list of one.</summary>
    public IReadOnlyList<(string Value, YamlNode Node)>? Strings(string key)
    {
        var node = Get(key);
        if (node is null) return null;
        if (node is YamlScalarNode) return [(AsString(node, KeyPath(key)), node)];
        var list = AsList(node, KeyPath(key));
        return [.. list.Children.Select((item, i) => (AsString(item, $"{KeyPath(key)}[{i}]"), item))];
    }

    public T Enum<T>(string key, T fallback, IReadOnlyDictionary<string, T> names) =>
        Get(key) is { } n ? AsEnum(n, KeyPath(key), names) : fallback;

    public T AsEnum<T>(YamlNode node, string path, IReadOnlyDictionary<string, T> names)
    {
        var text = AsString(node, path);
        return names.TryGetValue(text, out var value) ? value
            : throw Error(node, path, $"'{text}' is not one of {string.Join(", ", names.Keys)}{DidYouMean.Suggest(text, names.Keys)}");
    }

    public string AsString(YamlNode node, string path) => node switch
    {
        YamlScalarNode s => s.Value ?? "",
        _ => throw Error(node, path, $"expected a text value, found {Describe(node)}"),
    };

    public int AsInt(YamlNode node, string path, int min = int.MinValue, int max = int.MaxValue)
    {
        if (node is not YamlScalarNode { Style: ScalarStyle.Plain } s || !int.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            throw Error(node, path, $"expected an integer, found {Describe(node)}");
        if (value < min || value > max)
            throw Error(node, path, $"{value} is out of range ({Range(min, max)})");
        return value;
    }

    public double AsDouble(YamlNode node, string path, double min = double.NegativeInfinity, double max = double.PositiveInfinity)
    {
        if (node is not YamlScalarNode { Style: ScalarStyle.Plain } s
            || !double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
            throw Error(node, path, $"expected a number, found {Describe(node)}");
        if (value < min || value > max)
            throw Error(node, path, $"{value.ToString(CultureInfo.InvariantCulture)} is out of range ({Range(min, max)})");
        return value;
    }

    public bool AsBool(YamlNode node, string path) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain, Value: "true" or "false" } s ? s.Value == "true"
            : throw Error(node, path, $"expected true or false, found {Describe(node)}");

    public YamlMap AsMap(YamlNode node, string path) =>
        node is YamlMappingNode m ? new YamlMap(m, File, path) : throw Error(node, path, $"expected a mapping (key: value lines), found {Describe(node)}");

    public YamlSequenceNode AsList(YamlNode node, string path) =>
        node as YamlSequenceNode ?? throw Error(node, path, $"expected a list, found {Describe(node)}");

    /// <summary>A YAML value as JSON (hyperparameters): plain scalars become numbers or booleans where they read as such.</summary>
    public JsonElement ToJson(YamlNode node, string path)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream)) Write(writer, node, path);
        return JsonDocument.Parse(stream.ToArray()).RootElement.Clone();
    }

    private void Write(Utf8JsonWriter writer, YamlNode node, string path)
    {
        switch (node)
        {
            case YamlScalarNode { Style: ScalarStyle.Plain } s when IsNull(s):
                throw Error(node, path, "expected a value, found nothing (null)");
            case YamlScalarNode { Style: ScalarStyle.Plain } s when long.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l):
                writer.WriteNumberValue(l);
                break;
            case YamlScalarNode { Style: ScalarStyle.Plain } s when double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d):
                writer.WriteNumberValue(d);
                break;
            case YamlScalarNode { Style: ScalarStyle.Plain, Value: "true" or "false" } s:
                writer.WriteBooleanValue(s.Value == "true");
                break;
            case YamlScalarNode s:
                writer.WriteStringValue(s.Value);
                break;
            case YamlSequenceNode list:
                writer.WriteStartArray();
                var i = 0;
                foreach (var item in list) Write(writer, item, $"{path}[{i++}]");
                writer.WriteEndArray();
                break;
            case YamlMappingNode map:
                writer.WriteStartObject();
                foreach (var (k, v) in map.Children)
                {
                    var name = ((YamlScalarNode)k).Value ?? "";
                    writer.WritePropertyName(name);
                    Write(writer, v, $"{path}.{name}");
                }
                writer.WriteEndObject();
                break;
            default:
                throw Error(node, path, $"unsupported YAML value {Describe(node)}");
        }
    }

    public static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    public static string Describe(YamlNode node) => node switch
    {
        YamlScalarNode s when IsNull(s) => "nothing (null)",
        YamlScalarNode s => $"'{s.Value}'",
        YamlSequenceNode => "a list",
        YamlMappingNode => "a mapping",
        _ => node.NodeType.ToString(),
    };

    private static string Range(double min, double max) =>
        double.IsNegativeInfinity(min) || min == int.MinValue
            ? $"at most {max.ToString(CultureInfo.InvariantCulture)}"
            : double.IsPositiveInfinity(max) || max == int.MaxValue
                ? $"at least {min.ToString(CultureInfo.InvariantCulture)}"
                : $"{min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Parses <paramref name="text"/>; YAML syntax errors and duplicate keys are located errors too.</summary>
    public static YamlMap Parse(string text, string file)
    {
        var stream = new YamlStream();
        try { stream.Load(new StringReader(text)); }
        catch (YamlException e)
        {
            var message = e.InnerException is { } inner && e.Message.Contains("Duplicate key", StringComparison.OrdinalIgnoreCase) ? inner.Message : e.Message;
            throw new PipelineConfigException(file, (int)e.Start.Line, (int)e.Start.Column, "", $"not valid YAML: {Trim(message)}", e);
        }
        catch (ArgumentException e) // duplicate keys surface as ArgumentException from the node's dictionary
        {
            throw new PipelineConfigException(file, 1, 1, "", $"not valid YAML: {e.Message}", e);
        }
        if (stream.Documents.Count == 0)
            throw new PipelineConfigException(file, 1, 1, "", "the file is empty; expected a mapping with 'datasets', 'models' and 'stages'");
        if (stream.Documents.Count > 1)
            throw new PipelineConfigException(file, (int)stream.Documents[1].RootNode.Start.Line, 1, "", "expected one YAML document, found several");
        var root = stream.Documents[0].RootNode;
        if (root is not YamlMappingNode mapping)
            throw new PipelineConfigException(file, (int)root.Start.Line, (int)root.Start.Column, "", $"expected a mapping at the top level, found {Describe(root)}");
        foreach (var key in AllMappings(mapping).SelectMany(m => m.Children.Keys))
            if (key is not YamlScalarNode)
                throw new PipelineConfigException(file, (int)key.Start.Line, (int)key.Start.Column, "", "keys must be plain text");
        return new YamlMap(mapping, file, "");
    }

    private static IEnumerable<YamlMappingNode> AllMappings(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode m:
                yield return m;
                foreach (var child in m.Children.Values)
                    foreach (var inner in AllMappings(child)) yield return inner;
                break;
            case YamlSequenceNode s:
                foreach (var child in s)
                    foreach (var inner in AllMappings(child)) yield return inner;
                break;
        }
    }

    private static string Trim(string message)
    {
        // YamlDotNet prefixes "(Line: 3, Col: 5, Idx: 20) - (Line: ...): "; the location is ours to give.
        var cut = message.LastIndexOf("): ", StringComparison.Ordinal);
        return cut >= 0 ? message[(cut + 3)..] : message;
    }
}
