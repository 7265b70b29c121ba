namespace RbpPipeline.Torch;

public static partial class torch
{
    /// <summary>Element types, numbered as c10::ScalarType (and TorchSharp's enum).</summary>
    public enum ScalarType : sbyte
    {
        Byte = 0,
        Int8 = 1,
        Int16 = 2,
        Int32 = 3,
        Int64 = 4,
        Float16 = 5,
        Float32 = 6,
        Float64 = 7,
        Bool = 11,
        BFloat16 = 15,
    }

    public static readonly ScalarType uint8 = ScalarType.Byte;
    public static readonly ScalarType int8 = ScalarType.Int8;
    public static readonly ScalarType int16 = ScalarType.Int16;
    public static readonly ScalarType int32 = ScalarType.Int32;
    public static readonly ScalarType @int = ScalarType.Int32;
    public static readonly ScalarType int64 = ScalarType.Int64;
    public static readonly ScalarType @long = ScalarType.Int64;
    public static readonly ScalarType float16 = ScalarType.Float16;
    public static readonly ScalarType float32 = ScalarType.Float32;
    public static readonly ScalarType @float = ScalarType.Float32;
    public static readonly ScalarType float64 = ScalarType.Float64;
    public static readonly ScalarType @double = ScalarType.Float64;
    public static readonly ScalarType @bool = ScalarType.Bool;

    /// <summary>A device: type and index ("cpu", "cuda", "cuda:1").</summary>
    public sealed class Device : IEquatable<Device>
    {
        public Device(DeviceType type, int index = -1)
        {
            this.type = type;
            this.index = type == DeviceType.CPU ? -1 : index;
        }

        public Device(string description)
        {
            var parts = description.Trim().ToLowerInvariant().Split(':');
            type = parts[0] switch
            {
                "cpu" => DeviceType.CPU,
                "cuda" => DeviceType.CUDA,
                _ => throw new ArgumentException($"unknown device '{description}' (expected cpu, cuda or cuda:N)"),
            };
            index = parts.Length > 1 ? int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) : -1;
            if (type == DeviceType.CPU) index = -1;
        }

        public DeviceType type { get; }

        public int index { get; }

        // "cuda" without an index means the current device, which is device 0 unless the process changes it.
        private int NormalizedIndex => type == DeviceType.CPU ? -1 : Math.Max(index, 0);

        public bool Equals(Device? other) =>
            other is not null && other.type == type && other.NormalizedIndex == NormalizedIndex;

        public override bool Equals(object? obj) => Equals(obj as Device);

        public override int GetHashCode() => HashCode.Combine(type, NormalizedIndex);

        public override string ToString() =>
            type == DeviceType.CPU ? "cpu" : index < 0 ? "cuda" : $"cuda:{index}";

        public static implicit operator Device(string description) => new(description);
    }

    public static readonly Device CPU = new(DeviceType.CPU);
    public static readonly Device CUDA = new(DeviceType.CUDA, 0);

    public static Device device(string description) => new(description);

    public static Device device(DeviceType type, int index = -1) => new(type, index);

    internal static ScalarType ScalarTypeOf<T>() where T : unmanaged =>
        typeof(T) == typeof(float) ? ScalarType.Float32
        : typeof(T) == typeof(double) ? ScalarType.Float64
        : typeof(T) == typeof(long) ? ScalarType.Int64
        : typeof(T) == typeof(int) ? ScalarType.Int32
        : typeof(T) == typeof(bool) ? ScalarType.Bool
        : typeof(T) == typeof(byte) ? ScalarType.Byte
        : typeof(T) == typeof(sbyte) ? ScalarType.Int8
        : typeof(T) == typeof(short) ? ScalarType.Int16
        : typeof(T) == typeof(Half) ? ScalarType.Float16
        : throw new NotSupportedException($"no tensor element type for {typeof(T).Name}");

    internal static int ElementSize(ScalarType t) => t switch
    {
        ScalarType.Byte or ScalarType.Int8 or ScalarType.Bool => 1,
        ScalarType.Int16 or ScalarType.Float16 or ScalarType.BFloat16 => 2,
        ScalarType.Int32 or ScalarType.Float32 => 4,
        ScalarType.Int64 or ScalarType.Float64 => 8,
        _ => throw new NotSupportedException($"element type {t}"),
    };

    internal static bool IsIntegral(ScalarType t) =>
        t is ScalarType.Byte or ScalarType.Int8 or ScalarType.Int16 or ScalarType.Int32 or ScalarType.Int64 or ScalarType.Bool;
}
