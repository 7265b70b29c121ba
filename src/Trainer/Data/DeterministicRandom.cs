namespace RbpPipeline.Trainer.Data;

/// <summary>
/// A seeded generator (xoshiro256** seeded through SplitMix64) whose output is fixed by this code alone.
/// System.Random's seeded sequence is an implementation detail of the runtime; generated data sets and splits
/// must stay identical across .NET versions so that a seed in a pipeline file always means the same data.
/// </summary>
public sealed class DeterministicRandom
{
    private ulong _s0, _s1, _s2, _s3;
    private double? _spareGaussian;

    public DeterministicRandom(ulong seed)
    {
        var x = seed;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    /// <summary>An independent stream for a named purpose, so adding draws to one part leaves the others unchanged.</summary>
    public static DeterministicRandom For(ulong seed, string purpose)
    {
        var hash = 14695981039346656037UL; // FNV-1a: stable, unlike string.GetHashCode
        foreach (var c in purpose)
        {
            hash ^= c;
            hash *= 1099511628211UL;
        }
        return new DeterministicRandom(seed ^ hash);
    }

    public ulong NextUInt64()
    {
        var result = RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, <paramref name="exclusiveMax"/>), without modulo bias.</summary>
    public int NextInt(int exclusiveMax)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(exclusiveMax, 1);
        var bound = (ulong)exclusiveMax;
        var limit = ulong.MaxValue - ulong.MaxValue % bound;
        ulong draw;
        do draw = NextUInt64(); while (draw >= limit);
        return (int)(draw % bound);
    }

    /// <summary>Uniform in [<paramref name="min"/>, <paramref name="inclusiveMax"/>].</summary>
    public int NextInt(int min, int inclusiveMax) => min + NextInt(inclusiveMax - min + 1);

    public bool NextBool(double probability) => NextDouble() < probability;

    /// <summary>Standard normal (Box–Muller; the second value of each pair is kept for the next call).</summary>
    public double NextGaussian()
    {
        if (_spareGaussian is { } spare)
        {
            _spareGaussian = null;
            return spare;
        }
        double u;
        do u = NextDouble(); while (u == 0);
        var v = NextDouble();
        var radius = Math.Sqrt(-2 * Math.Log(u));
        _spareGaussian = radius * Math.Sin(2 * Math.PI * v);
        return radius * Math.Cos(2 * Math.PI * v);
    }

    /// <summary>Index drawn with probability proportional to <paramref name="weights"/>.</summary>
    public int NextWeighted(ReadOnlySpan<double> weights)
    {
        var total = 0.0;
        foreach (var w in weights) total += w;
        var target = NextDouble() * total;
        for (var i = 0; i < weights.Length; i++)
        {
            target -= weights[i];
            if (target < 0) return i;
        }
        return weights.Length - 1;
    }

    /// <summary>Fisher–Yates shuffle in place.</summary>
    public void Shuffle<T>(IList<T> items)
    {
        for (var i = items.Count - 1; i > 0; i--)
        {
            var j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private static ulong SplitMix(ref ulong x)
    {
        var z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));
}
