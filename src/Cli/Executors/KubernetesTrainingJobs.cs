using k8s;
using k8s.Models;
using RbpPipeline.Trainer.Pipeline;
using RbpPipeline.Trainer.Pipeline.Executors;

namespace RbpPipeline.Cli.Executors;

/// <summary>
/// <c>rbp train --executor kubernetes</c>: one Indexed Job per resource group (one in the usual case) whose pod with
/// completion index i trains task i, and, when some stage needs every model, a follow-up Job to apply once those
/// have completed. The pods see the pipeline file's folder on a shared PersistentVolumeClaim at the mount path, so
/// the file, --data and --out must lie in that folder; the image is the rbp image (entry point <c>rbp</c>).
/// </summary>
public static class KubernetesTrainingJobs
{
    public const string DefaultMountPath = "/work";
    private const string VolumeName = "pipeline";
    private const string IndexVariable = "JOB_COMPLETION_INDEX";

    public static IReadOnlyList<V1Job> Render(PipelineConfig config, FanOutPlan plan, ExecutorRun run)
    {
        var jobs = new List<V1Job>();
        var baseName = JobName(Path.GetFileNameWithoutExtension(config.File));
        for (var g = 0; g < plan.Groups.Count; g++)
        {
            var group = plan.Groups[g];
            var k8s = Checked(group.Settings.Kubernetes);
            var name = plan.Groups.Count == 1 ? baseName : $"{baseName}-{g + 1}";
            var stages = run.Stages is null && plan.FollowUpStages.Count == 0 ? [] : plan.TaskStages;
            // The pod's args name every task of the group and the index picks one (--only-index); Kubernetes
            // substitutes $(JOB_COMPLETION_INDEX) from the container's environment.
            var args = PodArguments(config, run, k8s, stages).Concat(group.Tasks.SelectMany(t => new[] { "--only", t.Only }))
                .Concat(["--only-index", $"$({IndexVariable})"]).ToList();
            var job = Job(name, k8s, args, indexed: true);
            job.Spec.CompletionMode = "Indexed";
            job.Spec.Completions = group.Tasks.Count;
            job.Spec.Parallelism = Math.Min(k8s.Parallelism ?? group.Tasks.Count, group.Tasks.Count);
            // Each model gets its own retries; one model that keeps failing does not stop the others.
            job.Spec.BackoffLimitPerIndex = k8s.BackoffLimitPerIndex ?? 2;
            jobs.Add(job);
        }
        if (plan.FollowUpModels.Count > 0)
        {
            // Ensembles read their members' checkpoints: one Job for all of them, applied after the Indexed Job.
            var k8s = Checked(plan.Groups[0].Settings.Kubernetes);
            var stages = run.Stages is null ? [] : plan.TaskStages;
            var job = Job(baseName + "-ensembles", k8s, [.. PodArguments(config, run, k8s, stages), .. plan.FollowUpModels.SelectMany(m => new[] { "--only", m })], indexed: false);
            job.Spec.BackoffLimit = k8s.BackoffLimitPerIndex ?? 2;
            jobs.Add(job);
        }
        if (plan.FollowUpStages.Count > 0)
        {
            var k8s = Checked(plan.Groups[0].Settings.Kubernetes);
            var job = Job(baseName + "-all", k8s, [.. PodArguments(config, run, k8s, plan.FollowUpStages)], indexed: false);
            job.Spec.BackoffLimit = k8s.BackoffLimitPerIndex ?? 2;
            jobs.Add(job);
        }
        return jobs;
    }

    /// <summary>The manifests as one YAML stream for <c>kubectl apply -f</c>.</summary>
    public static string ToYaml(IReadOnlyList<V1Job> jobs) =>
        string.Join("---\n", jobs.Select(j => KubernetesYaml.Serialize(j).TrimEnd() + "\n"));

    private static KubernetesResources Checked(KubernetesResources k8s)
    {
        if (string.IsNullOrWhiteSpace(k8s.Image))
            throw new ArgumentException("executor.kubernetes.image: --executor kubernetes needs the image with the rbp CLI (executor: {kubernetes: {image: …}})");
        if (string.IsNullOrWhiteSpace(k8s.Claim))
            throw new ArgumentException(
                "executor.kubernetes.claim: --executor kubernetes needs a ReadWriteMany PersistentVolumeClaim holding the pipeline file's folder (executor: {kubernetes: {claim: …}})");
        return k8s;
    }

    private static IEnumerable<string> PodArguments(PipelineConfig config, ExecutorRun run, KubernetesResources k8s, IReadOnlyList<string> stages)
    {
        var mount = k8s.MountPath ?? DefaultMountPath;
        var folder = config.BaseDirectory;
        string InPod(string path, string option)
        {
            var relative = Path.GetRelativePath(folder, path);
            if (relative == ".") return mount;
            if (relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative))
                throw new ArgumentException($"{option} {path} is not inside the pipeline file's folder {folder}, which is what the pods mount at {mount}");
            return mount.TrimEnd('/') + "/" + relative.Replace('\\', '/');
        }
        var inPod = run with
        {
            Rbp = [],
            PipelineFile = InPod(run.PipelineFile, "the pipeline file"),
            OutputRoot = InPod(run.OutputRoot, "--out"),
            DataRoot = run.DataRoot is null ? null : InPod(run.DataRoot, "--data"),
        };
        return inPod.TrainArguments(stages);
    }

    private static V1Job Job(string name, KubernetesResources k8s, IList<string> args, bool indexed)
    {
        var labels = new Dictionary<string, string> { ["app.kubernetes.io/name"] = "rbp-train", ["app.kubernetes.io/instance"] = name };
        var resources = new Dictionary<string, ResourceQuantity>();
        if (k8s.Cpu is not null) resources["cpu"] = new ResourceQuantity(k8s.Cpu);
        if (k8s.Memory is not null) resources["memory"] = new ResourceQuantity(k8s.Memory);
        var limits = new Dictionary<string, ResourceQuantity>(resources);
        if (k8s.Gpus is > 0) limits["nvidia.com/gpu"] = new ResourceQuantity(k8s.Gpus.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var env = new List<V1EnvVar>();
        if (indexed)
            // Declared here (from the annotation the Job controller sets) so that $(JOB_COMPLETION_INDEX) in args expands.
            env.Add(new V1EnvVar
            {
                Name = IndexVariable,
                ValueFrom = new V1EnvVarSource
                {
                    FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.annotations['batch.kubernetes.io/job-completion-index']" },
                },
            });
        return new V1Job
        {
            ApiVersion = "batch/v1",
            Kind = "Job",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = k8s.Namespace, Labels = labels },
            Spec = new V1JobSpec
            {
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = labels },
                    Spec = new V1PodSpec
                    {
                        // Never: a failed pod is replaced (counted against the index's retries), not restarted in place.
                        RestartPolicy = "Never",
                        ServiceAccountName = k8s.ServiceAccount,
                        Containers =
                        [
                            new V1Container
                            {
                                Name = "train",
                                Image = k8s.Image,
                                Args = args,
                                WorkingDir = k8s.MountPath ?? DefaultMountPath,
                                Env = env.Count > 0 ? env : null,
                                Resources = resources.Count + limits.Count > 0
                                    ? new V1ResourceRequirements { Requests = resources.Count > 0 ? resources : null, Limits = limits.Count > 0 ? limits : null }
                                    : null,
                                VolumeMounts = [new V1VolumeMount { Name = VolumeName, MountPath = k8s.MountPath ?? DefaultMountPath }],
                            },
                        ],
                        Volumes =
                        [
                            new V1Volume { Name = VolumeName, PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = k8s.Claim } },
                        ],
                    },
                },
            },
        };
    }

    // A Job name is a DNS label (63 characters; the controller adds suffixes for pods, so keep it shorter).
    private static string JobName(string stem)
    {
        var name = new string(stem.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
        name = "rbp-train-" + (name.Length == 0 ? "pipeline" : name);
        return name.Length > 40 ? name[..40].TrimEnd('-') : name;
    }
}
