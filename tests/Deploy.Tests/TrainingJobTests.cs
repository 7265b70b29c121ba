using System.Diagnostics;
using k8s;
using k8s.Models;

namespace RbpPipeline.Deploy.Tests;

/// <summary>
/// `rbp train --executor kubernetes` as a user runs it (the built CLI): the Indexed Jobs it writes are read back by
/// the official client's strict reader and checked for what makes the fan-out work — indexed completion, one
/// completion per model, per-index retries, the index reaching the container, the shared volume and the paths
/// inside it, resources per entry.
/// </summary>
public sealed class TrainingJobTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Yaml = """
        version: 1
        stages: [prepare, train, evaluate]
        executor:
          kubernetes: { image: "registry.example.org/rbp:0.1.0", namespace: rbp, claim: rbp-work, mount_path: /work, cpu: "2", memory: 4Gi, backoff_limit_per_index: 3 }
        datasets:
          clip:
            format: fasta
            each: [PUM2, QKI, RBFOX2]
            train: "{rbp}/train.fa"
            test: "{rbp}/test.fa"
          one:
            format: fasta
            train: one/train.fa
            test: one/test.fa
        models:
          rb:
            architecture: residualbind
            dataset: clip
            encoding: { length: 101 }
          big:
            architecture: residualbind
            dataset: one
            encoding: { length: 101 }
            executor:
              kubernetes: { memory: 32Gi, gpus: 1 }
        """;

    [Fact]
    public async Task One_indexed_job_per_resource_group_whose_index_picks_the_model()
    {
        using var work = new TempFolder();
        File.WriteAllText(work.File("pipeline.yaml"), Yaml);
        var manifest = work.File("jobs.yaml");

        var (code, stdout, stderr) = await RbpAsync(work, "train", work.File("pipeline.yaml"), "--executor", "kubernetes", "--output", manifest,
                                                    "--out", work.File("runs"), "--data", work.File("data"), "--threads", "2");

        Assert.True(code == 0, stderr);
        Assert.Contains($"wrote 2 Indexed Job(s) for 4 task(s) to {manifest}", stdout);
        Assert.Contains("no follow-up Job", stderr);
        var objects = KubernetesYaml.LoadAllFromString(await File.ReadAllTextAsync(manifest, Ct), strict: true);
        var jobs = objects.Cast<V1Job>().ToList();
        Assert.Equal(2, jobs.Count);

        var fanOut = jobs[0];
        Assert.Equal("rbp-train-pipeline-1", fanOut.Metadata.Name);
        Assert.Equal("rbp", fanOut.Metadata.NamespaceProperty);
        Assert.Equal("Indexed", fanOut.Spec.CompletionMode);
        Assert.Equal(3, fanOut.Spec.Completions);
        Assert.Equal(3, fanOut.Spec.BackoffLimitPerIndex);
        Assert.Null(fanOut.Spec.BackoffLimit); // per index only: one failing model does not fail the others
        Assert.Equal("Never", fanOut.Spec.Template.Spec.RestartPolicy);
        var container = Assert.Single(fanOut.Spec.Template.Spec.Containers);
        Assert.Equal("registry.example.org/rbp:0.1.0", container.Image);
        var index = Assert.Single(container.Env);
        Assert.Equal("JOB_COMPLETION_INDEX", index.Name);
        Assert.Equal("metadata.annotations['batch.kubernetes.io/job-completion-index']", index.ValueFrom.FieldRef.FieldPath);
        Assert.Equal(
            ["train", "/work/pipeline.yaml", "--out", "/work/runs", "--data", "/work/data", "--threads", "2",
             "--only", "rb-PUM2", "--only", "rb-QKI", "--only", "rb-RBFOX2", "--only-index", "$(JOB_COMPLETION_INDEX)"],
            container.Args);
        var mount = Assert.Single(container.VolumeMounts);
        Assert.Equal("/work", mount.MountPath);
        var volume = Assert.Single(fanOut.Spec.Template.Spec.Volumes, v => v.Name == mount.Name);
        Assert.Equal("rbp-work", volume.PersistentVolumeClaim.ClaimName);
        Assert.Equal("4Gi", container.Resources.Requests["memory"].ToString());
        Assert.Equal("2", container.Resources.Limits["cpu"].ToString());

        var big = Assert.Single(jobs[1].Spec.Template.Spec.Containers);
        Assert.Equal(1, jobs[1].Spec.Completions);
        Assert.Equal("32Gi", big.Resources.Limits["memory"].ToString());
        Assert.Equal("1", big.Resources.Limits["nvidia.com/gpu"].ToString());
        Assert.Equal(["--only", "big", "--only-index", "$(JOB_COMPLETION_INDEX)"], big.Args.TakeLast(4));
    }

    [Fact]
    public async Task The_index_picks_one_of_the_only_names_and_out_of_range_is_refused()
    {
        using var work = new TempFolder();
        File.WriteAllText(work.File("pipeline.yaml"), Yaml);

        var (code, _, stderr) = await RbpAsync(work, "train", work.File("pipeline.yaml"), "--only", "rb-PUM2", "--only", "rb-QKI", "--only-index", "2");

        Assert.Equal(2, code);
        Assert.Contains("--only-index 2 is out of range: there are 2 task(s) (0 to 1)", stderr);
    }

    [Fact]
    public async Task Paths_outside_the_mounted_folder_and_a_missing_image_are_refused()
    {
        using var work = new TempFolder();
        File.WriteAllText(work.File("pipeline.yaml"), Yaml);
        var outside = await RbpAsync(work, "train", work.File("pipeline.yaml"), "--executor", "kubernetes", "--out", "/elsewhere/runs");
        Assert.Equal(1, outside.Code);
        Assert.Contains($"--out /elsewhere/runs is not inside the pipeline file's folder {work.Path}, which is what the pods mount at /work", outside.Stderr);

        File.WriteAllText(work.File("pipeline.yaml"), Yaml.Replace("image: \"registry.example.org/rbp:0.1.0\", ", "", StringComparison.Ordinal));
        var noImage = await RbpAsync(work, "train", work.File("pipeline.yaml"), "--executor", "kubernetes");
        Assert.Equal(1, noImage.Code);
        Assert.Contains("executor.kubernetes.image", noImage.Stderr);
    }

    private static Task<RbpCli.Result> RbpAsync(TempFolder work, params string[] arguments) =>
        RbpCli.RunAsync(arguments, work.Path, cancellationToken: Ct);
}
