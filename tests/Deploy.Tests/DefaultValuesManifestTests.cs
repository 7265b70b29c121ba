using k8s;
using k8s.Models;
using RbpPipeline.Deploy.Tests.Helm;

namespace RbpPipeline.Deploy.Tests;

/// <summary>
/// The chart rendered with its own values.yaml, every manifest read back by the Kubernetes client's strict reader,
/// and compared with what values.yaml says.
/// </summary>
public sealed class DefaultValuesManifestTests
{
    private const string Release = "rbp-server";
    private const string Namespace = "rbp";
    private readonly ValuesFile _values = ValuesFile.ChartDefaults();

    private static async Task<RenderedChart> RenderAsync() => RenderedChart.Parse(await HelmCli.TemplateAsync(Release, Namespace));

    [Fact]
    public async Task EveryManifestParsesStrictly()
    {
        var chart = await RenderAsync();
        Assert.Equal(
            ["Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget", "Service", "Service"],
            chart.Objects.Select(o => ((IKubernetesObject)o).Kind).Order());
        Assert.Empty(chart.CustomResources);
        Assert.All(chart.Objects.Cast<IMetadata<V1ObjectMeta>>(), o => Assert.Equal(Release, o.Metadata.Labels["app.kubernetes.io/instance"]));
    }

    [Fact]
    public async Task ProbesAskTheHealthServicesOnTheContainersGrpcPort()
    {
        var container = (await RenderAsync()).ServerContainer();
        var grpcPort = Assert.Single(container.Ports, p => p.Name == "grpc").ContainerPort;
        Assert.Equal(_values.Int("server.grpcPort"), grpcPort);
        foreach (var probe in new[] { container.StartupProbe, container.LivenessProbe, container.ReadinessProbe })
        {
            Assert.Equal(grpcPort, probe.Grpc.Port);
            Assert.Null(probe.Grpc.Mode); // plaintext: TLS is off
            Assert.Null(probe.HttpGet);
            Assert.Null(probe.TcpSocket);
        }
        Assert.Equal("rbp.readiness", container.ReadinessProbe.Grpc.Service);
        Assert.Equal(_values.String("health.readinessService"), container.ReadinessProbe.Grpc.Service);
        Assert.Equal("", container.LivenessProbe.Grpc.Service);
        Assert.Equal("", container.StartupProbe.Grpc.Service);
        Assert.Equal(_values.Int("probes.readiness.periodSeconds"), container.ReadinessProbe.PeriodSeconds);
        Assert.Equal(_values.Int("probes.startup.failureThreshold"), container.StartupProbe.FailureThreshold);
    }

    [Fact]
    public async Task ServeIsToldTheRepositoryPortsAndInterface()
    {
        var container = (await RenderAsync()).ServerContainer();
        var args = container.Args;
        Assert.Equal("serve", args[0]);
        Assert.Equal(_values.String("modelRepository.mountPath"), OptionValue(args, "--repo"));
        Assert.Equal("0.0.0.0", OptionValue(args, "--host"));
        Assert.Equal(_values.String("server.grpcPort"), OptionValue(args, "--port"));
        Assert.Equal(_values.String("server.metricsPort"), OptionValue(args, "--metrics-port"));
        Assert.Equal(_values.Int("server.metricsPort"), Assert.Single(container.Ports, p => p.Name == "metrics").ContainerPort);
        Assert.DoesNotContain("--tls-cert", args);
        Assert.DoesNotContain("--token-file", args);
    }

    [Fact]
    public async Task TheAutoscalerOwnsTheReplicaCount()
    {
        var chart = await RenderAsync();
        var deployment = chart.Single<V1Deployment>();
        var hpa = chart.Single<V2HorizontalPodAutoscaler>();
        Assert.Null(deployment.Spec.Replicas); // so that helm upgrade does not undo the autoscaler's choice
        Assert.Equal(_values.Int("autoscaling.minReplicas"), hpa.Spec.MinReplicas);
        Assert.Equal(_values.Int("autoscaling.maxReplicas"), hpa.Spec.MaxReplicas);
        Assert.Equal(("apps/v1", "Deployment", deployment.Metadata.Name),
            (hpa.Spec.ScaleTargetRef.ApiVersion, hpa.Spec.ScaleTargetRef.Kind, hpa.Spec.ScaleTargetRef.Name));
        var cpu = Assert.Single(hpa.Spec.Metrics).Resource;
        Assert.Equal(("cpu", "Utilization", _values.Int("autoscaling.targetCPUUtilizationPercentage")),
            (cpu.Name, cpu.Target.Type, cpu.Target.AverageUtilization ?? -1));
    }

    [Fact]
    public async Task TheModelRepositoryIsMountedReadOnlyFromTheClaim()
    {
        var chart = await RenderAsync();
        var pod = chart.Single<V1Deployment>().Spec.Template.Spec;
        var mount = Assert.Single(chart.ServerContainer().VolumeMounts, m => m.Name == "models");
        Assert.Equal(_values.String("modelRepository.mountPath"), mount.MountPath);
        Assert.True(mount.ReadOnlyProperty);
        Assert.Null(mount.SubPath);
        var claim = Assert.Single(pod.Volumes, v => v.Name == "models").PersistentVolumeClaim;
        Assert.Equal(_values.String("modelRepository.existingClaim"), claim.ClaimName);
        Assert.True(claim.ReadOnlyProperty);
    }

    [Fact]
    public async Task TheServerRunsAsNonRootOnAReadOnlyRootWithAWritableTmp()
    {
        var chart = await RenderAsync();
        var pod = chart.Single<V1Deployment>().Spec.Template.Spec;
        var container = chart.ServerContainer();
        Assert.True(pod.SecurityContext.RunAsNonRoot);
        Assert.NotEqual(0, pod.SecurityContext.RunAsUser);
        Assert.True(container.SecurityContext.RunAsNonRoot);
        Assert.True(container.SecurityContext.ReadOnlyRootFilesystem);
        Assert.False(container.SecurityContext.AllowPrivilegeEscalation);
        Assert.Equal(["ALL"], container.SecurityContext.Capabilities.Drop);
        Assert.False(pod.AutomountServiceAccountToken);
        var tmp = Assert.Single(container.VolumeMounts, m => m.MountPath == "/tmp");
        Assert.NotEqual(true, tmp.ReadOnlyProperty);
        Assert.NotNull(Assert.Single(pod.Volumes, v => v.Name == tmp.Name).EmptyDir);
    }

    [Fact]
    public async Task ResourcesAreRequestedAndLimited()
    {
        var resources = (await RenderAsync()).ServerContainer().Resources;
        Assert.Equal(_values.String("resources.requests.cpu"), resources.Requests["cpu"].ToString());
        Assert.Equal(_values.String("resources.requests.memory"), resources.Requests["memory"].ToString());
        Assert.Equal(_values.String("resources.limits.memory"), resources.Limits["memory"].ToString());
    }

    [Fact]
    public async Task TheHeadlessServicePublishesOnlyReadyPods()
    {
        var chart = await RenderAsync();
        var headless = chart.Service("rbp-server-headless");
        var podLabels = chart.Single<V1Deployment>().Spec.Template.Metadata.Labels;
        Assert.Equal("None", headless.Spec.ClusterIP);
        Assert.NotEqual(true, headless.Spec.PublishNotReadyAddresses);
        Assert.NotEmpty(headless.Spec.Selector);
        Assert.All(headless.Spec.Selector, label => Assert.Equal(label.Value, podLabels[label.Key]));
        var grpc = Assert.Single(headless.Spec.Ports, p => p.Name == "grpc");
        Assert.Equal(_values.Int("server.grpcPort"), grpc.Port);
        Assert.Equal("grpc", grpc.TargetPort.Value);
        Assert.Equal("kubernetes.io/h2c", grpc.AppProtocol);

        var clusterIp = chart.Service("rbp-server");
        Assert.Null(clusterIp.Spec.ClusterIP); // a virtual IP, assigned by the cluster
        Assert.Equal(headless.Spec.Selector, clusterIp.Spec.Selector);
    }

    [Fact]
    public async Task TheDisruptionBudgetSelectsExactlyThePods()
    {
        var chart = await RenderAsync();
        var deployment = chart.Single<V1Deployment>();
        var pdb = chart.Single<V1PodDisruptionBudget>();
        Assert.Equal(deployment.Spec.Selector.MatchLabels, pdb.Spec.Selector.MatchLabels);
        Assert.All(pdb.Spec.Selector.MatchLabels, label => Assert.Equal(label.Value, deployment.Spec.Template.Metadata.Labels[label.Key]));
        Assert.Equal(_values.String("podDisruptionBudget.maxUnavailable"), pdb.Spec.MaxUnavailable.Value);
        Assert.Null(pdb.Spec.MinAvailable);
    }

    [Fact]
    public async Task DrainFitsInTheGracePeriodAndLivenessCannotCutItShort()
    {
        var chart = await RenderAsync();
        var pod = chart.Single<V1Deployment>().Spec.Template.Spec;
        var container = chart.ServerContainer();
        var grace = pod.TerminationGracePeriodSeconds ?? 30;
        var preStop = container.Lifecycle.PreStop.Sleep.Seconds;
        Assert.Equal(_values.Int("drain.preStopSleepSeconds"), preStop);
        Assert.Equal(_values.Int("drain.terminationGracePeriodSeconds"), grace);
        Assert.True(preStop + _values.Int("drain.serverDrainSeconds") <= grace, $"preStop {preStop} s + server drain does not fit in {grace} s");
        var liveness = container.LivenessProbe;
        Assert.True(liveness.PeriodSeconds * liveness.FailureThreshold >= grace,
            $"liveness gives up after {liveness.PeriodSeconds * liveness.FailureThreshold} s, before the {grace} s grace period ends");
        Assert.Equal(0, container.Lifecycle.PreStop.Exec?.Command?.Count ?? 0); // no shell needed in the image
        var strategy = chart.Single<V1Deployment>().Spec.Strategy.RollingUpdate;
        Assert.Equal("0", strategy.MaxUnavailable.Value);
    }

    [Fact]
    public async Task PrometheusAnnotationsPointAtTheMetricsPort()
    {
        var chart = await RenderAsync();
        var annotations = chart.Single<V1Deployment>().Spec.Template.Metadata.Annotations;
        var metricsPort = Assert.Single(chart.ServerContainer().Ports, p => p.Name == "metrics").ContainerPort;
        Assert.Equal("true", annotations["prometheus.io/scrape"]);
        Assert.Equal(metricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture), annotations["prometheus.io/port"]);
        Assert.Equal("/metrics", annotations["prometheus.io/path"]);
    }

    internal static string OptionValue(IList<string> args, string option)
    {
        var at = args.IndexOf(option);
        Assert.True(at >= 0 && at + 1 < args.Count, $"{option} missing from args: {string.Join(' ', args)}");
        return args[at + 1];
    }
}
