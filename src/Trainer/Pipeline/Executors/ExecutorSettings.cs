namespace RbpPipeline.Trainer.Pipeline.Executors;

/// <summary>
/// The <c>executor:</c> section of a pipeline file (top level, and per model entry to override it): the resources
/// each fanned-out model's task asks the cluster for. It says nothing about what is trained, so it is kept out of
/// the models' configuration hashes: changing a partition re-trains nothing.
/// </summary>
public sealed record ExecutorSettings
{
    public SlurmResources Slurm { get; init; } = new();

    public KubernetesResources Kubernetes { get; init; } = new();

    /// <summary>This entry's settings over <paramref name="fallback"/>'s, key by key.</summary>
    public ExecutorSettings Over(ExecutorSettings fallback) => new()
    {
        Slurm = Slurm.Over(fallback.Slurm),
        Kubernetes = Kubernetes.Over(fallback.Kubernetes),
    };
}

/// <summary><c>executor.slurm</c>: sbatch options for one array task (one model). Null = the cluster's default.</summary>
public sealed record SlurmResources
{
    public string? Partition { get; init; }

    /// <summary><c>--cpus-per-task</c>.</summary>
    public int? Cpus { get; init; }

    /// <summary><c>--mem</c>, as Slurm writes it (e.g. 8G, 16000M).</summary>
    public string? Mem { get; init; }

    /// <summary><c>--time</c>, as Slurm writes it (e.g. 2:00:00, 1-00:00:00).</summary>
    public string? Time { get; init; }

    /// <summary><c>--gres</c>, e.g. gpu:1.</summary>
    public string? Gres { get; init; }

    /// <summary>More sbatch options, one per item, passed as given (e.g. --account=lab, --qos=long).</summary>
    public IReadOnlyList<string>? ExtraArgs { get; init; }

    public SlurmResources Over(SlurmResources fallback) => new()
    {
        Partition = Partition ?? fallback.Partition,
        Cpus = Cpus ?? fallback.Cpus,
        Mem = Mem ?? fallback.Mem,
        Time = Time ?? fallback.Time,
        Gres = Gres ?? fallback.Gres,
        ExtraArgs = ExtraArgs ?? fallback.ExtraArgs,
    };

    /// <summary>The sbatch options these resources stand for, in a fixed order.</summary>
    public IReadOnlyList<string> SbatchOptions()
    {
        var options = new List<string>();
        if (Partition is not null) options.Add($"--partition={Partition}");
        if (Cpus is not null) options.Add($"--cpus-per-task={Cpus}");
        if (Mem is not null) options.Add($"--mem={Mem}");
        if (Time is not null) options.Add($"--time={Time}");
        if (Gres is not null) options.Add($"--gres={Gres}");
        options.AddRange(ExtraArgs ?? []);
        return options;
    }

    /// <summary>Records compare lists by reference; two entries with the same options share a job array.</summary>
    public string Key => string.Join("\u0001", SbatchOptions());
}

/// <summary><c>executor.kubernetes</c>: what the Indexed Job's pods run with.</summary>
public sealed record KubernetesResources
{
    /// <summary>The image with the <c>rbp</c> CLI (required for <c>--executor kubernetes</c>).</summary>
    public string? Image { get; init; }

    public string? Namespace { get; init; }

    /// <summary>A ReadWriteMany PersistentVolumeClaim holding the pipeline file, the data and the run folders.</summary>
    public string? Claim { get; init; }

    /// <summary>Where the claim is mounted in the pod; the pipeline file, --data and --out must lie under it.</summary>
    public string? MountPath { get; init; }

    /// <summary>CPU request and limit (a Kubernetes quantity: 2, 500m).</summary>
    public string? Cpu { get; init; }

    /// <summary>Memory request and limit (a Kubernetes quantity: 8Gi).</summary>
    public string? Memory { get; init; }

    /// <summary>GPUs as the <c>nvidia.com/gpu</c> limit.</summary>
    public int? Gpus { get; init; }

    /// <summary>Retries of one model's pod before that index counts as failed (<c>backoffLimitPerIndex</c>).</summary>
    public int? BackoffLimitPerIndex { get; init; }

    /// <summary>How many models train at once (<c>parallelism</c>); null = all.</summary>
    public int? Parallelism { get; init; }

    public string? ServiceAccount { get; init; }

    public KubernetesResources Over(KubernetesResources fallback) => new()
    {
        Image = Image ?? fallback.Image,
        Namespace = Namespace ?? fallback.Namespace,
        Claim = Claim ?? fallback.Claim,
        MountPath = MountPath ?? fallback.MountPath,
        Cpu = Cpu ?? fallback.Cpu,
        Memory = Memory ?? fallback.Memory,
        Gpus = Gpus ?? fallback.Gpus,
        BackoffLimitPerIndex = BackoffLimitPerIndex ?? fallback.BackoffLimitPerIndex,
        Parallelism = Parallelism ?? fallback.Parallelism,
        ServiceAccount = ServiceAccount ?? fallback.ServiceAccount,
    };
}
