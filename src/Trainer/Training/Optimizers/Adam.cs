using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RbpPipeline.Trainer.Training.Optimizers;

public static partial class ScalarSafe
{
    /// <summary>
    /// TorchSharp's <see cref="TorchSharp.Modules.Adam"/> (same state, options and saved bytes) whose step keeps every
    /// <see cref="Scalar"/> it passes to libtorch alive until the call returns. TorchSharp 0.107's own step converts
    /// β₁, 1 − β₁, ε, the step size, … to Scalars implicitly and leaves them to their finalizers; it hands libtorch the raw
    /// handle and keeps no reference, so a garbage collection started by any other thread during the call can free the
    /// c10::Scalar while libtorch reads it ("Unknown scalar type." in Adam.step). The update
    /// is TorchSharp's, operation for operation, so the weights are bit-identical to it. Only TorchSharp overloads that take
    /// every Scalar as an argument are called: the shorter ones (<c>add_(Scalar)</c>, <c>addcdiv_(Tensor, Tensor)</c>, …)
    /// create a hidden implicit alpha or value of 1 with the same flaw.
    /// </summary>
    public sealed class Adam(IEnumerable<Parameter> parameters, double lr, double beta1 = 0.9, double beta2 = 0.999, double weightDecay = 0)
        : TorchSharp.Modules.Adam(parameters, lr, beta1, beta2, weight_decay: weightDecay)
    {
        public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
        {
            var options = group.Options;
            if (options.amsgrad!.Value || options.maximize!.Value)
                throw new NotSupportedException("ScalarSafe.Adam takes plain Adam steps (no amsgrad, no maximize)");
            var beta1 = options.beta1!.Value;
            var beta2 = options.beta2!.Value;
            var weightDecay = options.weight_decay!.Value;
            var lr = options.LearningRate!.Value;
            using var b1 = beta1.ToScalar();
            using var oneMinusB1 = (1 - beta1).ToScalar();
            using var b2 = beta2.ToScalar();
            using var oneMinusB2 = (1 - beta2).ToScalar();
            using var eps = options.eps!.Value.ToScalar();
            using var one = 1.0.ToScalar();
            using var decay = weightDecay.ToScalar();
            foreach (var param in group.Parameters)
            {
                var state = (State)_state[param.Handle];
                var grad = param.grad;
                if (grad is null) continue;
                state.step += 1;
                var biasCorrection1 = 1 - Math.Pow(beta1, state.step);
                var biasCorrection2 = 1 - Math.Pow(beta2, state.step);
                if (weightDecay != 0) grad = grad.add(param, decay);
                state.exp_avg.mul_(b1).add_(grad, oneMinusB1);
                state.exp_avg_sq.mul_(b2).addcmul_(grad, grad.conj(), oneMinusB2);
                using var root = Math.Sqrt(biasCorrection2).ToScalar();
                var denominator = state.exp_avg_sq.sqrt().div(root).add_(eps, one);
                using var stepSize = (-(lr / biasCorrection1)).ToScalar();
                param.addcdiv_(state.exp_avg, denominator, stepSize);
            }
        }, closure);
    }
}
