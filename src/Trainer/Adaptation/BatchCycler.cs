using RbpPipeline.Trainer.Data;

namespace RbpPipeline.Trainer.Adaptation;

/// <summary>Endless shuffled minibatches of one split: a fresh deterministic permutation each pass.</summary>
internal sealed class BatchCycler
{
    private readonly int[] _order;
    private readonly int _batchSize;
    private readonly ulong _seed;
    private readonly string _purpose;
    private int _position;
    private int _pass;

    public BatchCycler(int count, int batchSize, ulong seed, string purpose)
    {
        _order = [.. Enumerable.Range(0, count)];
        _position = count;
        _batchSize = batchSize;
        _seed = seed;
        _purpose = purpose;
    }

    public int[] Next()
    {
        var count = _order.Length;
        var size = Math.Min(_batchSize, count);
        if (_position + size > count)
        {
            Array.Sort(_order);
            DeterministicRandom.For(_seed, $"{_purpose}/{_pass++}").Shuffle(_order);
            _position = 0;
        }
        var batch = _order.AsSpan(_position, size).ToArray();
        _position += size;
        return batch;
    }
}
