using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RbpPipeline.Interpretation.Attribution;

/// <summary>
/// The per-point inner loops of integrated gradients, SIMD-wide: every path point writes and folds back a whole
/// input record, so these loops are the method's own cost next to the model's.
/// </summary>
internal static class Kernels
{
    /// <summary>destination = b + a·d.</summary>
    public static void Lerp(ReadOnlySpan<float> b, ReadOnlySpan<float> d, float a, Span<float> destination)
    {
        var n = CheckLengths(destination.Length, b.Length, d.Length);
        ref var bRef = ref MemoryMarshal.GetReference(b);
        ref var dRef = ref MemoryMarshal.GetReference(d);
        ref var outRef = ref MemoryMarshal.GetReference(destination);
        nuint i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var va = new Vector<float>(a);
            for (; i + (nuint)Vector<float>.Count <= n; i += (nuint)Vector<float>.Count)
                Vector.StoreUnsafe(Vector.LoadUnsafe(ref bRef, i) + va * Vector.LoadUnsafe(ref dRef, i), ref outRef, i);
        }
        for (; i < n; i++) Unsafe.Add(ref outRef, i) = Unsafe.Add(ref bRef, i) + a * Unsafe.Add(ref dRef, i);
    }

    /// <summary>sums += d·g, the products formed in float64.</summary>
    public static void MultiplyAdd(ReadOnlySpan<float> d, ReadOnlySpan<float> g, Span<double> sums)
    {
        var n = CheckLengths(sums.Length, d.Length, g.Length);
        ref var dRef = ref MemoryMarshal.GetReference(d);
        ref var gRef = ref MemoryMarshal.GetReference(g);
        ref var sRef = ref MemoryMarshal.GetReference(sums);
        nuint i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var half = (nuint)Vector<double>.Count;
            for (; i + (nuint)Vector<float>.Count <= n; i += (nuint)Vector<float>.Count)
            {
                Vector.Widen(Vector.LoadUnsafe(ref dRef, i), out var dLow, out var dHigh);
                Vector.Widen(Vector.LoadUnsafe(ref gRef, i), out var gLow, out var gHigh);
                Vector.StoreUnsafe(Vector.LoadUnsafe(ref sRef, i) + dLow * gLow, ref sRef, i);
                Vector.StoreUnsafe(Vector.LoadUnsafe(ref sRef, i + half) + dHigh * gHigh, ref sRef, i + half);
            }
        }
        for (; i < n; i++) Unsafe.Add(ref sRef, i) += (double)Unsafe.Add(ref dRef, i) * Unsafe.Add(ref gRef, i);
    }

    /// <summary>sums += g, in float64.</summary>
    public static void Add(ReadOnlySpan<float> g, Span<double> sums)
    {
        var n = CheckLengths(sums.Length, g.Length, g.Length);
        ref var gRef = ref MemoryMarshal.GetReference(g);
        ref var sRef = ref MemoryMarshal.GetReference(sums);
        nuint i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var half = (nuint)Vector<double>.Count;
            for (; i + (nuint)Vector<float>.Count <= n; i += (nuint)Vector<float>.Count)
            {
                Vector.Widen(Vector.LoadUnsafe(ref gRef, i), out var low, out var high);
                Vector.StoreUnsafe(Vector.LoadUnsafe(ref sRef, i) + low, ref sRef, i);
                Vector.StoreUnsafe(Vector.LoadUnsafe(ref sRef, i + half) + high, ref sRef, i + half);
            }
        }
        for (; i < n; i++) Unsafe.Add(ref sRef, i) += Unsafe.Add(ref gRef, i);
    }

    /// <summary>sums += g·(x − d), in float64 (where x − d is exact).</summary>
    public static void MultiplyDifferenceAdd(ReadOnlySpan<float> g, ReadOnlySpan<float> x, ReadOnlySpan<float> d, Span<double> sums)
    {
        var n = CheckLengths(sums.Length, g.Length, x.Length);
        CheckLengths(sums.Length, d.Length, d.Length);
        ref var gRef = ref MemoryMarshal.GetReference(g);
        ref var xRef = ref MemoryMarshal.GetReference(x);
        ref var dRef = ref MemoryMarshal.GetReference(d);
        ref var sRef = ref MemoryMarshal.GetReference(sums);
        nuint i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var half = (nuint)Vector<double>.Count;
            for (; i + (nuint)Vector<float>.Count <= n; i += (nuint)Vector<float>.Count)
            {
                Vector.Widen(Vector.LoadUnsafe(ref gRef, i), out var gLow, out var gHigh);
                Vector.Widen(Vector.LoadUnsafe(ref xRef, i), out var xLow, out var xHigh);
                Vector.Widen(Vector.LoadUnsafe(ref dRef, i), out var dLow, out var dHigh);
                Vector.StoreUnsafe(Vector.LoadUnsafe(ref sRef, i) + gLow * (xLow - dLow), ref sRef, i);
                Vector.StoreUnsafe(Vector.LoadUnsafe(ref sRef, i + half) + gHigh * (xHigh - dHigh), ref sRef, i + half);
            }
        }
        for (; i < n; i++)
            Unsafe.Add(ref sRef, i) += Unsafe.Add(ref gRef, i) * ((double)Unsafe.Add(ref xRef, i) - Unsafe.Add(ref dRef, i));
    }

    private static nuint CheckLengths(int destination, int first, int second)
    {
        if (first != destination || second != destination)
            throw new ArgumentException($"kernel spans of lengths {first} and {second} for a destination of {destination}");
        return (nuint)destination;
    }
}
