using FsCheck;
using FsCheck.Fluent;
using RbpPipeline.Contracts.SequenceEncoding;

namespace RbpPipeline.Contracts.Tests;

public class EncodingPropertyTests
{
    private static readonly Config Config = Config.QuickThrowOnFailure.WithMaxTest(300);

    private const string Letters = "ACGTUacgtuNnRYSWKMBDHVrysw";

    private static readonly Gen<string> Sequences =
        Gen.Elements(Letters.ToCharArray()).ArrayOf().Select(chars => new string(chars));

    private static readonly Gen<(string Sequence, EncodingSpec Spec)> Cases =
        from sequence in Sequences
        from length in Gen.Choose(1, 40)
        from policy in Gen.Elements(LengthPolicy.Centre, LengthPolicy.Left, LengthPolicy.Right, LengthPolicy.Exact)
        from n in Gen.Elements(NPolicy.Zero, NPolicy.Uniform)
        from padding in Gen.Elements(0f, 0.25f, -1f)
        select (sequence, new EncodingSpec
        {
            Length = policy == LengthPolicy.Exact ? Math.Max(1, sequence.Length) : length,
            LengthPolicy = policy,
            PaddingValue = padding,
            NPolicy = n,
            AmbiguityPolicy = AmbiguityPolicy.Mean,
        });

    /// <summary>
    /// The normalised form written out by hand from the documented rules, independently of LengthWindow:
    /// upper case, T as U, then pad with N or trim, centre giving the odd one to the 3′ end.
    /// </summary>
    private static string Expected(string sequence, EncodingSpec spec)
    {
        var s = sequence.ToUpperInvariant().Replace('T', 'U');
        var L = spec.Length;
        return spec.LengthPolicy switch
        {
            LengthPolicy.Left => s.Length >= L ? s[..L] : s + new string('N', L - s.Length),
            LengthPolicy.Right => s.Length >= L ? s[^L..] : new string('N', L - s.Length) + s,
            LengthPolicy.Centre when s.Length >= L => s.Substring((s.Length - L) / 2, L),
            LengthPolicy.Centre => new string('N', (L - s.Length) / 2) + s + new string('N', L - s.Length - (L - s.Length) / 2),
            _ => s,
        };
    }

    [Fact]
    public void Decode_of_encode_is_the_normalised_input()
    {
        Prop.ForAll(Cases.ToArbitrary(), c =>
        {
            var (sequence, spec) = c;
            if (spec.LengthPolicy == LengthPolicy.Exact && sequence.Length == 0) sequence = "n";
            var encoder = new SequenceEncoder(spec);
            var encoded = encoder.EncodeBatch([sequence]);
            var decoded = encoder.Decode(encoded);
            return decoded == Expected(sequence, spec) && decoded == encoder.Normalise(sequence);
        }).Check(Config);
    }

    [Fact]
    public void Every_column_holds_one_unit_of_probability_except_N_and_padding()
    {
        Prop.ForAll(Cases.ToArbitrary(), c =>
        {
            var (sequence, spec) = c;
            if (spec.LengthPolicy == LengthPolicy.Exact && sequence.Length == 0) sequence = "a";
            var encoder = new SequenceEncoder(spec);
            var encoded = encoder.EncodeBatch([sequence]);
            var normalised = encoder.Normalise(sequence);
            var L = spec.Length;
            for (var p = 0; p < L; p++)
            {
                var sum = encoded[p] + encoded[L + p] + encoded[2 * L + p] + encoded[3 * L + p];
                if (normalised[p] != 'N' && Math.Abs(sum - 1f) > 1e-6f) return false;
            }
            return true;
        }).Check(Config);
    }

    [Fact]
    public void Encoding_the_reverse_complement_equals_reverse_complementing_the_encoding()
    {
        var exact = Sequences.Where(s => s.Length > 0);
        Prop.ForAll(exact.ToArbitrary(), sequence =>
        {
            var encoder = new SequenceEncoder(new EncodingSpec
            {
                Length = sequence.Length, NPolicy = NPolicy.Uniform, AmbiguityPolicy = AmbiguityPolicy.Mean,
            });
            var direct = encoder.EncodeBatch([Nucleotides.ReverseComplement(sequence)]);
            var flipped = new float[direct.Length];
            Nucleotides.ReverseComplement(encoder.EncodeBatch([sequence]), flipped, sequence.Length);
            return direct.AsSpan().SequenceEqual(flipped)
                && Nucleotides.ReverseComplement(Nucleotides.ReverseComplement(sequence)) == encoder.Normalise(sequence);
        }).Check(Config);
    }
}
