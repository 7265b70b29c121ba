namespace RbpPipeline.Trainer.Tests.Training;

/// <summary>
/// Trainings in one process run one at a time anyway (<see cref="RbpPipeline.Trainer.Training.GlobalGenerator"/>: libtorch's
/// generator and thread count are process-wide); the tests that train share this collection so that xUnit does not
/// hold their threads blocked on that lock beside the parallel tests.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchCollection
{
    public const string Name = "libtorch training";
}
