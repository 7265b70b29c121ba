namespace RbpPipeline.Visualization.Tests;

/// <summary>Realistic inputs: a 101-nt window with a strong UGUAUAUA signal in the middle and small noise of both signs.</summary>
internal static class Samples
{
    public const int Length = 101;
    public const string Motif = "UGUAUAUA";
    public const int MotifStart = 47;

    public static string Reference()
    {
        var rng = new Random(11);
        var bases = new char[Length];
        for (var i = 0; i < Length; i++) bases[i] = "ACGU"[rng.Next(4)];
        Motif.CopyTo(0, bases, MotifStart, Motif.Length);
        return new string(bases);
    }

    /// <summary>[4, L] channel-major attribution map.</summary>
    public static float[] Attribution()
    {
        var rng = new Random(5);
        var map = new float[4 * Length];
        for (var i = 0; i < map.Length; i++) map[i] = (float)((rng.NextDouble() - 0.5) * 0.08);
        for (var k = 0; k < Motif.Length; k++)
        {
            var channel = "ACGU".IndexOf(Motif[k]);
            for (var c = 0; c < 4; c++)
                map[c * Length + MotifStart + k] = c == channel ? (float)(0.6 + 0.5 * rng.NextDouble()) : (float)(-0.05 - 0.15 * rng.NextDouble());
        }
        return map;
    }

    /// <summary>ISM deltas (0 at the reference base) and the L2 norm of each position's column.</summary>
    public static (float[] Deltas, float[] Norms) Ism(string reference)
    {
        var rng = new Random(3);
        var deltas = new float[4 * Length];
        var norms = new float[Length];
        for (var i = 0; i < Length; i++)
        {
            var inMotif = i >= MotifStart && i < MotifStart + Motif.Length;
            double squares = 0;
            for (var c = 0; c < 4; c++)
            {
                if ("ACGU"[c] == reference[i]) continue;
                var d = inMotif ? -(0.3 + 0.5 * rng.NextDouble()) : (rng.NextDouble() - 0.5) * 0.1;
                deltas[c * Length + i] = (float)d;
                squares += d * d;
            }
            norms[i] = (float)Math.Sqrt(squares);
        }
        return (deltas, norms);
    }

    public static double[,] MotifPpm() => new double[,]
    {
        { 0.05, 0.05, 0.05, 0.85 }, { 0.02, 0.03, 0.90, 0.05 }, { 0.10, 0.10, 0.10, 0.70 }, { 0.70, 0.10, 0.10, 0.10 },
        { 0.05, 0.05, 0.05, 0.85 }, { 0.60, 0.10, 0.10, 0.20 }, { 0.00, 0.00, 0.00, 1.00 }, { 0.50, 0.00, 0.50, 0.00 },
    };

    public static List<BoxPlotGroup> GiaGroups()
    {
        var rng = new Random(17);
        string[] names = ["UGUAUAUA", "UUUUUUU", "GCAUG", "AUUUA", "empty", "GGAC"];
        return names.Select((name, g) => new BoxPlotGroup(name, name == "empty"
            ? []
            : Enumerable.Range(0, 150).Select(_ => Gaussian(rng) * 0.1 * (g % 3 + 1) + 0.9 / (g + 1)).ToList())).ToList();
    }

    public static double Gaussian(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
