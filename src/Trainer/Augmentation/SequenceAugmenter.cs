using RbpPipeline.Trainer.Data;
using RbpPipeline.Trainer.Training;
using static TorchSharp.torch;

namespace RbpPipeline.Trainer.Augmentation;

/// <summary>The augmentation operators on one-hot sequences.</summary>
public enum AugmentationKind
{
    /// <summary>No augmentation.</summary>
    None,

    /// <summary>A random position takes its neighbouring position's nucleotide (left or right at random; the only neighbour at an end).</summary>
    Replacement,

    /// <summary>Two distinct random positions exchange their nucleotides.</summary>
    Swap,

    /// <summary>A random position's one-hot becomes (0.3, 0.2, 0.2, 0.3).</summary>
    Gap,
}

/// <summary>How training sequences are augmented; part of a run's configuration.</summary>
public sealed record AugmentationOptions
{
    public AugmentationKind Kind { get; init; } = AugmentationKind.None;

    /// <summary>Operations per augmented sequence (each at freshly drawn positions).</summary>
    public int PositionsPerSequence { get; init; } = 1;

    /// <summary>The fraction of sequences augmented, in [0, 1]; each sequence is chosen with this probability.</summary>
    public double Fraction { get; init; } = 1.0;

    public ulong Seed { get; init; } = 1;

    public static AugmentationKind ParseKind(string name) => name.ToLowerInvariant() switch
    {
        "none" => AugmentationKind.None,
        "replacement" => AugmentationKind.Replacement,
        "swap" => AugmentationKind.Swap,
        "gap" => AugmentationKind.Gap,
        _ => throw new ArgumentException($"unknown augmentation '{name}' (none, replacement, swap, gap)"),
    };

    public void Validate()
    {
        if (PositionsPerSequence < 1) throw new ArgumentException($"augmentation positions per sequence must be at least 1, got {PositionsPerSequence}");
        if (!(Fraction >= 0 && Fraction <= 1)) throw new ArgumentException($"the augmented fraction must be in [0, 1], got {Fraction}");
    }
}

/// <summary>
/// On-the-fly augmentation of encoded one-hot minibatches [N, C, L] (row-major float arrays, channel-major per
/// sequence as the Contracts encoder writes them). Meant for training batches only: callers never pass validation
/// or test data. Only real positions are touched: a column whose channels are all 0 (N padding) is never chosen.
/// Every draw comes from a <see cref="DeterministicRandom"/>, so a seed fixes the result.
/// </summary>
public sealed class SequenceAugmenter
{
    /// <summary>The gap column: (A, C, G, U) = (0.3, 0.2, 0.2, 0.3).</summary>
    public static readonly float[] GapColumn = [0.3f, 0.2f, 0.2f, 0.3f];

    private readonly AugmentationOptions _options;

    public SequenceAugmenter(AugmentationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    public AugmentationOptions Options => _options;

    /// <summary>The random stream for one minibatch (its own stream per epoch and batch, so resumption is exact).</summary>
    public DeterministicRandom StreamFor(int epoch, int batch) => DeterministicRandom.For(_options.Seed, $"augment/{epoch}/{batch}");

    /// <summary>
    /// A training minibatch of <paramref name="split"/> like <see cref="EncodedSplit.InputBatch"/>, with the
    /// <c>sequence</c> input (the first) augmented from the stream of (<paramref name="epoch"/>, <paramref name="batch"/>);
    /// track inputs are copied unchanged. Used by <see cref="ModelTrainer"/> when a request carries an augmenter.
    /// </summary>
    public Tensor[] InputBatch(EncodedSplit split, ReadOnlySpan<int> indices, int epoch, int batch)
    {
        ArgumentNullException.ThrowIfNull(split);
        var result = new Tensor[split.Inputs.Count];
        for (var k = 0; k < split.Inputs.Count; k++)
        {
            var input = split.Inputs[k];
            var channels = input.ChannelNames.Count;
            var size = channels * input.Length;
            var buffer = new float[indices.Length * size];
            for (var b = 0; b < indices.Length; b++)
                input.Data.AsSpan(indices[b] * size, size).CopyTo(buffer.AsSpan(b * size, size));
            if (k == 0 && input.Name == "sequence" && _options.Kind != AugmentationKind.None)
                Apply(buffer, indices.Length, channels, input.Length, StreamFor(epoch, batch));
            result[k] = tensor(buffer, [indices.Length, channels, input.Length]);
        }
        return result;
    }

    /// <summary>Augments <paramref name="data"/> [count, channels, length] in place; returns how many sequences changed.</summary>
    public int Apply(Span<float> data, int count, int channels, int length, DeterministicRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (data.Length != count * channels * length)
            throw new ArgumentException($"the batch holds {data.Length} values, not {count}×{channels}×{length}");
        if (_options.Kind == AugmentationKind.None) return 0;
        if (_options.Kind == AugmentationKind.Gap && channels != GapColumn.Length)
            throw new ArgumentException($"the gap operator needs the 4-channel one-hot, got {channels} channels");
        var augmented = 0;
        var real = new List<int>(length);
        for (var n = 0; n < count; n++)
        {
            if (!random.NextBool(_options.Fraction)) continue;
            var sequence = data.Slice(n * channels * length, channels * length);
            real.Clear();
            for (var p = 0; p < length; p++)
                if (!IsPadding(sequence, channels, length, p)) real.Add(p);
            var min = _options.Kind == AugmentationKind.Gap ? 1 : 2;
            if (real.Count < min) continue;
            for (var k = 0; k < _options.PositionsPerSequence; k++)
            {
                var i = random.NextInt(real.Count);
                switch (_options.Kind)
                {
                    case AugmentationKind.Replacement:
                        var j = i == 0 ? 1 : i == real.Count - 1 ? i - 1 : random.NextBool(0.5) ? i - 1 : i + 1;
                        Replace(sequence, channels, length, real[i], real[j]);
                        break;
                    case AugmentationKind.Swap:
                        var other = random.NextInt(real.Count - 1);
                        if (other >= i) other++;
                        Swap(sequence, channels, length, real[i], real[other]);
                        break;
                    default:
                        Gap(sequence, channels, length, real[i]);
                        break;
                }
            }
            augmented++;
        }
        return augmented;
    }

    /// <summary>Position <paramref name="position"/> of one sequence [C, L] takes the column of <paramref name="from"/>.</summary>
    public static void Replace(Span<float> sequence, int channels, int length, int position, int from)
    {
        for (var c = 0; c < channels; c++) sequence[c * length + position] = sequence[c * length + from];
    }

    /// <summary>Positions <paramref name="a"/> and <paramref name="b"/> of one sequence [C, L] exchange their columns.</summary>
    public static void Swap(Span<float> sequence, int channels, int length, int a, int b)
    {
        for (var c = 0; c < channels; c++)
            (sequence[c * length + a], sequence[c * length + b]) = (sequence[c * length + b], sequence[c * length + a]);
    }

    /// <summary>Position <paramref name="position"/> of one sequence [4, L] becomes the gap column (0.3, 0.2, 0.2, 0.3).</summary>
    public static void Gap(Span<float> sequence, int channels, int length, int position)
    {
        if (channels != GapColumn.Length) throw new ArgumentException($"the gap operator needs 4 channels, got {channels}");
        for (var c = 0; c < channels; c++) sequence[c * length + position] = GapColumn[c];
    }

    private static bool IsPadding(ReadOnlySpan<float> sequence, int channels, int length, int position)
    {
        for (var c = 0; c < channels; c++)
            if (sequence[c * length + position] != 0) return false;
        return true;
    }
}
