using System.Runtime.InteropServices;
using RbpPipeline.Torch.Native;

namespace RbpPipeline.Torch;

/// <summary>
/// Entry point shaped like TorchSharp's <c>torch</c>: factories, tensor functions, runtime settings, and the
/// nested <c>nn</c>, <c>optim</c> and <c>cuda</c> namespaces-as-classes.
/// </summary>
public static partial class torch
{
    // ---- factories ---------------------------------------------------------------------------------------------

    private static unsafe Tensor Create<T>(ReadOnlySpan<T> data, ReadOnlySpan<long> dimensions, ScalarType? dtype,
        Device? device, bool requires_grad) where T : unmanaged
    {
        var native = ScalarTypeOf<T>();
        var target = device ?? CPU;
        var convert = dtype is { } d && d != native;
        Tensor result;
        fixed (T* p = data)
        fixed (long* s = dimensions)
        {
            result = Tensor.Wrap(NativeMethods.rbp_tensor_from_data(p, (long)data.Length * sizeof(T), s, dimensions.Length,
                (int)native, (int)target.type, target.index, requires_grad && !convert ? 1 : 0));
        }
        if (!convert) return result;
        using (result)
        {
            var converted = result.to(dtype!.Value);
            if (requires_grad) converted.requires_grad = true;
            return converted;
        }
    }

    /// <summary>A tensor with a copy of <paramref name="data"/> (row-major) and the given shape.</summary>
    public static Tensor tensor(ReadOnlySpan<float> data, ReadOnlySpan<long> dimensions, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        Create(data, dimensions, dtype, device, requires_grad);

    public static Tensor tensor(ReadOnlySpan<double> data, ReadOnlySpan<long> dimensions, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        Create(data, dimensions, dtype, device, requires_grad);

    public static Tensor tensor(ReadOnlySpan<long> data, ReadOnlySpan<long> dimensions, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        Create(data, dimensions, dtype, device, requires_grad);

    public static Tensor tensor(ReadOnlySpan<int> data, ReadOnlySpan<long> dimensions, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        Create(data, dimensions, dtype, device, requires_grad);

    public static Tensor tensor(ReadOnlySpan<bool> data, ReadOnlySpan<long> dimensions, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        Create(data, dimensions, dtype, device, requires_grad);

    public static Tensor tensor(ReadOnlySpan<byte> data, ReadOnlySpan<long> dimensions, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        Create(data, dimensions, dtype, device, requires_grad);

    /// <summary>A 1-D tensor with a copy of <paramref name="data"/>.</summary>
    public static Tensor tensor(float[] data, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        Create<float>(data, [data.Length], dtype, device, requires_grad);

    public static Tensor tensor(double[] data, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        Create<double>(data, [data.Length], dtype, device, requires_grad);

    public static Tensor tensor(long[] data, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        Create<long>(data, [data.Length], dtype, device, requires_grad);

    public static Tensor tensor(int[] data, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        Create<int>(data, [data.Length], dtype, device, requires_grad);

    public static Tensor tensor(bool[] data, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        Create<bool>(data, [data.Length], dtype, device, requires_grad);

    /// <summary>A 0-D tensor.</summary>
    public static Tensor tensor(float value, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        Create<float>([value], [], dtype, device, requires_grad);

    public static Tensor tensor(double value, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        Create<double>([value], [], dtype, device, requires_grad);

    public static Tensor tensor(long value, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        Create<long>([value], [], dtype, device, requires_grad);

    public static Tensor tensor(bool value, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        Create<bool>([value], [], dtype, device, requires_grad);

    private static unsafe Tensor Factory(FactoryOp op, ReadOnlySpan<long> size, ScalarType? dtype, Device? device,
        bool requires_grad, double a = 0, double b = 0, double c = 0, ScalarType defaultType = ScalarType.Float32)
    {
        var d = device ?? CPU;
        fixed (long* s = size)
            return Tensor.Wrap(NativeMethods.rbp_tensor_factory((int)op, s, size.Length, (int)(dtype ?? defaultType),
                (int)d.type, d.index, requires_grad ? 1 : 0, a, b, c));
    }

    public static Tensor empty(ReadOnlySpan<long> size, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        Factory(FactoryOp.Empty, size, dtype, device, requires_grad);

    public static Tensor zeros(ReadOnlySpan<long> size, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        Factory(FactoryOp.Zeros, size, dtype, device, requires_grad);

    public static Tensor ones(ReadOnlySpan<long> size, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        Factory(FactoryOp.Ones, size, dtype, device, requires_grad);

    public static Tensor full(ReadOnlySpan<long> size, Scalar value, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        Factory(FactoryOp.Full, size, dtype, device, requires_grad, value.ToDouble(),
            defaultType: value.Kind switch { 1 => ScalarType.Int64, 2 => ScalarType.Bool, _ => ScalarType.Float32 });

    /// <summary>Uniform samples in [0, 1).</summary>
    public static Tensor rand(ReadOnlySpan<long> size, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        Factory(FactoryOp.Rand, size, dtype, device, requires_grad);

    /// <summary>Standard normal samples.</summary>
    public static Tensor randn(ReadOnlySpan<long> size, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        Factory(FactoryOp.Randn, size, dtype, device, requires_grad);

    /// <summary>Integers uniform in [low, high), int64 by default.</summary>
    public static Tensor randint(long low, long high, ReadOnlySpan<long> size, ScalarType? dtype = null, Device? device = null) =>
        Factory(FactoryOp.RandInt, size, dtype, device, false, low, high, defaultType: ScalarType.Int64);

    public static Tensor randint(long high, ReadOnlySpan<long> size, ScalarType? dtype = null, Device? device = null) =>
        randint(0, high, size, dtype, device);

    /// <summary>start, start+step, ... below stop; int64 when all three are integers (as PyTorch), else float32.</summary>
    public static Tensor arange(Scalar start, Scalar stop, Scalar step, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        Factory(FactoryOp.Arange, [], dtype, device, requires_grad, start.ToDouble(), stop.ToDouble(), step.ToDouble(),
            start.IsIntegral && stop.IsIntegral && step.IsIntegral ? ScalarType.Int64 : ScalarType.Float32);

    public static Tensor arange(Scalar start, Scalar stop, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        arange(start, stop, 1, dtype, device, requires_grad);

    public static Tensor arange(Scalar stop, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        arange(0, stop, 1, dtype, device, requires_grad);

    public static Tensor linspace(double start, double end, long steps, ScalarType? dtype = null, Device? device = null) =>
        Factory(FactoryOp.Linspace, [], dtype, device, false, start, end, steps);

    public static Tensor eye(long n, ScalarType? dtype = null, Device? device = null) =>
        Factory(FactoryOp.Eye, [], dtype, device, false, n);

    private static Tensor Like(LikeOp op, Tensor t, double value = 0) =>
        Tensor.Wrap(NativeMethods.rbp_tensor_like((int)op, t.Handle, value));

    public static Tensor zeros_like(Tensor t) => Like(LikeOp.Zeros, t);
    public static Tensor ones_like(Tensor t) => Like(LikeOp.Ones, t);
    public static Tensor rand_like(Tensor t) => Like(LikeOp.Rand, t);
    public static Tensor randn_like(Tensor t) => Like(LikeOp.Randn, t);
    public static Tensor empty_like(Tensor t) => Like(LikeOp.Empty, t);
    public static Tensor full_like(Tensor t, Scalar value) => Like(LikeOp.Full, t, value.ToDouble());

    // ---- functions over several tensors ---------------------------------------------------------------------

    private static unsafe Tensor Concatenate(int op, IReadOnlyList<Tensor> tensors, long dim)
    {
        using var handles = new HandleArray(tensors);
        fixed (IntPtr* p = handles.Pointers)
            return Tensor.Wrap(NativeMethods.rbp_cat(op, p, tensors.Count, dim));
    }

    public static Tensor cat(IReadOnlyList<Tensor> tensors, long dim = 0) => Concatenate(0, tensors, dim);

    public static Tensor stack(IReadOnlyList<Tensor> tensors, long dim = 0) => Concatenate(1, tensors, dim);

    public static Tensor where(Tensor condition, Tensor x, Tensor y) =>
        Tensor.Wrap(NativeMethods.rbp_where(condition.Handle, x.Handle, y.Handle));

    public static Tensor matmul(Tensor a, Tensor b) => a.matmul(b);
    public static Tensor exp(Tensor t) => t.exp();
    public static Tensor log(Tensor t) => t.log();
    public static Tensor sigmoid(Tensor t) => t.sigmoid();
    public static Tensor tanh(Tensor t) => t.tanh();
    public static Tensor relu(Tensor t) => t.relu();
    public static Tensor sqrt(Tensor t) => t.sqrt();
    public static Tensor abs(Tensor t) => t.abs();
    public static Tensor pow(Tensor t, Scalar exponent) => t.pow(exponent);
    public static Tensor clamp(Tensor t, Scalar? min = null, Scalar? max = null) => t.clamp(min, max);
    public static Tensor maximum(Tensor a, Tensor b) => a.maximum(b);
    public static Tensor minimum(Tensor a, Tensor b) => a.minimum(b);
    public static Tensor sum(Tensor t) => t.sum();
    public static Tensor mean(Tensor t) => t.mean();
    public static Tensor flatten(Tensor t, long start_dim = 0, long end_dim = -1) => t.flatten(start_dim, end_dim);
    public static Tensor softmax(Tensor t, long dim) => t.softmax(dim);
    public static bool equal(Tensor a, Tensor b) => a.equal(b);
    public static bool allclose(Tensor a, Tensor b, double rtol = 1e-05, double atol = 1e-08) => a.allclose(b, rtol, atol);

    // ---- memory -------------------------------------------------------------------------------------------

    /// <summary>
    /// Opens a dispose scope on this thread: tensors created until it is disposed are disposed with it, except
    /// those moved out (<see cref="Tensor.MoveToOuterDisposeScope"/>) or detached.
    /// </summary>
    public static DisposeScope NewDisposeScope() => DisposeScope.Open();

    // ---- autograd mode ------------------------------------------------------------------------------------

    /// <summary>
    /// Disables gradient recording until disposed. libtorch's grad mode is per thread: do not let the scope span
    /// an await (disposing it on another thread throws).
    /// </summary>
    public static GradModeScope no_grad() => new(false);

    public static GradModeScope enable_grad() => new(true);

    public static GradModeScope set_grad_enabled(bool enabled) => new(enabled);

    public static bool is_grad_enabled() => NativeMethods.rbp_grad_enabled() != 0;

    /// <summary>Sets the thread's grad mode and restores the previous one on Dispose (same thread only).</summary>
    public sealed class GradModeScope : IDisposable
    {
        private readonly bool _previous;
        private readonly int _threadId = Environment.CurrentManagedThreadId;
        private bool _disposed;

        internal GradModeScope(bool enabled)
        {
            _previous = NativeMethods.rbp_grad_enabled() != 0;
            NativeMethods.rbp_set_grad_enabled(enabled ? 1 : 0);
        }

        public void Dispose()
        {
            if (_disposed) return;
            if (Environment.CurrentManagedThreadId != _threadId)
                throw new InvalidOperationException(
                    "a grad-mode scope (torch.no_grad) was disposed on another thread than the one that opened it: libtorch's grad mode is per thread, so the scope must not span an await");
            _disposed = true;
            NativeMethods.rbp_set_grad_enabled(_previous ? 1 : 0);
        }
    }

    // ---- runtime ------------------------------------------------------------------------------------------

    /// <summary>Seeds the CPU generator and every CUDA device's.</summary>
    public static void manual_seed(long seed) => Interop.Check(NativeMethods.rbp_manual_seed(unchecked((ulong)seed)));

    public static void random_seed(long seed) => manual_seed(seed);

    /// <summary>
    /// Makes libtorch pick deterministic algorithms (and cuDNN deterministic, no benchmarking); with
    /// <paramref name="warn_only"/> false, an op without a deterministic implementation throws.
    /// </summary>
    public static void use_deterministic_algorithms(bool mode = true, bool warn_only = false) =>
        Interop.Check(NativeMethods.rbp_set_deterministic(mode ? 1 : 0, warn_only ? 1 : 0));

    /// <summary>Intra-op threads. The binding starts with all cores (or RBP_TORCH_THREADS).</summary>
    public static void set_num_threads(int threads)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), "at least one thread");
        NativeMethods.rbp_set_num_threads(threads);
    }

    public static int get_num_threads() => NativeMethods.rbp_get_num_threads();

    /// <summary>The CPU generator's state (uint8 tensor), to restore with <see cref="set_rng_state"/>.</summary>
    public static Tensor get_rng_state() => Tensor.Wrap(NativeMethods.rbp_get_rng_state());

    public static void set_rng_state(Tensor state) => Interop.Check(NativeMethods.rbp_set_rng_state(state.Handle));

    /// <summary>The libtorch version the shim was compiled against.</summary>
    public static string __version__ => Marshal.PtrToStringUTF8(NativeMethods.rbp_version()) ?? "";

    public static class cuda
    {
        /// <summary>True when libtorch was built with CUDA and sees at least one GPU.</summary>
        public static bool is_available() => device_count() > 0;

        public static int device_count() => Math.Max(0, NativeMethods.rbp_cuda_device_count());

        /// <summary>True when the libtorch the shim runs on has CUDA support compiled in (GPU present or not).</summary>
        public static bool is_built() => NativeMethods.rbp_cuda_is_built() != 0;

        /// <summary>Waits for the device's queued work (timing); a no-op without CUDA.</summary>
        public static void synchronize(int device = 0) => Interop.Check(NativeMethods.rbp_cuda_synchronize(device));

        public static void manual_seed_all(long seed) => manual_seed(seed);
    }
}
