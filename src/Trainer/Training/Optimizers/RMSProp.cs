using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RbpPipeline.Trainer.Training.Optimizers;

public static partial class ScalarSafe
{
    /// <summary>
    /// TorchSharp's <see cref="TorchSharp.Modules.RMSProp"/> (same state, options and saved bytes) whose step keeps every
    /// <see cref="Scalar"/> it passes to libtorch alive until the call returns (why: <see cref="Adam"/>). The
    /// update is TorchSharp's, operation for operation.
    /// </summary>
    public sealed class RMSProp(IEnumerable<Parameter> parameters, double lr, double weightDecay = 0, double momentum = 0)
        : TorchSharp.Modules.RMSProp(parameters, lr, weight_decay: weightDecay, momentum: momentum)
    {
        public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
        {
            var options = group.Options;
            if (options.centered!.Value || options.maximize!.Value)
                throw new NotSupportedException("ScalarSafe.RMSProp takes plain RMSProp steps (not centered, no maximize)");
            var alpha = options.alpha!.Value;
            var weightDecay = options.weight_decay!.Value;
            var momentum = options.momentum!.Value;
            using var a = alpha.ToScalar();
            using var oneMinusA = (1 - alpha).ToScalar();
            using var eps = options.eps!.Value.ToScalar();
            using var one = 1.0.ToScalar();
            using var decay = weightDecay.ToScalar();
            using var m = momentum.ToScalar();
            using var minusLr = (-options.LearningRate!.Value).ToScalar();
            foreach (var param in group.Parameters)
            {
                var state = (State)_state[param.Handle];
                var grad = param.grad;
                if (grad is null) continue;
                state.step += 1;
                if (weightDecay != 0) grad = grad.add(param, decay);
                state.square_avg.mul_(a).addcmul_(grad, grad, oneMinusA);
                var average = state.square_avg.sqrt().add_(eps, one);
                if (momentum > 0)
                {
                    state.momentum_buffer.mul_(m).addcdiv_(grad, average, one);
                    param.add_(state.momentum_buffer, minusLr);
                }
                else
                {
                    param.addcdiv_(grad, average, minusLr);
                }
            }
        }, closure);
    }
}
