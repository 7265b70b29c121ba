using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RbpPipeline.Trainer.Training.Optimizers;

public static partial class ScalarSafe
{
    /// <summary>
    /// TorchSharp's <see cref="TorchSharp.Modules.SGD"/> (same state, options and saved bytes) whose step keeps every <see cref="Scalar"/>
    /// it passes to libtorch alive until the call returns (why: <see cref="Adam"/>). The update is
    /// TorchSharp's, operation for operation.
    /// </summary>
    public sealed class SGD(IEnumerable<Parameter> parameters, double lr, double momentum = 0, double weightDecay = 0)
        : TorchSharp.Modules.SGD(parameters, lr, momentum: momentum, weight_decay: weightDecay)
    {
        public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
        {
            var options = group.Options;
            if (options.nesterov!.Value || options.maximize!.Value)
                throw new NotSupportedException("ScalarSafe.SGD takes plain SGD steps (no nesterov, no maximize)");
            var momentum = options.momentum!.Value;
            var weightDecay = options.weight_decay!.Value;
            using var m = momentum.ToScalar();
            using var oneMinusDampening = (1 - options.dampening!.Value).ToScalar();
            using var decay = weightDecay.ToScalar();
            using var minusLr = (-options.LearningRate!.Value).ToScalar();
            foreach (var param in group.Parameters)
            {
                var state = (State)_state[param.Handle];
                var grad = param.grad;
                if (grad is null) continue;
                if (weightDecay != 0) grad = grad.add(param, decay);
                if (momentum != 0)
                {
                    if (state.momentum_buffer is null)
                        state.momentum_buffer = grad.clone().detach().DetachFromDisposeScope();
                    else
                        state.momentum_buffer.mul_(m).add_(grad, oneMinusDampening);
                    grad = state.momentum_buffer;
                }
                param.add_(grad, minusLr);
            }
        }, closure);
    }
}
