namespace RbpPipeline.Trainer.Tests.Training;

/// <summary>
/// libtorch's random generator (initial weights, dropout) and thread count are process-wide: two trainings running at
/// once in one process draw from the same generator and stop being reproducible. Every test that trains joins this
/// collection, which xUnit runs on its own, after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchCollection
{
    public const string Name = "libtorch training";
}
