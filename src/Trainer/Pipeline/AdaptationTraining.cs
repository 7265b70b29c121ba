using System.Globalization;
using RbpPipeline.Trainer.Adaptation;

namespace RbpPipeline.Trainer.Pipeline;

/// <summary>
/// The train stage of an RBP-ADDA model (<c>&lt;entry&gt;-source</c> or <c>&lt;entry&gt;-target</c>). Both models share one
/// run of the three stages whose state is saved after each stage in the entry's folder
/// (<c>&lt;out&gt;/&lt;entry&gt;/rbpadda-state.safetensors</c>): the first of the two to train runs (or resumes) it, the
/// other restores the finished result from the state. Each writes its own path as an ordinary checkpoint, so
/// evaluate, export and publish treat the two like any other models.
/// </summary>
public static class AdaptationTraining
{
    /// <summary>The entry's state file (in <see cref="StageContext.EntryFolder"/>).</summary>
    public static string StatePath(StageContext context) =>
        Path.Combine(context.EntryFolder ?? throw new ArgumentException($"{context.Plan.Name} is not an RBP-ADDA model"), RbpAddaStateFile.FileName);

    /// <summary>Both data sets of the entry, read as RBP-ADDA reads them (training and test parts, no validation).</summary>
    public static RbpAddaData ReadData(ModelPlan plan)
    {
        var adaptation = plan.Adaptation ?? throw new ArgumentException($"{plan.Name} is not an RBP-ADDA model", nameof(plan));
        var (vitroTrain, vitroTest) = DatasetReader.ReadTrainTest(adaptation.InVitro, plan.Seed);
        var (vivoTrain, vivoTest) = DatasetReader.ReadTrainTest(adaptation.InVivo, plan.Seed);
        return new RbpAddaData(vitroTrain, vitroTest, vivoTrain, vivoTest);
    }

    private static string Probe(double? accuracy) => accuracy is { } a ? a.ToString("F3", CultureInfo.InvariantCulture) : "off";

    public static string Run(StageContext context, CancellationToken cancellationToken, RbpAddaRunControl? control = null)
    {
        var plan = context.Plan;
        var adaptation = plan.Adaptation!;
        var options = ModelData.AdaptationOptions(plan, context.Threads > 0 ? context.Threads : Environment.ProcessorCount);
        var data = ReadData(plan);
        control = (control ?? new RbpAddaRunControl()) with { StatePath = StatePath(context) };
        RbpAddaResult result;
        try
        {
            result = RbpAddaTrainer.Train(data, options, control, line => context.Log.WriteLine($"[{plan.Name}] {line}"), cancellationToken);
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException($"{plan.Name}: {e.Message}", e);
        }
        using (result)
        {
            result.WriteCheckpoint(context.CheckpointFolder, plan.Name, adaptation.SourcePath, context.DataSha256, context.ConfigHash);
            var domain = adaptation.SourcePath ? result.SourceDomain : result.TargetDomain;
            var own = adaptation.SourcePath ? result.Final.SourcePearson : result.Final.TargetPearson;
            var stages = string.Join(", ", result.Stages.Select(s => string.Create(CultureInfo.InvariantCulture,
                $"{s.Stage} {TrainerStages.Format(s.SourcePearson)}/{TrainerStages.Format(s.TargetPearson)}")));
            var how = result.ResumedAfterStage switch
            {
                0 => "trained",
                3 => "restored from the finished run",
                var k => $"resumed after stage {k}",
            };
            var f = result.Adaptation;
            // The domain figures travel with every summary (a restored run prints no stage-2 lines of its own).
            var domains = f.DiscriminatorBefore is { } before
                ? string.Create(CultureInfo.InvariantCulture, $"; stage 2: D held-out accuracy {before:F3} → {f.DiscriminatorAfter:F3}, " +
                    $"D training accuracy {f.DiscriminatorFirst:F3} → {f.DiscriminatorLast:F3}, domain probe {Probe(f.ProbeBefore)} → {Probe(f.ProbeAfter)} (0.5 = indistinguishable)")
                : "; stage 2 skipped (no domain figures)";
            return $"{(adaptation.SourcePath ? "source path Ms + T" : "target path Mt + T")} ({domain}), {how}; " +
                   $"Pearson source/target ({result.SourceDomain}/{result.TargetDomain}) {stages}{domains}; test pearson {TrainerStages.Format(own)} → {context.CheckpointFolder}";
        }
    }
}
