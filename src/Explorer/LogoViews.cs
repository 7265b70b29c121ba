namespace RbpPipeline.Explorer;

/// <summary>
/// The projected view of an attribution map: each position's sum over the channels placed on the observed base's
/// channel (zero elsewhere), which AttributionLogo then draws as one letter per position.
/// </summary>
internal static class LogoViews
{
    public static float[] Projected(float[] channelMajor, string sequence)
    {
        if (channelMajor.Length % 4 != 0) throw new ArgumentException($"attribution: {channelMajor.Length} values is not 4 channels × a length");
        var length = channelMajor.Length / 4;
        if (sequence.Length != length)
            throw new ArgumentException($"attribution.sequence: {sequence.Length} bases for a {length}-position map");
        var projected = new float[channelMajor.Length];
        for (var i = 0; i < length; i++)
        {
            var channel = char.ToUpperInvariant(sequence[i]) switch { 'A' => 0, 'C' => 1, 'G' => 2, 'U' or 'T' => 3, _ => -1 };
            if (channel < 0) continue; // N: no observed base to draw the sum on
            float sum = 0;
            for (var c = 0; c < 4; c++) sum += channelMajor[c * length + i];
            projected[channel * length + i] = sum;
        }
        return projected;
    }
}
