namespace RbpPipeline.Torch;

/// <summary>
/// Collects every tensor created on this thread while it is the innermost open scope and disposes them with it,
/// as TorchSharp's <c>torch.NewDisposeScope()</c>. Training loops must free tensors deterministically: native
/// memory is invisible to the GC, so finalizers alone let a process grow by tens of MB per step.
/// </summary>
public sealed class DisposeScope : IDisposable
{
    [ThreadStatic] private static List<DisposeScope>? _stack;

    private readonly List<torch.Tensor> _tensors = new();
    private readonly List<DisposeScope> _owner;
    private bool _disposed;

    private DisposeScope(List<DisposeScope> owner) => _owner = owner;

    internal static DisposeScope Open()
    {
        var stack = _stack ??= new List<DisposeScope>();
        var scope = new DisposeScope(stack);
        stack.Add(scope);
        return scope;
    }

    internal static DisposeScope? Current => _stack is { Count: > 0 } s ? s[^1] : null;

    /// <summary>The scope that receives tensors moved out of this one (null for the outermost scope).</summary>
    public DisposeScope? OuterScope
    {
        get
        {
            var i = _owner.IndexOf(this);
            return i > 0 ? _owner[i - 1] : null;
        }
    }

    /// <summary>How many tensors this scope would dispose now.</summary>
    public int DisposablesCount => _tensors.Count(t => t.OwningScope == this && !t.IsInvalid);

    internal void Add(torch.Tensor t)
    {
        t.OwningScope = this;
        _tensors.Add(t);
    }

    /// <summary>Hands the tensor to the enclosing scope (or to nobody, at the outermost level).</summary>
    public T MoveToOuter<T>(T tensor) where T : torch.Tensor
    {
        if (tensor.OwningScope != this) return tensor;
        var outer = OuterScope;
        tensor.OwningScope = null;
        outer?.Add(tensor);
        return tensor;
    }

    public (T1, T2) MoveToOuter<T1, T2>(T1 a, T2 b) where T1 : torch.Tensor where T2 : torch.Tensor =>
        (MoveToOuter(a), MoveToOuter(b));

    /// <summary>Takes the tensor out of every scope: the caller disposes it.</summary>
    public T Detach<T>(T tensor) where T : torch.Tensor
    {
        if (tensor.OwningScope == this) tensor.OwningScope = null;
        return tensor;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        // Tensors moved or detached since registration point elsewhere now; only this scope's own are freed.
        foreach (var t in _tensors)
            if (t.OwningScope == this)
            {
                t.OwningScope = null;
                t.Dispose();
            }
        _tensors.Clear();
        // Normally the innermost scope; removing by identity also copes with out-of-order disposal.
        _owner.Remove(this);
    }
}
