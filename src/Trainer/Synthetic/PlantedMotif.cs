namespace RbpPipeline.Trainer.Synthetic;

/// <summary>
/// A motif the generator plants: an IUPAC consensus over A C G U whose position weight matrix gives every base the
/// code allows the same probability (so every planted instance matches the consensus), and an effect size whose
/// meaning depends on the data set (score added per site in regression sets; see each generator).
/// </summary>
public sealed record PlantedMotif
{
    public PlantedMotif(string name, string consensus, double effect)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrEmpty(consensus);
        foreach (var code in consensus)
            if (Iupac.Bases(code) is null) throw new ArgumentException($"'{code}' in motif '{consensus}' is not an IUPAC RNA code");
        Name = name;
        Consensus = consensus;
        Effect = effect;
    }

    /// <summary>PUM2's Pumilio response element, UGUAHAUA.</summary>
    public static PlantedMotif Pum2(double effect = 1) => new("PUM2", "UGUAHAUA", effect);

    /// <summary>QKI's response element core, ACUAAY.</summary>
    public static PlantedMotif Qki(double effect = 1) => new("QKI", "ACUAAY", effect);

    /// <summary>HNRNPC's poly-U tract, UUUUU.</summary>
    public static PlantedMotif Hnrnpc(double effect = 1) => new("HNRNPC", "UUUUU", effect);

    public string Name { get; }

    public string Consensus { get; }

    public double Effect { get; init; }

    public int Length => Consensus.Length;

    /// <summary>Probabilities [position][A, C, G, U] of planted instances.</summary>
    public double[][] Pwm() => [.. Consensus.Select(code =>
    {
        var bases = Iupac.Bases(code)!;
        return Iupac.Rna.Select(b => bases.Contains(b) ? 1.0 / bases.Length : 0.0).ToArray();
    })];

    /// <summary>Whether the consensus matches <paramref name="sequence"/> at <paramref name="start"/> (T read as U).</summary>
    public bool MatchesAt(ReadOnlySpan<char> sequence, int start)
    {
        if (start < 0 || start + Length > sequence.Length) return false;
        for (var i = 0; i < Length; i++)
        {
            var c = char.ToUpperInvariant(sequence[start + i]);
            if (c == 'T') c = 'U';
            if (!Iupac.Bases(Consensus[i])!.Contains(c)) return false;
        }
        return true;
    }

    /// <summary>All starts where the consensus matches.</summary>
    public IEnumerable<int> FindAll(string sequence)
    {
        for (var start = 0; start + Length <= sequence.Length; start++)
            if (MatchesAt(sequence, start)) yield return start;
    }

    internal string Sample(Data.DeterministicRandom random)
    {
        var chars = new char[Length];
        for (var i = 0; i < Length; i++)
        {
            var bases = Iupac.Bases(Consensus[i])!;
            chars[i] = bases[random.NextInt(bases.Length)];
        }
        return new string(chars);
    }
}

internal static class Iupac
{
    public const string Rna = "ACGU";

    public static string? Bases(char code) => char.ToUpperInvariant(code) switch
    {
        'A' => "A", 'C' => "C", 'G' => "G", 'U' or 'T' => "U",
        'R' => "AG", 'Y' => "CU", 'S' => "CG", 'W' => "AU", 'K' => "GU", 'M' => "AC",
        'B' => "CGU", 'D' => "AGU", 'H' => "ACU", 'V' => "ACG", 'N' => "ACGU",
        _ => null,
    };
}
