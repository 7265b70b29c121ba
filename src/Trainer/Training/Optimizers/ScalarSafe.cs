namespace RbpPipeline.Trainer.Training.Optimizers;

/// <summary>
/// TorchSharp's optimisers with steps that keep their Scalars alive (see <see cref="Adam"/>). Each is nested under the
/// TorchSharp class's own name because TorchSharp writes <c>GetType().Name</c> into the saved optimiser state and
/// refuses to load a state under another name: resumable states stay byte-identical to those of TorchSharp's classes.
/// </summary>
public static partial class ScalarSafe;
