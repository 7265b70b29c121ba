using k8s.Models;
using RbpPipeline.Deploy.Tests.Helm;
using YamlDotNet.RepresentationModel;

namespace RbpPipeline.Deploy.Tests;

/// <summary>
/// The chart rendered with values/secured.yaml (fixed replicas, TLS, bearer tokens, Prometheus Operator, a sub-folder
/// of the volume, spread over nodes): the expected figures are that file's.
/// </summary>
public sealed class SecuredValuesManifestTests
{
    private const string Release = "prod";
    private const string Namespace = "genomics";

    private static async Task<RenderedChart> RenderAsync() =>
        RenderedChart.Parse(await HelmCli.TemplateAsync(Release, Namespace, "--values", HelmCli.ValuesFile("secured.yaml")));

    [Fact]
    public async Task AFixedReplicaCountAndNoAutoscaler()
    {
        var chart = await RenderAsync();
        Assert.Equal(3, chart.Single<V1Deployment>().Spec.Replicas);
        Assert.Empty(chart.All<V2HorizontalPodAutoscaler>());
        Assert.Equal("prod-rbp-server-headless", Assert.Single(chart.All<V1Service>()).Metadata.Name); // service.enabled: false
    }

    [Fact]
    public async Task ProbesSpeakTlsToTheGrpcPort()
    {
        var container = (await RenderAsync()).ServerContainer();
        Assert.Equal(8443, Assert.Single(container.Ports, p => p.Name == "grpc").ContainerPort);
        foreach (var probe in new[] { container.StartupProbe, container.LivenessProbe, container.ReadinessProbe })
            Assert.Equal((8443, "TLS"), (probe.Grpc.Port, probe.Grpc.Mode));
        Assert.Equal("rbp.readiness", container.ReadinessProbe.Grpc.Service);
    }

    [Fact]
    public async Task TlsAndTokenFilesComeFromTheSecretsReadOnly()
    {
        var chart = await RenderAsync();
        var pod = chart.Single<V1Deployment>().Spec.Template.Spec;
        var container = chart.ServerContainer();

        var tlsMount = Assert.Single(container.VolumeMounts, m => m.Name == "tls");
        Assert.True(tlsMount.ReadOnlyProperty);
        Assert.Equal($"{tlsMount.MountPath}/tls.crt", DefaultValuesManifestTests.OptionValue(container.Args, "--tls-cert"));
        Assert.Equal($"{tlsMount.MountPath}/tls.key", DefaultValuesManifestTests.OptionValue(container.Args, "--tls-key"));
        Assert.Equal("rbp-server-tls", Assert.Single(pod.Volumes, v => v.Name == "tls").Secret.SecretName);

        var authMount = Assert.Single(container.VolumeMounts, m => m.Name == "auth");
        Assert.True(authMount.ReadOnlyProperty);
        var auth = Assert.Single(pod.Volumes, v => v.Name == "auth").Secret;
        Assert.Equal("rbp-tokens", auth.SecretName);
        var item = Assert.Single(auth.Items);
        Assert.Equal("tokens.txt", item.Key);
        Assert.Equal($"{authMount.MountPath}/{item.Path}", DefaultValuesManifestTests.OptionValue(container.Args, "--token-file"));
        Assert.Equal(0x120, auth.DefaultMode); // 0440: the fsGroup may read, nobody may write
        Assert.DoesNotContain(container.Args, a => a == "--token"); // tokens never on the command line

        Assert.Equal(["--threads", "4"], container.Args.Skip(container.Args.Count - 2));
    }

    [Fact]
    public async Task TheRepositoryIsASubFolderOfTheClaimMountedReadOnly()
    {
        var chart = await RenderAsync();
        var mount = Assert.Single(chart.ServerContainer().VolumeMounts, m => m.Name == "models");
        Assert.Equal(("/srv/models", "repository", true), (mount.MountPath, mount.SubPath, mount.ReadOnlyProperty ?? false));
        Assert.Equal("/srv/models", DefaultValuesManifestTests.OptionValue(chart.ServerContainer().Args, "--repo"));
        var claim = Assert.Single(chart.Single<V1Deployment>().Spec.Template.Spec.Volumes, v => v.Name == "models").PersistentVolumeClaim;
        Assert.Equal(("genome-models", true), (claim.ClaimName, claim.ReadOnlyProperty ?? false));
    }

    [Fact]
    public async Task TheServiceMonitorScrapesTheHeadlessServicesMetricsPort()
    {
        var chart = await RenderAsync();
        var monitor = chart.CustomResource("ServiceMonitor");
        Assert.Equal("monitoring.coreos.com/v1", RenderedChart.Scalar(monitor, "apiVersion"));
        Assert.Equal("prometheus", RenderedChart.Scalar(monitor, "metadata.labels.release"));

        var headless = chart.Service("prod-rbp-server-headless");
        var selector = Assert.IsType<YamlMappingNode>(RenderedChart.Node(monitor, "spec.selector.matchLabels"));
        Assert.NotEmpty(selector.Children);
        foreach (var (key, value) in selector.Children)
            Assert.Equal(((YamlScalarNode)value).Value, headless.Metadata.Labels[((YamlScalarNode)key).Value!]);
        var namespaces = Assert.IsType<YamlSequenceNode>(RenderedChart.Node(monitor, "spec.namespaceSelector.matchNames"));
        Assert.Equal([Namespace], namespaces.Children.Select(n => ((YamlScalarNode)n).Value));

        var endpoints = Assert.IsType<YamlSequenceNode>(RenderedChart.Node(monitor, "spec.endpoints"));
        var endpoint = Assert.IsType<YamlMappingNode>(Assert.Single(endpoints.Children));
        var port = Assert.Single(headless.Spec.Ports, p => p.Name == RenderedChart.Scalar(endpoint, "port"));
        Assert.Equal((9100, "metrics"), (port.Port, port.TargetPort.Value));
        Assert.Equal(9100, Assert.Single(chart.ServerContainer().Ports, p => p.Name == "metrics").ContainerPort);
        Assert.Equal("9100", DefaultValuesManifestTests.OptionValue(chart.ServerContainer().Args, "--metrics-port"));
        Assert.Equal("/metrics", RenderedChart.Scalar(endpoint, "path"));
        // Annotations are off in this file: one scrape path, not two.
        Assert.Null(chart.Single<V1Deployment>().Spec.Template.Metadata.Annotations);
    }

    [Fact]
    public async Task ReplicasSpreadOverNodesBySelectingThePods()
    {
        var deployment = (await RenderAsync()).Single<V1Deployment>();
        var spread = Assert.Single(deployment.Spec.Template.Spec.TopologySpreadConstraints);
        Assert.Equal("kubernetes.io/hostname", spread.TopologyKey);
        Assert.Equal(deployment.Spec.Selector.MatchLabels, spread.LabelSelector.MatchLabels);
    }
}
