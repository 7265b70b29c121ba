using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RbpPipeline.Trainer.Checkpoints;

/// <summary>
/// An optimiser's complete state (moments, step counts, learning rates) as tensors for a resumable state file: TorchSharp
/// serialises it exactly (<see cref="OptimizerHelper.save_state_dict(BinaryWriter)"/>), and the bytes travel as one
/// uint8 tensor, so a resumed run continues bit for bit.
/// </summary>
public static class OptimizerStateTensors
{
    private const string Name = "torchsharp";

    public static Dictionary<string, Tensor> Capture(OptimizerHelper optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
            optimizer.save_state_dict(writer);
        return new Dictionary<string, Tensor>(StringComparer.Ordinal) { [Name] = ResumableStateFile.BytesTensor(buffer.ToArray()) };
    }

    /// <exception cref="CheckpointException">The section holds no optimiser state.</exception>
    public static void Restore(OptimizerHelper optimizer, IReadOnlyDictionary<string, Tensor> section, string path)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (!section.TryGetValue(Name, out var bytes))
            throw new CheckpointException($"{path} holds no optimizer state; delete it to start afresh", path);
        using var reader = new BinaryReader(new MemoryStream(ResumableStateFile.Bytes(bytes)));
        optimizer.load_state_dict(reader);
    }
}
