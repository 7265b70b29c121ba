using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using YamlDotNet.RepresentationModel;

namespace RbpPipeline.Deploy.Tests.Helm;

/// <summary>
/// The manifests of one <c>helm template</c> run. Kubernetes' own kinds are read by the official C# client's strict
/// reader (an unknown or misspelt field throws); the Prometheus Operator's ServiceMonitor, which that client has no
/// model for, is kept as a YAML tree.
/// </summary>
public sealed partial class RenderedChart
{
    private static readonly HashSet<string> CustomResourceApiGroups = ["monitoring.coreos.com"];

    private RenderedChart(IReadOnlyList<object> objects, IReadOnlyList<YamlMappingNode> customResources)
    {
        Objects = objects;
        CustomResources = customResources;
    }

    public IReadOnlyList<object> Objects { get; }

    public IReadOnlyList<YamlMappingNode> CustomResources { get; }

    public static RenderedChart Parse(string yaml)
    {
        var builtIn = new List<string>();
        var customResources = new List<YamlMappingNode>();
        foreach (var text in DocumentSeparator().Split(yaml))
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root) continue; // a template switched off
            var apiVersion = Scalar(root, "apiVersion");
            var group = apiVersion.Contains('/') ? apiVersion[..apiVersion.IndexOf('/')] : "";
            if (CustomResourceApiGroups.Contains(group)) customResources.Add(root);
            else builtIn.Add(text);
        }
        // The original text, all documents at once, as kubectl would read it.
        var objects = KubernetesYaml.LoadAllFromString(string.Join("\n---\n", builtIn), strict: true);
        return new RenderedChart(objects, customResources);
    }

    [GeneratedRegex(@"^---[ \t]*$", RegexOptions.Multiline)]
    private static partial Regex DocumentSeparator();

    public T Single<T>() => Assert.Single(Objects.OfType<T>());

    public IEnumerable<T> All<T>() => Objects.OfType<T>();

    public V1Service Service(string name) => Assert.Single(All<V1Service>(), s => s.Metadata.Name == name);

    public V1Container ServerContainer() => Assert.Single(Single<V1Deployment>().Spec.Template.Spec.Containers);

    public YamlMappingNode CustomResource(string kind) => Assert.Single(CustomResources, r => Scalar(r, "kind") == kind);

    /// <summary>The scalar at a dotted path (e.g. "spec.selector.matchLabels"), or "" where there is none.</summary>
    public static string Scalar(YamlMappingNode node, string path) =>
        Node(node, path) is YamlScalarNode { Value: { } value } ? value : "";

    public static YamlNode? Node(YamlMappingNode node, string path)
    {
        YamlNode? current = node;
        foreach (var key in path.Split('.'))
            current = current is YamlMappingNode m && m.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null;
        return current;
    }
}
