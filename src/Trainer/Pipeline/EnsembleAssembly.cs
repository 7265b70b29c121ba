using System.Text.Json;
using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Trainer.Checkpoints;
using RbpPipeline.Trainer.Networks;
using RbpPipeline.Trainer.Training;

namespace RbpPipeline.Trainer.Pipeline;

/// <summary>
/// The train stage of an ensemble model: nothing is trained here. The members were trained as models of their own
/// (<c>&lt;model&gt;.&lt;member&gt;</c>, earlier in the run or as cluster tasks); their checkpoints are opened (digests
/// verified), checked to share encoding and tasks, composed into one <see cref="Networks.Models.Ensemble"/> network
/// and written as the ensemble's checkpoint, with each member's name, seed and weights digest in the manifest.
/// </summary>
public static class EnsembleAssembly
{
    /// <summary>The member checkpoints' weights digests: assembling again is needed exactly when a member changed.</summary>
    public static string Fingerprint(StageContext context) =>
        string.Join(",", MemberCheckpoints(context).Select(m => m.Checkpoint.Manifest.Files[Checkpoint.WeightsFile].Sha256));

    public static string Run(StageContext context, CancellationToken cancellationToken)
    {
        var plan = context.Plan;
        var members = MemberCheckpoints(context);
        var first = members[0].Checkpoint.Manifest;
        foreach (var (name, checkpoint) in members.Skip(1))
        {
            var m = checkpoint.Manifest;
            if (m.Encoding != first.Encoding)
                throw new StagePrerequisiteException($"{plan.Name}: member {name} was trained with another encoding than {members[0].Name}; train both again");
            // A shared multi-task member contributes its head for this ensemble's experiment (checked when it is cut out).
            if (HeadTask(plan, name) is null && !m.Tasks.SequenceEqual(first.Tasks))
                throw new StagePrerequisiteException(
                    $"{plan.Name}: member {name}'s tasks or fitted label transforms differ from {members[0].Name}'s " +
                    "(members must share the label transform to be averaged); give the entry one label_transform");
        }
        var data = context.Data;
        if (data.Encoding != first.Encoding)
            throw new StagePrerequisiteException($"{plan.Name}: the members were trained with another encoding than the pipeline now declares; run their train stages again");
        if (context.Threads > 0) TorchSharp.torch.set_num_threads(context.Threads);

        var networks = new List<INetwork>();
        try
        {
            foreach (var (name, checkpoint) in members)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var architecture = context.Architectures.Get(checkpoint.Manifest.Architecture.Name);
                networks.Add(HeadTask(plan, name) is { } task ? checkpoint.CreateHead(architecture, task) : checkpoint.CreateNetwork(architecture));
            }
            var provenance = members.Select(m => (IReadOnlyDictionary<string, object>)new Dictionary<string, object>
            {
                ["name"] = m.Name,
                ["seed"] = m.Checkpoint.Manifest.Provenance.Seed,
                ["checkpoint_sha256"] = m.Checkpoint.Manifest.Files[Checkpoint.WeightsFile].Sha256,
            }).ToList();
            var (ensemble, hyperparameters) = EnsembleComposer.Compose(networks, [.. members.Select(m => m.Checkpoint.Manifest.Architecture.Hyperparameters)], provenance);
            using (ensemble)
            {
                var options = ModelData.Options(plan, context.Architecture);
                var evaluations = data.Evaluate(ensemble, first.Tasks, options, data.Train, data.Validation, data.Test);
                Checkpoint.Write(context.CheckpointFolder, ensemble, new CheckpointDescription
                {
                    Name = plan.Name,
                    Architecture = context.Architecture.Name,
                    Hyperparameters = hyperparameters,
                    Tasks = first.Tasks,
                    Encoding = first.Encoding,
                    Metrics = [.. evaluations.SelectMany(e => e.ToMetricValues())],
                    ConfigSha256 = context.ConfigHash,
                    DataSha256 = data.DataSha256,
                    Seed = unchecked((long)plan.Seed),
                    Training = JsonSerializer.SerializeToElement(new { ensembleOf = members.Select(m => m.Name) }, TrainerStages.Json),
                });
                var validation = evaluations.FirstOrDefault(e => e.Split == "validation");
                var memberFigures = validation is null ? "" : " (members' validation: " + string.Join(", ", members.Select(m =>
                    $"{m.Name} {MemberFigure(m.Checkpoint.Manifest, "validation", HeadTask(plan, m.Name))}")) + ")";
                var test = evaluations.FirstOrDefault(e => e.Split == "test");
                return $"ensemble of {members.Count}{(validation is null ? "" : ", " + TrainerStages.Headline(validation))}{memberFigures}" +
                       $"{(test is null ? "" : ", " + TrainerStages.Headline(test))} → {context.CheckpointFolder}";
            }
        }
        finally
        {
            foreach (var n in networks) n.Dispose();
        }
    }

    /// <summary>
    /// For a shared multi-task member of the ensemble, the experiment whose head it contributes (the ensemble's fan-out
    /// name); null for the ensemble's own members.
    /// </summary>
    internal static string? HeadTask(ModelPlan plan, string member) =>
        plan.Ensemble?.Heads.Contains(member) != true ? null
        : plan.Dataset.FanOutName ?? throw new StagePrerequisiteException($"{plan.Name}: a shared multi-task member needs a fan-out data set (one ensemble per experiment)");

    /// <summary>The headline figure (AUROC, else Pearson) a member's checkpoint recorded for a split (for one task of a multi-task member).</summary>
    internal static string MemberFigure(ModelManifest member, string split, string? task = null)
    {
        var figure = member.Metrics.FirstOrDefault(m => m.Split == split && m.Task == task && m.Name == "auroc")
                     ?? member.Metrics.FirstOrDefault(m => m.Split == split && m.Task == task && m.Name == "pearson");
        return figure is null ? "n/a" : $"{figure.Name} {TrainerStages.Format(figure.Value)}";
    }

    /// <summary>Each member's figures as its checkpoint recorded them (same data and splits as the ensemble), for evaluation.json.</summary>
    public static System.Text.Json.Nodes.JsonNode MemberReport(StageContext context)
    {
        var members = new System.Text.Json.Nodes.JsonArray();
        foreach (var (name, checkpoint) in MemberCheckpoints(context))
        {
            var m = checkpoint.Manifest;
            members.Add(JsonSerializer.SerializeToNode(new
            {
                model = name,
                architecture = m.Architecture.Name,
                seed = m.Provenance.Seed,
                checkpointSha256 = m.Files[Checkpoint.WeightsFile].Sha256,
                metrics = m.Metrics.Where(x => x.Split != "train").GroupBy(x => x.Split).ToDictionary(
                    g => g.Key, g => g.Where(x => x.Task is null).ToDictionary(x => x.Name, x => x.Value)),
            }, TrainerStages.Json));
        }
        return members;
    }

    /// <summary>The members' checkpoints, in averaging order; a <see cref="StagePrerequisiteException"/> names the first one missing.</summary>
    public static IReadOnlyList<(string Name, Checkpoint Checkpoint)> MemberCheckpoints(StageContext context)
    {
        var ensemble = context.Plan.Ensemble ?? throw new ArgumentException($"{context.Plan.Name} is not an ensemble model", nameof(context));
        var outRoot = Path.GetDirectoryName(context.RunFolder)!;
        var list = new List<(string, Checkpoint)>();
        foreach (var member in ensemble.Members)
        {
            var folder = Path.Combine(outRoot, member, "checkpoint");
            if (!File.Exists(Path.Combine(folder, ModelManifest.FileName)))
                throw new StagePrerequisiteException($"{context.Plan.Name}: member {member} has no checkpoint in {folder}; train the members first (rbp train … --only {member})");
            list.Add((member, Checkpoint.Open(folder)));
        }
        return list;
    }
}
