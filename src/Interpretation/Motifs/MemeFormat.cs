using System.Globalization;

namespace RbpPipeline.Interpretation.Motifs;

/// <summary>The content of a MEME minimal-format motif file.</summary>
public sealed record MemeFile(string Version, string Alphabet, IReadOnlyList<double> Background, IReadOnlyList<Motif> Motifs);

/// <summary>
/// The MEME Suite's minimal motif format (version 4), RNA alphabet, forward strand only, as TOMTOM reads it:
/// a "MEME version 4" line, "ALPHABET= ACGU", "strands: +", "Background letter frequencies" followed by the four
/// letters and their frequencies, then per motif a "MOTIF name" line, a "letter-probability matrix: alength= 4
/// w= W nsites= N E= 0" line and W rows of four probabilities (A, C, G, U). Probabilities are written with six
/// decimals.
/// </summary>
public static class MemeFormat
{
    public const string Alphabet = "ACGU";

    public static string Write(IReadOnlyList<Motif> motifs, IReadOnlyList<double>? background = null)
    {
        var writer = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        Write(writer, motifs, background);
        return writer.ToString();
    }

    public static void Write(TextWriter writer, IReadOnlyList<Motif> motifs, IReadOnlyList<double>? background = null)
    {
        background ??= [0.25, 0.25, 0.25, 0.25];
        if (background.Count != 4 || background.Any(p => !double.IsFinite(p) || p < 0))
            throw new ArgumentException($"background frequencies [{string.Join(", ", background)}]; expected four non-negative numbers (A, C, G, U)");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var motif in motifs)
        {
            if (string.IsNullOrEmpty(motif.Name) || motif.Name.Any(char.IsWhiteSpace))
                throw new ArgumentException($"motif name '{motif.Name}' is not a MEME motif identifier (non-empty, no whitespace)");
            if (!names.Add(motif.Name)) throw new ArgumentException($"two motifs are named '{motif.Name}'");
        }
        writer.Write("MEME version 4\n\n");
        writer.Write($"ALPHABET= {Alphabet}\n\n");
        writer.Write("strands: +\n\n");
        writer.Write("Background letter frequencies\n");
        writer.Write(string.Join(" ", Alphabet.Select((letter, i) => $"{letter} {Number(background[i])}")) + "\n\n");
        foreach (var motif in motifs)
        {
            writer.Write($"MOTIF {motif.Name}\n");
            writer.Write(FormattableString.Invariant($"letter-probability matrix: alength= 4 w= {motif.Width} nsites= {motif.Sites} E= 0\n"));
            foreach (var row in motif.Probabilities) writer.Write(" " + string.Join(" ", row.Select(Number)) + "\n");
            writer.Write("\n");
        }
    }

    /// <summary>Reads a minimal-format file (ALPHABET ACGU, or ACGT read as ACGU); rows are rescaled to sum to 1.</summary>
    public static MemeFile Read(string text)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n');
        var index = 0;
        var version = Expect(lines, ref index, "MEME version", "the file does not start with a 'MEME version' line");
        version = version["MEME version".Length..].Trim();
        var alphabet = Alphabet;
        IReadOnlyList<double> background = [0.25, 0.25, 0.25, 0.25];
        var motifs = new List<Motif>();
        while (index < lines.Length)
        {
            var line = lines[index].Trim();
            if (line.StartsWith("ALPHABET=", StringComparison.Ordinal))
            {
                alphabet = line["ALPHABET=".Length..].Trim();
                if (alphabet is not ("ACGU" or "ACGT"))
                    throw new FormatException($"line {index + 1}: alphabet '{alphabet}'; only ACGU (or ACGT) motifs are read");
                index++;
            }
            else if (line.StartsWith("Background letter frequencies", StringComparison.Ordinal))
            {
                index++;
                background = ReadBackground(lines, ref index, alphabet);
            }
            else if (line.StartsWith("MOTIF", StringComparison.Ordinal))
            {
                motifs.Add(ReadMotif(lines, ref index));
            }
            else index++;
        }
        return new MemeFile(version, alphabet, background, motifs);
    }

    private static Motif ReadMotif(string[] lines, ref int index)
    {
        var header = lines[index].Trim().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (header.Length < 2) throw new FormatException($"line {index + 1}: a MOTIF line without a name");
        var name = header[1];
        index++;
        var matrixLine = Expect(lines, ref index, "letter-probability matrix:", $"motif '{name}' has no 'letter-probability matrix:' line");
        var parameters = Parameters(matrixLine["letter-probability matrix:".Length..]);
        if (parameters.TryGetValue("alength", out var alength) && alength != "4")
            throw new FormatException($"motif '{name}': alength= {alength}; expected 4");
        if (!parameters.TryGetValue("w", out var w) || !int.TryParse(w, NumberStyles.None, CultureInfo.InvariantCulture, out var width) || width < 1)
            throw new FormatException($"motif '{name}': the matrix line has no valid 'w=' width");
        var sites = parameters.TryGetValue("nsites", out var n) && double.TryParse(n, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed)
            ? (int)Math.Round(parsed)
            : 0;
        var rows = new List<IReadOnlyList<double>>();
        while (rows.Count < width)
        {
            if (index >= lines.Length) throw new FormatException($"motif '{name}' ends after {rows.Count} of {width} rows");
            var fields = lines[index++].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0) continue;
            if (fields.Length != 4) throw new FormatException($"line {index}: motif '{name}' row has {fields.Length} values; expected 4");
            var lineNumber = index;
            rows.Add([.. fields.Select(f => ParseNumber(f, lineNumber))]);
        }
        return new Motif(name, rows, sites);
    }

    private static IReadOnlyList<double> ReadBackground(string[] lines, ref int index, string alphabet)
    {
        var values = new Dictionary<char, double>();
        while (index < lines.Length && values.Count < 4)
        {
            var fields = lines[index++].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length % 2 != 0) throw new FormatException($"line {index}: background frequencies must come in letter–value pairs");
            for (var i = 0; i < fields.Length; i += 2)
            {
                var letter = fields[i].Length == 1 ? fields[i][0] : throw new FormatException($"line {index}: '{fields[i]}' is not a letter");
                values[letter == 'T' ? 'U' : letter] = ParseNumber(fields[i + 1], index);
            }
        }
        if (!Alphabet.All(values.ContainsKey))
            throw new FormatException($"background frequencies for {string.Join(", ", values.Keys)}; expected {string.Join(", ", alphabet.ToCharArray())}");
        return [.. Alphabet.Select(letter => values[letter])];
    }

    private static Dictionary<string, string> Parameters(string text)
    {
        // "alength= 4 w= 6 nsites= 20 E= 0": keys end with '=', values follow (with or without a space).
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        var tokens = text.Replace("=", "= ").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i + 1 < tokens.Length; i++)
            if (tokens[i].EndsWith('=')) parameters[tokens[i][..^1]] = tokens[++i];
        return parameters;
    }

    private static string Expect(string[] lines, ref int index, string prefix, string error)
    {
        while (index < lines.Length && lines[index].Trim().Length == 0) index++;
        if (index >= lines.Length || !lines[index].TrimStart().StartsWith(prefix, StringComparison.Ordinal)) throw new FormatException(error);
        return lines[index++].Trim();
    }

    private static double ParseNumber(string text, int line) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"line {line}: '{text}' is not a number");

    private static string Number(double value) => value.ToString("F6", CultureInfo.InvariantCulture);
}
