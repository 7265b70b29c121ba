using RbpPipeline.Interpretation.Sequences;

namespace RbpPipeline.Interpretation.Motifs;

/// <summary>
/// A position probability matrix: <see cref="Width"/> rows of four probabilities (A, C, G, U), each row scaled to
/// sum to 1 on construction; <see cref="Sites"/> is the number of aligned occurrences (or k-mers) behind it.
/// Equality compares the name, the sites and every probability exactly.
/// </summary>
public sealed record Motif
{
    private readonly double[][] _probabilities;

    public Motif(string name, IReadOnlyList<IReadOnlyList<double>> probabilities, int sites)
    {
        if (probabilities.Count == 0) throw new ArgumentException($"motif '{name}' has no columns");
        if (sites < 0) throw new ArgumentOutOfRangeException(nameof(sites), $"motif '{name}' has {sites} sites");
        _probabilities = new double[probabilities.Count][];
        for (var i = 0; i < probabilities.Count; i++)
        {
            var row = probabilities[i];
            if (row.Count != 4) throw new ArgumentException($"motif '{name}' column {i} has {row.Count} probabilities; expected 4 (A, C, G, U)");
            var sum = 0.0;
            foreach (var p in row)
            {
                if (!double.IsFinite(p) || p < 0) throw new ArgumentException($"motif '{name}' column {i} has probability {p}");
                sum += p;
            }
            if (sum <= 0) throw new ArgumentException($"motif '{name}' column {i} sums to 0");
            _probabilities[i] = [.. row.Select(p => p / sum)];
        }
        Name = name;
        Sites = sites;
    }

    public string Name { get; init; }

    public int Sites { get; init; }

    public int Width => _probabilities.Length;

    /// <summary>Rows [Width][4], A, C, G, U.</summary>
    public IReadOnlyList<IReadOnlyList<double>> Probabilities => _probabilities;

    public double this[int position, int baseCode] => _probabilities[position][baseCode];

    /// <summary>
    /// The most probable base per column; with <paramref name="iupac"/>, Cavener's rules: a single base when it has
    /// probability &gt; 0.5 and more than twice the second, else a two-base code when the top two sum to &gt; 0.75,
    /// else N.
    /// </summary>
    public string Consensus(bool iupac = false)
    {
        var letters = new char[Width];
        for (var i = 0; i < Width; i++)
        {
            var order = Enumerable.Range(0, 4).OrderByDescending(b => _probabilities[i][b]).ToArray();
            var (best, second) = (_probabilities[i][order[0]], _probabilities[i][order[1]]);
            letters[i] = !iupac || (best > 0.5 && best > 2 * second)
                ? NucleotideCodes.Letters[order[0]]
                : best + second > 0.75 ? TwoBaseCode(order[0], order[1]) : 'N';
        }
        return new string(letters);
    }

    /// <summary>Each column's information content in bits, relative to <paramref name="background"/> (default uniform).</summary>
    public double[] ColumnInformation(IReadOnlyList<double>? background = null)
    {
        if (background is not null && background.Count != 4) throw new ArgumentException($"{background.Count} background frequencies; expected 4");
        var information = new double[Width];
        for (var i = 0; i < Width; i++)
            for (var b = 0; b < 4; b++)
            {
                var p = _probabilities[i][b];
                if (p > 0) information[i] += p * Math.Log2(p / (background?[b] ?? 0.25));
            }
        return information;
    }

    /// <summary>Total information content in bits (sum over columns).</summary>
    public double InformationContent(IReadOnlyList<double>? background = null) => ColumnInformation(background).Sum();

    public bool Equals(Motif? other) =>
        other is not null && Name == other.Name && Sites == other.Sites && Width == other.Width &&
        _probabilities.Zip(other._probabilities).All(pair => pair.First.AsSpan().SequenceEqual(pair.Second));

    public override int GetHashCode() => HashCode.Combine(Name, Sites, Width);

    private static char TwoBaseCode(int a, int b) => (Math.Min(a, b), Math.Max(a, b)) switch
    {
        (0, 1) => 'M',
        (0, 2) => 'R',
        (0, 3) => 'W',
        (1, 2) => 'S',
        (1, 3) => 'Y',
        _ => 'K',
    };
}
