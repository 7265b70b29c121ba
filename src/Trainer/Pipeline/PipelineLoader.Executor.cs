using System.Text.RegularExpressions;
using RbpPipeline.Trainer.Pipeline.Executors;

namespace RbpPipeline.Trainer.Pipeline;

public static partial class PipelineLoader
{
    // Slurm's own forms: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS; memory: a number with an optional K/M/G/T.
    [GeneratedRegex(@"^(\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d+|\d+-\d+:\d{1,2}|\d+-\d+:\d{1,2}:\d{1,2}|UNLIMITED|INFINITE)$")]
    private static partial Regex SlurmTime();

    [GeneratedRegex(@"^\d+[KMGT]?$")]
    private static partial Regex SlurmMemory();

    // A Kubernetes resource quantity (the common forms): 2, 0.5, 500m, 8Gi, 8G, 1e3.
    [GeneratedRegex(@"^([0-9]+(\.[0-9]+)?|\.[0-9]+)([munkMGTPE]|[KMGTPE]i|[eE][0-9]+)?$")]
    private static partial Regex Quantity();

    // A DNS-1123 label (namespaces, claims, service accounts).
    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    /// <summary>Reads an <c>executor:</c> mapping (top level or a model entry's); null when absent.</summary>
    private static ExecutorSettings? ReadExecutor(YamlMap parent)
    {
        if (parent.Map("executor") is not { } map) return null;
        map.AllowOnly("slurm", "kubernetes");
        var settings = new ExecutorSettings();
        if (map.Map("slurm") is { } s)
        {
            s.AllowOnly("partition", "cpus", "mem", "time", "gres", "extra_args");
            string? Checked(string key, Regex form, string expected)
            {
                var value = s.String(key);
                if (value is not null && !form.IsMatch(value)) throw s.Error(s.Get(key)!, s.KeyPath(key), $"'{value}' is not {expected}");
                return value;
            }
            var extra = s.Strings("extra_args")?.ToList();
            foreach (var (arg, node) in extra ?? [])
                if (!arg.StartsWith('-') || arg.Contains('\n'))
                    throw s.Error(node, s.KeyPath("extra_args"), $"'{arg}' is not an sbatch option: give one option per item, e.g. --account=lab");
            settings = settings with
            {
                Slurm = new SlurmResources
                {
                    Partition = s.String("partition"),
                    Cpus = s.Int("cpus", 1),
                    Mem = Checked("mem", SlurmMemory(), "a Slurm memory size (a number with K, M, G or T, e.g. 8G)"),
                    Time = Checked("time", SlurmTime(), "a Slurm time limit (minutes, HH:MM:SS or D-HH:MM:SS, e.g. 2:00:00)"),
                    Gres = s.String("gres"),
                    ExtraArgs = extra?.Select(e => e.Value).ToList(),
                },
            };
        }
        if (map.Map("kubernetes") is { } k)
        {
            k.AllowOnly("image", "namespace", "claim", "mount_path", "cpu", "memory", "gpus", "backoff_limit_per_index", "parallelism", "service_account");
            string? Checked(string key, Regex form, string expected)
            {
                var value = k.String(key);
                if (value is not null && !form.IsMatch(value)) throw k.Error(k.Get(key)!, k.KeyPath(key), $"'{value}' is not {expected}");
                return value;
            }
            var mount = k.String("mount_path");
            if (mount is not null && !mount.StartsWith('/'))
                throw k.Error(k.Get("mount_path")!, k.KeyPath("mount_path"), $"'{mount}' is not an absolute path");
            settings = settings with
            {
                Kubernetes = new KubernetesResources
                {
                    Image = k.String("image"),
                    Namespace = Checked("namespace", DnsLabel(), "a Kubernetes namespace (lower-case letters, digits and '-')"),
                    Claim = Checked("claim", DnsLabel(), "a PersistentVolumeClaim name (lower-case letters, digits and '-')"),
                    MountPath = mount,
                    Cpu = Checked("cpu", Quantity(), "a Kubernetes CPU quantity (e.g. 2 or 500m)"),
                    Memory = Checked("memory", Quantity(), "a Kubernetes memory quantity (e.g. 8Gi)"),
                    Gpus = k.Int("gpus", 0),
                    BackoffLimitPerIndex = k.Int("backoff_limit_per_index", 0),
                    Parallelism = k.Int("parallelism", 1),
                    ServiceAccount = Checked("service_account", DnsLabel(), "a service account name (lower-case letters, digits and '-')"),
                },
            };
        }
        return settings;
    }
}
