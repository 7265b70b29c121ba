using RbpPipeline.Trainer.Data;

namespace RbpPipeline.Trainer.Synthetic;

/// <summary>
/// The five iONMF region types and the one-character codes the generator writes in region strings
/// (I intron, E exon, 5 5′UTR, 3 3′UTR, O ORF).
/// </summary>
public static class RegionTypes
{
    public static IReadOnlyList<string> Names { get; } = ["intron", "exon", "5UTR", "3UTR", "ORF"];

    public const string Codes = "IE53O";

    public static char CodeOf(string name)
    {
        var index = IndexOf(name);
        return Codes[index];
    }

    public static string NameOf(char code)
    {
        var index = Codes.IndexOf(code);
        if (index < 0) throw new ArgumentException($"'{code}' is not a region code ({Codes})");
        return Names[index];
    }

    /// <summary>
    /// The 0/1 flag matrix of a region string, one channel per region type in <see cref="Names"/> order, for writing
    /// iONMF-style RegionType files.
    /// </summary>
    public static NumericTrack ToFlags(string codes, string trackName = RegionTypeMatrixReader.DefaultTrackName)
    {
        var values = new float[Names.Count * codes.Length];
        for (var position = 0; position < codes.Length; position++)
        {
            var channel = Codes.IndexOf(codes[position]);
            if (channel < 0) throw new ArgumentException($"'{codes[position]}' at position {position} is not a region code ({Codes})");
            values[channel * codes.Length + position] = 1;
        }
        return new NumericTrack(trackName, Names, values);
    }

    internal static int IndexOf(string name)
    {
        for (var i = 0; i < Names.Count; i++)
            if (Names[i] == name) return i;
        throw new ArgumentException($"unknown region type '{name}' (known: {string.Join(", ", Names)})");
    }
}
