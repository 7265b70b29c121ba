using System.Runtime.InteropServices;

namespace RbpPipeline.Torch.Native;

/// <summary>
/// Owns one native <c>at::Tensor*</c>. Passing it to a P/Invoke adds a reference for the call's duration, so a
/// concurrent Dispose cannot free the tensor under a running op; the finalizer is only a safety net.
/// </summary>
internal sealed class TensorHandle : SafeHandle
{
    /// <summary>Stands for "no tensor" in optional arguments (bias, weight); never released.</summary>
    public static readonly TensorHandle Null = new(IntPtr.Zero, ownsHandle: false);

    public TensorHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    public TensorHandle(IntPtr handle, bool ownsHandle = true) : base(IntPtr.Zero, ownsHandle) => SetHandle(handle);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        NativeMethods.rbp_tensor_free(handle);
        return true;
    }
}
