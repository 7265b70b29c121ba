using System.Runtime.InteropServices;
using RbpPipeline.Torch.Native;

namespace RbpPipeline.Torch;

public static partial class torch
{
    /// <summary>
    /// A libtorch tensor. Each instance owns one native handle; dispose it (or let a <see cref="DisposeScope"/> do
    /// it) to free native memory now. Ops create new tensors; methods ending in '_' modify this one in place.
    /// </summary>
    public partial class Tensor : IDisposable
    {
        private TensorHandle _handle;

        internal Tensor(IntPtr handle)
        {
            _handle = new TensorHandle(handle);
            DisposeScope.Current?.Add(this);
        }

        internal DisposeScope? OwningScope { get; set; }

        /// <summary>The native handle; throws <see cref="ObjectDisposedException"/> after Dispose.</summary>
        internal TensorHandle Handle =>
            _handle.IsClosed || _handle.IsInvalid
                ? throw new ObjectDisposedException(GetType().Name, "the tensor has been disposed (directly or by its dispose scope)")
                : _handle;

        /// <summary>True once disposed.</summary>
        public bool IsInvalid => _handle.IsClosed || _handle.IsInvalid;

        internal static Tensor Wrap(IntPtr handle) => new(Interop.Check(handle));

        internal static Tensor? WrapOptional(IntPtr handle) =>
            Interop.CheckOptional(handle) is var h && h != IntPtr.Zero ? new Tensor(h) : null;

        /// <summary>Moves the native tensor out of <paramref name="source"/> into this instance (Parameter(tensor)).</summary>
        private protected void TakeHandle(Tensor source)
        {
            var old = _handle;
            _handle = source._handle;
            source._handle = new TensorHandle();
            old.Dispose();
        }

        public void Dispose()
        {
            _handle.Dispose();
            GC.SuppressFinalize(this);
        }

        // ---- dispose scopes -------------------------------------------------------------------------------

        /// <summary>Moves this tensor to the enclosing dispose scope, so it outlives the current one.</summary>
        public Tensor MoveToOuterDisposeScope() => OwningScope?.MoveToOuter(this) ?? this;

        /// <summary>Takes this tensor out of its dispose scope: the caller now disposes it.</summary>
        public Tensor DetachFromDisposeScope() => OwningScope?.Detach(this) ?? this;

        // ---- properties ------------------------------------------------------------------------------------

        public long[] shape
        {
            get
            {
                Span<long> buffer = stackalloc long[16];
                int n;
                unsafe
                {
                    fixed (long* p = buffer) n = Interop.Check(NativeMethods.rbp_tensor_shape(Handle, p, buffer.Length));
                }
                return buffer[..n].ToArray();
            }
        }

        public long size(int dim)
        {
            var s = shape;
            var d = dim < 0 ? dim + s.Length : dim;
            if (d < 0 || d >= s.Length)
                throw new ArgumentOutOfRangeException(nameof(dim), $"dimension {dim} out of range for a {s.Length}-D tensor");
            return s[d];
        }

        public long dim() => Interop.Check(NativeMethods.rbp_tensor_ndim(Handle));

        public long ndim => dim();

        public long Dimensions => dim();

        public long numel() => NativeMethods.rbp_tensor_numel(Handle) is var n && n >= 0 ? n : throw Interop.LastError("numel failed");

        public long NumberOfElements => numel();

        public ScalarType dtype => (ScalarType)Interop.Check(NativeMethods.rbp_tensor_dtype(Handle));

        public Device device
        {
            get
            {
                var type = Interop.Check(NativeMethods.rbp_tensor_device(Handle, out var index));
                return new Device((DeviceType)type, index);
            }
        }

        public DeviceType device_type => device.type;

        public bool is_cuda => device_type == DeviceType.CUDA;

        // ---- autograd --------------------------------------------------------------------------------------

        public bool requires_grad
        {
            get => Interop.Check(NativeMethods.rbp_tensor_requires_grad(Handle)) != 0;
            set => Interop.Check(NativeMethods.rbp_tensor_set_requires_grad(Handle, value ? 1 : 0));
        }

        public Tensor requires_grad_(bool requires_grad = true)
        {
            this.requires_grad = requires_grad;
            return this;
        }

        public bool is_leaf => Interop.Check(NativeMethods.rbp_tensor_is_leaf(Handle)) != 0;

        /// <summary>
        /// The accumulated gradient (a new handle on the same storage, so in-place changes reach it), or null
        /// before the first backward pass. Setting null clears it.
        /// </summary>
        public Tensor? grad
        {
            get => WrapOptional(NativeMethods.rbp_tensor_grad(Handle));
            set => Interop.Check(NativeMethods.rbp_tensor_set_grad(Handle, value?.Handle ?? TensorHandle.Null));
        }

        /// <summary>Back-propagates from this tensor (a scalar unless <paramref name="gradient"/> is given).</summary>
        public void backward(Tensor? gradient = null, bool create_graph = false, bool? retain_graph = null) =>
            Interop.Check(NativeMethods.rbp_tensor_backward(Handle, gradient?.Handle ?? TensorHandle.Null,
                retain_graph is null ? -1 : retain_graph.Value ? 1 : 0, create_graph ? 1 : 0));

        public Tensor detach() => Unary(UnaryOp.Detach);

        public Tensor detach_() => UnaryInPlace(UnaryOp.Detach);

        // ---- managed memory --------------------------------------------------------------------------------

        /// <summary>Copies of the elements, checked against the dtype (TorchSharp's <c>data&lt;T&gt;()</c>).</summary>
        public TensorData<T> data<T>() where T : unmanaged
        {
            var expected = ScalarTypeOf<T>();
            var actual = dtype;
            if (actual != expected)
                throw new InvalidOperationException($"tensor holds {actual}, not {expected} ({typeof(T).Name})");
            return new TensorData<T>(this);
        }

        /// <summary>Copies all elements (row-major) into <paramref name="destination"/>, whose length must be numel().</summary>
        public unsafe void CopyTo<T>(Span<T> destination) where T : unmanaged
        {
            var expected = ScalarTypeOf<T>();
            var actual = dtype;
            if (actual != expected)
                throw new InvalidOperationException($"tensor holds {actual}, not {expected} ({typeof(T).Name})");
            fixed (T* p = destination)
                Interop.Check(NativeMethods.rbp_tensor_copy_to(Handle, p, (long)destination.Length * sizeof(T)));
        }

        /// <summary>The raw bytes (row-major, little-endian) of any dtype; length must be numel × element size.</summary>
        internal unsafe void CopyBytes(Span<byte> destination)
        {
            fixed (byte* p = destination)
                Interop.Check(NativeMethods.rbp_tensor_copy_to(Handle, p, destination.Length));
        }

        /// <summary>Element values as a new array (row-major).</summary>
        public T[] ToArray<T>() where T : unmanaged
        {
            var result = new T[numel()];
            CopyTo<T>(result);
            return result;
        }

        /// <summary>The value of a one-element tensor.</summary>
        public T item<T>() where T : unmanaged
        {
            if (typeof(T) == typeof(long) || typeof(T) == typeof(int))
            {
                Interop.Check(NativeMethods.rbp_tensor_item_long(Handle, out var l));
                return typeof(T) == typeof(long) ? (T)(object)l : (T)(object)checked((int)l);
            }
            Interop.Check(NativeMethods.rbp_tensor_item(Handle, out var d));
            if (typeof(T) == typeof(double)) return (T)(object)d;
            if (typeof(T) == typeof(float)) return (T)(object)(float)d;
            if (typeof(T) == typeof(bool)) return (T)(object)(d != 0);
            throw new NotSupportedException($"item<{typeof(T).Name}>");
        }

        public float ToSingle() => item<float>();
        public double ToDouble() => item<double>();
        public long ToInt64() => item<long>();
        public int ToInt32() => item<int>();
        public bool ToBoolean() => item<bool>();

        public static explicit operator float(Tensor t) => t.ToSingle();
        public static explicit operator double(Tensor t) => t.ToDouble();
        public static explicit operator long(Tensor t) => t.ToInt64();

        // ---- conversion ------------------------------------------------------------------------------------

        public Tensor to(ScalarType type, bool copy = false) =>
            Wrap(NativeMethods.rbp_tensor_to(Handle, (int)type, -1, 0, copy ? 1 : 0));

        public Tensor to(Device device, bool copy = false) =>
            Wrap(NativeMethods.rbp_tensor_to(Handle, -1, (int)device.type, device.index, copy ? 1 : 0));

        public Tensor to(ScalarType type, Device device, bool copy = false) =>
            Wrap(NativeMethods.rbp_tensor_to(Handle, (int)type, (int)device.type, device.index, copy ? 1 : 0));

        public Tensor to(string device) => to(new Device(device));

        public Tensor to_type(ScalarType type) => to(type);

        public Tensor type(ScalarType type) => to(type);

        public Tensor cpu() => to(CPU);

        public Tensor cuda(int index = 0) => to(new Device(DeviceType.CUDA, index));

        public Tensor @float() => to(ScalarType.Float32);

        public Tensor @double() => to(ScalarType.Float64);

        public Tensor @long() => to(ScalarType.Int64);

        public Tensor @bool() => to(ScalarType.Bool);

        /// <summary>Makes this handle see <paramref name="source"/>'s data, keeping its identity (<c>param.data = x</c>).</summary>
        internal void SetData(Tensor source) => Interop.Check(NativeMethods.rbp_tensor_set_data(Handle, source.Handle));

        /// <summary>A second handle to the same tensor (same storage and autograd identity).</summary>
        internal Tensor Alias() => Wrap(NativeMethods.rbp_tensor_alias(Handle));

        // ---- text ------------------------------------------------------------------------------------------

        public override string ToString() =>
            IsInvalid ? "Tensor (disposed)" : $"[{string.Join("x", shape)}], type = {dtype}, device = {device}";

        /// <summary>libtorch's rendering, with the values.</summary>
        public unsafe string ToString(bool withData)
        {
            if (!withData) return ToString();
            var buffer = new byte[1 << 16];
            int n;
            fixed (byte* p = buffer) n = Interop.Check(NativeMethods.rbp_tensor_to_string(Handle, p, buffer.Length));
            return System.Text.Encoding.UTF8.GetString(buffer, 0, Math.Min(n, buffer.Length - 1));
        }
    }

    /// <summary>Copy-out view of a tensor's elements, as returned by <see cref="Tensor.data{T}"/>.</summary>
    public readonly struct TensorData<T> where T : unmanaged
    {
        private readonly Tensor _tensor;

        internal TensorData(Tensor tensor) => _tensor = tensor;

        public long Count => _tensor.numel();

        public T[] ToArray() => _tensor.ToArray<T>();

        public void CopyTo(Span<T> destination) => _tensor.CopyTo(destination);
    }
}
