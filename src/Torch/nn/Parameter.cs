using RbpPipeline.Torch.Native;

namespace RbpPipeline.Torch.Modules;

/// <summary>
/// A trainable tensor, as TorchSharp's <c>Parameter</c>: a leaf that requires grad. The constructor takes
/// <paramref name="data"/> over (it is disposed) and keeps the parameter out of any dispose scope: the owning
/// module frees it.
/// </summary>
public sealed class Parameter : torch.Tensor
{
    public Parameter(torch.Tensor data, bool requires_grad = true) : base(Detached(data))
    {
        DetachFromDisposeScope();
        this.requires_grad = requires_grad;
    }

    private static IntPtr Detached(torch.Tensor data)
    {
        // A detached alias is a leaf even when data came out of an op with history; data itself is consumed.
        var h = Interop.Check(NativeMethods.rbp_unary((int)UnaryOp.Detach, data.Handle));
        data.Dispose();
        return h;
    }

    internal void ZeroGrad() => Interop.Check(NativeMethods.rbp_tensor_zero_grad(Handle));
}
