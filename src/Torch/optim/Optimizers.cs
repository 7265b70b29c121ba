using RbpPipeline.Torch.Native;
using static RbpPipeline.Torch.torch;

namespace RbpPipeline.Torch.Modules;

/// <summary>Adam (PyTorch 1.13's single-tensor algorithm; weight decay added to the gradient, L2 style).</summary>
public sealed class Adam : optim.Optimizer
{
    private readonly Tensor[] _expAvg, _expAvgSq;
    private readonly Tensor[]? _maxExpAvgSq;

    internal Adam(IEnumerable<Parameter> parameters, double lr, double beta1, double beta2, double eps, double weightDecay,
        bool amsgrad, bool maximize) : base(parameters, lr)
    {
        if (beta1 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta1), $"invalid beta1 {beta1}");
        if (beta2 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta2), $"invalid beta2 {beta2}");
        if (eps < 0) throw new ArgumentOutOfRangeException(nameof(eps), $"invalid epsilon {eps}");
        if (weightDecay < 0) throw new ArgumentOutOfRangeException(nameof(weightDecay), $"invalid weight_decay {weightDecay}");
        (this.beta1, this.beta2, this.eps, weight_decay, this.amsgrad, this.maximize) = (beta1, beta2, eps, weightDecay, amsgrad, maximize);
        _expAvg = AddState("exp_avg");
        _expAvgSq = AddState("exp_avg_sq");
        if (amsgrad) _maxExpAvgSq = AddState("max_exp_avg_sq");
    }

    public double beta1 { get; }
    public double beta2 { get; }
    public double eps { get; }
    public double weight_decay { get; }
    public bool amsgrad { get; }
    public bool maximize { get; }

    private protected override unsafe void Step()
    {
        using var p = new HandleArray(Parameters);
        using var m = new HandleArray(_expAvg);
        using var v = new HandleArray(_expAvgSq);
        using var vmax = new HandleArray(_maxExpAvgSq ?? new Tensor?[Parameters.Length]);
        fixed (IntPtr* pp = p.Pointers, mp = m.Pointers, vp = v.Pointers, xp = vmax.Pointers)
        fixed (long* sp = Steps)
            Interop.Check(NativeMethods.rbp_adam_step(pp, mp, vp, xp, sp, Parameters.Length, LearningRate, beta1, beta2,
                eps, weight_decay, amsgrad ? 1 : 0, maximize ? 1 : 0));
    }
}

/// <summary>RMSprop (PyTorch 1.13's algorithm, optionally centered and with momentum).</summary>
public sealed class RMSProp : optim.Optimizer
{
    private readonly Tensor[] _squareAvg;
    private readonly Tensor[]? _gradAvg, _momentumBuffer;

    internal RMSProp(IEnumerable<Parameter> parameters, double lr, double alpha, double eps, double weightDecay,
        double momentum, bool centered, bool maximize) : base(parameters, lr)
    {
        if (alpha < 0) throw new ArgumentOutOfRangeException(nameof(alpha), $"invalid alpha {alpha}");
        if (eps < 0) throw new ArgumentOutOfRangeException(nameof(eps), $"invalid epsilon {eps}");
        if (momentum < 0) throw new ArgumentOutOfRangeException(nameof(momentum), $"invalid momentum {momentum}");
        (this.alpha, this.eps, weight_decay, this.momentum, this.centered, this.maximize) = (alpha, eps, weightDecay, momentum, centered, maximize);
        _squareAvg = AddState("square_avg");
        if (momentum > 0) _momentumBuffer = AddState("momentum_buffer");
        if (centered) _gradAvg = AddState("grad_avg");
    }

    public double alpha { get; }
    public double eps { get; }
    public double weight_decay { get; }
    public double momentum { get; }
    public bool centered { get; }
    public bool maximize { get; }

    private protected override unsafe void Step()
    {
        using var p = new HandleArray(Parameters);
        using var sq = new HandleArray(_squareAvg);
        using var ga = new HandleArray(_gradAvg ?? new Tensor?[Parameters.Length]);
        using var mb = new HandleArray(_momentumBuffer ?? new Tensor?[Parameters.Length]);
        fixed (IntPtr* pp = p.Pointers, sp = sq.Pointers, gp = ga.Pointers, mp = mb.Pointers)
        fixed (long* st = Steps)
            Interop.Check(NativeMethods.rbp_rmsprop_step(pp, sp, gp, mp, st, Parameters.Length, LearningRate, alpha, eps,
                weight_decay, momentum, centered ? 1 : 0, maximize ? 1 : 0));
    }
}

/// <summary>SGD with optional momentum, dampening, Nesterov and weight decay (PyTorch 1.13's algorithm).</summary>
public sealed class SGD : optim.Optimizer
{
    private readonly Tensor[]? _momentumBuffer;

    internal SGD(IEnumerable<Parameter> parameters, double lr, double momentum, double dampening, double weightDecay,
        bool nesterov, bool maximize) : base(parameters, lr)
    {
        if (momentum < 0) throw new ArgumentOutOfRangeException(nameof(momentum), $"invalid momentum {momentum}");
        if (nesterov && (momentum <= 0 || dampening != 0))
            throw new ArgumentException("Nesterov momentum requires a momentum and zero dampening");
        (this.momentum, this.dampening, weight_decay, this.nesterov, this.maximize) = (momentum, dampening, weightDecay, nesterov, maximize);
        if (momentum != 0) _momentumBuffer = AddState("momentum_buffer");
    }

    public double momentum { get; }
    public double dampening { get; }
    public double weight_decay { get; }
    public bool nesterov { get; }
    public bool maximize { get; }

    private protected override unsafe void Step()
    {
        using var p = new HandleArray(Parameters);
        using var mb = new HandleArray(_momentumBuffer ?? new Tensor?[Parameters.Length]);
        fixed (IntPtr* pp = p.Pointers, mp = mb.Pointers)
        fixed (long* st = Steps)
            Interop.Check(NativeMethods.rbp_sgd_step(pp, mp, st, Parameters.Length, LearningRate, momentum, dampening,
                weight_decay, nesterov ? 1 : 0, maximize ? 1 : 0));
    }
}
