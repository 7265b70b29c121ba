using RbpPipeline.Contracts.SequenceEncoding;
using RbpPipeline.Trainer.Checkpoints;
using RbpPipeline.Trainer.Data;
using RbpPipeline.Trainer.Networks;
using RbpPipeline.Trainer.Training;

namespace RbpPipeline.Trainer.Tests.Checkpoints;

/// <summary>
/// A checkpoint written by the release before TorchSharp (the project's own libtorch binding on Debian's libtorch
/// 1.13; Fixtures/legacy-checkpoint, a 1-epoch ResidualBind with its test set) still opens, loads strictly and scores
/// its test set as it did when it was written: the loss and AUPR recorded in its manifest.
/// </summary>
public sealed class LegacyCheckpointTests
{
    [Fact]
    public void Checkpoint_from_the_libtorch_shim_release_loads_and_scores_as_recorded()
    {
        var folder = Path.Combine(RepoPaths.Root, "tests", "Trainer.Tests", "Fixtures", "legacy-checkpoint");
        var checkpoint = Checkpoint.Open(folder);
        using var network = checkpoint.CreateNetwork(Architectures.Get(ArchitectureKey.ResidualBind));
        var manifest = checkpoint.Manifest;
        var records = FastaReader.Read(Path.Combine(folder, "synthetic-clip-like-test.fa.gz")).ToList();
        var split = EncodedSplit.Encode("test", records, new InputEncoder(manifest.Encoding), manifest.Tasks);
        var evaluation = Evaluation.Evaluate(network, split, manifest.Tasks, LossKind.Bce, null);
        double Recorded(string name) => manifest.Metrics.First(m => m.Split == "test" && m.Name == name).Value;
        Assert.Equal(Recorded("loss"), evaluation.Loss, 5e-6);
        Assert.Equal(Recorded("aupr"), evaluation.Get("aupr"), 1e-6);
    }
}
