namespace RbpPipeline.Interpretation.Sequences;

/// <summary>
/// Random shuffles of code sequences, the null models of attribution baselines and GIA backgrounds. Every method
/// draws only from the <see cref="Random"/> it is given, so a seeded generator gives reproducible results.
/// </summary>
public static class Shuffling
{
    /// <summary>A uniformly random permutation of <paramref name="codes"/> (mononucleotide composition kept).</summary>
    public static void Shuffle(ReadOnlySpan<byte> codes, Span<byte> destination, Random random)
    {
        CheckLengths(codes, destination);
        codes.CopyTo(destination);
        for (var i = destination.Length - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (destination[i], destination[j]) = (destination[j], destination[i]);
        }
    }

    /// <summary>
    /// A uniformly random sequence with exactly the same dinucleotide counts as <paramref name="codes"/> (and so the
    /// same first and last letter): the Altschul–Erickson shuffle, drawn as a random Eulerian walk through the graph
    /// whose vertices are the <see cref="NucleotideCodes.Symbols"/> codes and whose edges are the input's adjacent pairs.
    /// N (<see cref="NucleotideCodes.Unknown"/>) is a symbol of its own, so its neighbours are preserved too.
    /// </summary>
    public static void DinucleotideShuffle(ReadOnlySpan<byte> codes, Span<byte> destination, Random random)
    {
        CheckLengths(codes, destination);
        var n = codes.Length;
        if (n <= 2)
        {
            codes.CopyTo(destination);
            return;
        }
        const int k = NucleotideCodes.Symbols;
        // Outgoing edges of each vertex: the letters that follow it, in input order.
        var edges = new List<byte>[k];
        for (var v = 0; v < k; v++) edges[v] = [];
        for (var i = 0; i + 1 < n; i++) edges[Check(codes[i], i)].Add(Check(codes[i + 1], i + 1));
        var first = codes[0];
        var last = Check(codes[n - 1], n - 1);

        // Every vertex other than the last letter leaves for the last time along an edge chosen at random such that
        // these last exits form a tree toward 'last'; then the walk can never get stuck before using every edge.
        var lastExit = new int[k];
        while (true)
        {
            for (var v = 0; v < k; v++) lastExit[v] = v == last || edges[v].Count == 0 ? -1 : random.Next(edges[v].Count);
            if (ExitsReachLast(edges, lastExit, last)) break;
        }

        var order = new byte[k][];
        for (var v = 0; v < k; v++)
        {
            var list = edges[v];
            var others = new List<byte>(list.Count);
            for (var e = 0; e < list.Count; e++) if (e != lastExit[v]) others.Add(list[e]);
            var shuffled = others.ToArray();
            for (var i = shuffled.Length - 1; i > 0; i--)
            {
                var j = random.Next(i + 1);
                (shuffled[i], shuffled[j]) = (shuffled[j], shuffled[i]);
            }
            order[v] = lastExit[v] >= 0 ? [.. shuffled, list[lastExit[v]]] : shuffled;
        }

        var next = new int[k];
        var current = first;
        destination[0] = current;
        for (var i = 1; i < n; i++)
        {
            current = order[current][next[current]++];
            destination[i] = current;
        }
    }

    private static bool ExitsReachLast(List<byte>[] edges, int[] lastExit, byte last)
    {
        for (var start = 0; start < lastExit.Length; start++)
        {
            if (start == last || edges[start].Count == 0) continue;
            var v = start;
            for (var steps = 0; v != last; steps++)
            {
                if (steps > lastExit.Length || lastExit[v] < 0) return false;
                v = edges[v][lastExit[v]];
            }
        }
        return true;
    }

    private static byte Check(byte code, int position) =>
        code < NucleotideCodes.Symbols ? code : throw new ArgumentException($"code {code} at position {position} is not a nucleotide code (0..4)");

    private static void CheckLengths(ReadOnlySpan<byte> codes, Span<byte> destination)
    {
        if (codes.Length != destination.Length)
            throw new ArgumentException($"destination has length {destination.Length}; the sequence has {codes.Length}");
    }
}
