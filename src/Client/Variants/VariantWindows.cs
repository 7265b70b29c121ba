namespace RbpPipeline.Client.Variants;

/// <summary>How VCF chromosome names are mapped onto the FASTA's.</summary>
public enum ChromosomeNaming
{
    /// <summary>Names must match exactly; a chr/no-chr mismatch is an error that names both forms.</summary>
    AsIs,
    /// <summary>Prefix 'chr' to VCF names (VCF '1' → FASTA 'chr1'; 'MT' → 'chrM').</summary>
    AddChr,
    /// <summary>Remove a leading 'chr' from VCF names (VCF 'chr1' → FASTA '1'; 'chrM' → 'MT').</summary>
    StripChr,
}

/// <summary>Which strands are scored.</summary>
public enum StrandMode
{
    /// <summary>Forward and reverse complement; per model and task the strand with the larger |diff| is reported.</summary>
    Both,
    /// <summary>Forward (genome plus) strand only.</summary>
    Plus,
}

/// <summary>The reference and alternative windows of one variant for one model length.</summary>
public readonly record struct VariantWindow(string Ref, string Alt);

/// <summary>
/// Window rules (docs/variant-scoring.md). For an allele X (REF or ALT) of n bases replacing the reference span
/// [p, p + m) (0-based p = POS − 1, m = |REF|), the window of length L is
/// <c>genome[p − lf, p) + X + genome[p + m, p + m + rf)</c> with lf = ⌊(L − n)/2⌋ and rf = L − n − lf, so each allele
/// sits in the centre of its own window and both windows share the genomic flanks; when n &gt; L the window is the
/// centre L bases of X (⌊(n − L)/2⌋ trimmed on the left). Positions beyond a chromosome end are N, and genome
/// characters other than A, C, G, T and N (IUPAC codes) are read as N.
/// </summary>
public static class VariantWindows
{
    public static VariantWindow For(IndexedFasta genome, string chrom, long pos, string reference, string alt, int length) =>
        new(Allele(genome, chrom, pos - 1, reference.Length, reference.ToUpperInvariant(), length),
            Allele(genome, chrom, pos - 1, reference.Length, alt.ToUpperInvariant(), length));

    public static string Allele(IndexedFasta genome, string chrom, long start, int refLength, string allele, int length) =>
        Allele((from, to) => genome.Fetch(chrom, from, to), start, refLength, allele, length);

    /// <summary>
    /// As above on any genome: <paramref name="fetch"/>(from, to) returns bases [from, to), N outside the sequence
    /// (the web explorer's pasted sequence windows use this with the pasted window as the genome).
    /// </summary>
    public static string Allele(Func<long, long, string> fetch, long start, int refLength, string allele, int length)
    {
        ArgumentNullException.ThrowIfNull(fetch);
        var n = allele.Length;
        if (n >= length) return allele.Substring((n - length) / 2, length);
        var left = (length - n) / 2;
        var right = length - n - left;
        var window = fetch(start - left, start) + allele + fetch(start + refLength, start + refLength + right);
        return Clean(window);
    }

    /// <summary>
    /// The bases [Start, End) that an allele of <paramref name="alleleLength"/> bases occupies in its window of
    /// <paramref name="length"/> on <paramref name="strand"/> ('+' or '-': the reverse complement, where the span is
    /// mirrored). An allele longer than the window fills all of it.
    /// </summary>
    public static (int Start, int End) AlleleSpan(int alleleLength, int length, char strand)
    {
        var (start, end) = alleleLength >= length ? (0, length) : ((length - alleleLength) / 2, (length - alleleLength) / 2 + alleleLength);
        return strand == '-' ? (length - end, length - start) : (start, end);
    }

    /// <summary>
    /// The window index of the allele's first base (its 5′-most base on the genome's plus strand, so the VCF's
    /// anchor base of an indel) on <paramref name="strand"/>; null when the window does not hold it, which happens
    /// only when an allele longer than the window was trimmed on the left.
    /// </summary>
    public static int? FirstBaseIndex(int alleleLength, int length, char strand)
    {
        var index = alleleLength >= length ? -((alleleLength - length) / 2) : (length - alleleLength) / 2;
        if (index < 0) return null;
        return strand == '-' ? length - 1 - index : index;
    }

    private static string Clean(string window)
    {
        if (!window.AsSpan().ContainsAnyExcept("ACGTN")) return window;
        var chars = window.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
            if ("ACGTN".IndexOf(chars[i]) < 0) chars[i] = 'N';
        return new string(chars);
    }

    /// <summary>Maps a VCF chromosome name to the FASTA's, or throws naming both forms when only the other form exists.</summary>
    public static string MapChromosome(IndexedFasta genome, string vcfName, ChromosomeNaming naming, string where)
    {
        var mapped = naming switch
        {
            ChromosomeNaming.AddChr => vcfName.StartsWith("chr", StringComparison.Ordinal) ? vcfName : vcfName == "MT" ? "chrM" : "chr" + vcfName,
            ChromosomeNaming.StripChr => vcfName == "chrM" ? "MT" : vcfName.StartsWith("chr", StringComparison.Ordinal) ? vcfName[3..] : vcfName,
            _ => vcfName,
        };
        if (genome.Contains(mapped)) return mapped;
        string[] alternatives = mapped.StartsWith("chr", StringComparison.Ordinal)
            ? [mapped[3..], mapped == "chrM" ? "MT" : mapped[3..]]
            : ["chr" + mapped, mapped == "MT" ? "chrM" : "chr" + mapped];
        foreach (var other in alternatives)
            if (genome.Contains(other))
            {
                var option = other.StartsWith("chr", StringComparison.Ordinal) ? "add-chr" : "strip-chr";
                throw new FormatException($"{where}: chromosome '{vcfName}'{(mapped != vcfName ? $" (mapped to '{mapped}')" : "")} is not in {genome.Path}, " +
                    $"which names it '{other}'; use --chrom-names {option}");
            }
        throw new FormatException($"{where}: chromosome '{vcfName}'{(mapped != vcfName ? $" (mapped to '{mapped}')" : "")} is not in {genome.Path}");
    }
}
