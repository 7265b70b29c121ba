using System.Runtime.InteropServices;

namespace RbpPipeline.Torch.Native;

/// <summary>Error checking and handle plumbing shared by every wrapper.</summary>
internal static class Interop
{
    public static TorchException LastError(string fallback)
    {
        var p = NativeMethods.rbp_last_error();
        return new TorchException(p == IntPtr.Zero ? fallback : Marshal.PtrToStringUTF8(p) ?? fallback);
    }

    public static IntPtr Check(IntPtr result)
    {
        if (result == IntPtr.Zero) throw LastError("libtorch returned no tensor");
        return result;
    }

    public static int Check(int status)
    {
        if (status < 0) throw LastError("libtorch call failed");
        return status;
    }

    /// <summary>
    /// Null when the native call legitimately returned no tensor (e.g. no gradient yet); throws if it failed.
    /// </summary>
    public static IntPtr CheckOptional(IntPtr result)
    {
        if (result != IntPtr.Zero) return result;
        var p = NativeMethods.rbp_last_error();
        if (p != IntPtr.Zero) throw new TorchException(Marshal.PtrToStringUTF8(p) ?? "libtorch call failed");
        return IntPtr.Zero;
    }
}

/// <summary>
/// Raw pointers of several tensors for one native call (cat, optimiser steps, RNN weights). Holds a reference on
/// every handle until disposed, as the marshaller does for single SafeHandle arguments.
/// </summary>
internal ref struct HandleArray
{
    private readonly TensorHandle?[] _handles;
    private readonly int _count;
    public readonly IntPtr[] Pointers;

    public HandleArray(IReadOnlyList<torch.Tensor?> tensors)
    {
        _count = tensors.Count;
        _handles = new TensorHandle?[_count];
        Pointers = new IntPtr[_count];
        try
        {
            for (var i = 0; i < _count; i++)
            {
                var t = tensors[i];
                if (t is null) continue;
                var h = t.Handle;
                var added = false;
                h.DangerousAddRef(ref added);
                _handles[i] = h;
                Pointers[i] = h.DangerousGetHandle();
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public readonly void Dispose()
    {
        foreach (var h in _handles) h?.DangerousRelease();
    }
}
