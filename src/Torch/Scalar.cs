namespace RbpPipeline.Torch;

/// <summary>
/// A number for tensor–scalar ops. Keeps integers integral, so that (as in PyTorch) an int64 tensor plus 2 stays
/// int64 while plus 2.5 becomes float.
/// </summary>
public readonly struct Scalar
{
    internal readonly double Double;
    internal readonly long Long;
    internal readonly int Kind; // 0 = floating, 1 = integer, 2 = bool (the shim's numbering)

    private Scalar(double d, long l, int kind) { Double = d; Long = l; Kind = kind; }

    public static implicit operator Scalar(double value) => new(value, 0, 0);
    public static implicit operator Scalar(float value) => new(value, 0, 0);
    public static implicit operator Scalar(long value) => new(value, value, 1);
    public static implicit operator Scalar(int value) => new(value, value, 1);
    public static implicit operator Scalar(bool value) => new(value ? 1 : 0, value ? 1 : 0, 2);

    public bool IsIntegral => Kind != 0;

    public double ToDouble() => Kind == 0 ? Double : Long;

    public override string ToString() => Kind switch
    {
        0 => Double.ToString(System.Globalization.CultureInfo.InvariantCulture),
        1 => Long.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => Long != 0 ? "True" : "False",
    };
}

/// <summary>Kinds of device, numbered as c10::DeviceType.</summary>
public enum DeviceType
{
    CPU = 0,
    CUDA = 1,
}
