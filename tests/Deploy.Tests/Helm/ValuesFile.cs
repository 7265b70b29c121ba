using YamlDotNet.RepresentationModel;

namespace RbpPipeline.Deploy.Tests.Helm;

/// <summary>A Helm values file read as plain YAML, so that assertions compare the manifests with what it says.</summary>
public sealed class ValuesFile
{
    private readonly YamlMappingNode _root;

    public ValuesFile(string path)
    {
        var stream = new YamlStream();
        using (var reader = File.OpenText(path)) stream.Load(reader);
        _root = (YamlMappingNode)stream.Documents[0].RootNode;
    }

    public static ValuesFile ChartDefaults() => new(Path.Combine(HelmCli.ChartPath, "values.yaml"));

    public string String(string path)
    {
        var node = RenderedChart.Node(_root, path);
        return Assert.IsType<YamlScalarNode>(node, exactMatch: true).Value
            ?? throw new InvalidOperationException($"values: {path} is null");
    }

    public int Int(string path) => int.Parse(String(path), System.Globalization.CultureInfo.InvariantCulture);
}
