using RbpPipeline.Contracts.Labels;
using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Contracts.SequenceEncoding;
using RbpPipeline.Trainer.Data;
using RbpPipeline.Trainer.Networks;
using RbpPipeline.Trainer.Synthetic;
using RbpPipeline.Trainer.Training;

namespace RbpPipeline.Trainer.Tests.Training;

/// <summary>Small synthetic splits encoded for training tests.</summary>
internal sealed record TrainingData(EncodingSpec Encoding, IReadOnlyList<TaskInfo> Tasks, EncodedSplit Train, EncodedSplit Validation, EncodedSplit Test)
{
    public NetworkShape Shape => new([new NetworkInput("sequence", 4, Encoding.Length)], Tasks.Sum(t => t.Type == TaskType.Multiclass ? t.Classes!.Count : 1));

    public TrainingRequest Request(TrainingOptions options, string? statePath = null, IArchitecture? architecture = null) => new()
    {
        Architecture = architecture ?? new TinyCnnArchitecture(),
        Shape = Shape,
        Train = Train,
        Validation = Validation,
        Tasks = Tasks,
        Options = options,
        StatePath = statePath,
        ConfigHash = "test",
    };

    /// <summary>CLIP-like binary data: a PUM2 site near the centre of 90 % of the positives, 1:4 negatives.</summary>
    public static TrainingData Clip(int positives = 300, ulong seed = 7, int length = 101)
    {
        var options = new ClipLikeOptions { Positives = positives, Length = length };
        var all = ClipLikeGenerator.Generate(options, DeterministicRandom.For(seed, "clip")).Records.ToList();
        var test = ClipLikeGenerator.Generate(options with { Positives = positives / 2 }, DeterministicRandom.For(seed, "clip-test")).Records.ToList();
        var splits = DatasetSplitter.FromFiles(all, test, null, 0.2, seed);
        return Encode(splits, [new TaskInfo { Name = "PUM2", Type = TaskType.Binary }], length, []);
    }

    /// <summary>RNAcompete-like regression (41 nt), labels clipped and z-scored on the training split.</summary>
    public static TrainingData Rnacompete(int count = 2000, ulong seed = 7)
    {
        var options = new RnacompeteLikeOptions { Count = count };
        var all = RnacompeteLikeGenerator.Generate(options, DeterministicRandom.For(seed, "rnc")).Records.ToList();
        var test = RnacompeteLikeGenerator.Generate(options with { Count = count / 4 }, DeterministicRandom.For(seed, "rnc-test")).Records.ToList();
        var splits = DatasetSplitter.FromFiles(all, test, null, 0.2, seed);
        return Encode(splits, [new TaskInfo { Name = "score", Type = TaskType.Regression }], 41, [LabelTransformSpec.Clip(99), LabelTransformSpec.ZScore]);
    }

    public static TrainingData Encode(DatasetSplits splits, IReadOnlyList<TaskInfo> tasks, int length, IReadOnlyList<LabelTransformSpec> transforms)
    {
        var spec = new EncodingSpec { Length = length, LengthPolicy = LengthPolicy.Centre };
        var encoder = new InputEncoder(spec);
        var fitted = EncodedSplit.FitLabelTransforms(tasks, transforms, splits.Train);
        return new TrainingData(spec, fitted,
            EncodedSplit.Encode("train", splits.Train, encoder, fitted),
            EncodedSplit.Encode("validation", splits.Validation, encoder, fitted),
            EncodedSplit.Encode("test", splits.Test, encoder, fitted));
    }
}

/// <summary>Training bound to the test's cancellation token.</summary>
internal static class Run
{
    public static TrainingOutcome Train(TrainingRequest request) => ModelTrainer.Train(request, TestContext.Current.CancellationToken);
}
