using RbpPipeline.Torch.Modules;

namespace RbpPipeline.Torch;

public static partial class torch
{
    public static partial class optim
    {
        /// <summary>A learning rate and the parameters it applies to (TorchSharp's ParamGroup, one per optimiser here).</summary>
        public sealed class ParamGroup
        {
            internal ParamGroup(IReadOnlyList<Parameter> parameters, double lr)
            {
                Parameters = parameters;
                LearningRate = lr;
            }

            public IReadOnlyList<Parameter> Parameters { get; }

            public double LearningRate { get; set; }
        }

        /// <summary>
        /// Base of the optimisers: one native call per step for all parameters. State (moment estimates, step counts,
        /// learning rate) round-trips exactly through <see cref="state_dict"/> / <see cref="load_state_dict"/> as
        /// named tensors, e.g. into a safetensors file beside the model's.
        /// </summary>
        public abstract class Optimizer : IDisposable
        {
            private readonly ParamGroup _group;
            private protected readonly Parameter[] Parameters;
            private protected readonly long[] Steps;
            private readonly List<(string Name, Tensor[] Tensors)> _state = new();

            private protected Optimizer(IEnumerable<Parameter> parameters, double lr)
            {
                if (lr < 0) throw new ArgumentOutOfRangeException(nameof(lr), $"invalid learning rate {lr}");
                Parameters = parameters.ToArray();
                if (Parameters.Length == 0) throw new ArgumentException("optimizer got an empty parameter list");
                Steps = new long[Parameters.Length];
                _group = new ParamGroup(Parameters, lr);
            }

            public IEnumerable<ParamGroup> ParamGroups => [_group];

            /// <summary>The learning rate (of the single parameter group).</summary>
            public double LearningRate
            {
                get => _group.LearningRate;
                set => _group.LearningRate = value;
            }

            /// <summary>Per-parameter state tensors (zeros like each parameter, owned by the optimiser).</summary>
            private protected Tensor[] AddState(string name)
            {
                var tensors = Parameters.Select(p =>
                {
                    using (no_grad()) return zeros_like(p).DetachFromDisposeScope();
                }).ToArray();
                _state.Add((name, tensors));
                return tensors;
            }

            /// <summary>Applies one update to every parameter that has a gradient; returns the closure's loss if given.</summary>
            public Tensor? step(Func<Tensor>? closure = null)
            {
                Tensor? loss = null;
                if (closure is not null)
                    using (enable_grad()) loss = closure();
                Step();
                return loss;
            }

            private protected abstract void Step();

            public void zero_grad(bool set_to_none = true)
            {
                foreach (var p in Parameters)
                    if (set_to_none) p.grad = null;
                    else p.ZeroGrad();
            }

            /// <summary>
            /// "state.{i}.{name}" per parameter index i (tensors are new handles on the live state: dispose them
            /// freely), "state.{i}.step" (int64) and "param_groups.0.lr" (float64).
            /// </summary>
            public Dictionary<string, Tensor> state_dict()
            {
                var result = new Dictionary<string, Tensor>();
                for (var i = 0; i < Parameters.Length; i++)
                {
                    foreach (var (name, tensors) in _state) result[$"state.{i}.{name}"] = tensors[i].Alias();
                    result[$"state.{i}.step"] = tensor(Steps[i]);
                }
                result["param_groups.0.lr"] = tensor(LearningRate);
                return result;
            }

            /// <summary>Restores what <see cref="state_dict"/> produced (for the same parameter list).</summary>
            public void load_state_dict(IReadOnlyDictionary<string, Tensor> state)
            {
                Tensor Get(string key) => state.TryGetValue(key, out var t) ? t
                    : throw new ArgumentException($"optimizer state lacks '{key}'");
                using (no_grad())
                    for (var i = 0; i < Parameters.Length; i++)
                    {
                        foreach (var (name, tensors) in _state)
                        {
                            var source = Get($"state.{i}.{name}");
                            if (!source.shape.SequenceEqual(tensors[i].shape))
                                throw new ArgumentException(
                                    $"optimizer state 'state.{i}.{name}' has shape [{string.Join(", ", source.shape)}], parameter {i} has [{string.Join(", ", tensors[i].shape)}]");
                            tensors[i].copy_(source);
                        }
                        Steps[i] = Get($"state.{i}.step").item<long>();
                    }
                LearningRate = Get("param_groups.0.lr").item<double>();
            }

            public void Dispose()
            {
                foreach (var (_, tensors) in _state)
                    foreach (var t in tensors) t.Dispose();
                GC.SuppressFinalize(this);
            }
        }

        public static Adam Adam(IEnumerable<Parameter> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
            double eps = 1e-8, double weight_decay = 0, bool amsgrad = false, bool maximize = false) =>
            new(parameters, lr, beta1, beta2, eps, weight_decay, amsgrad, maximize);

        public static RMSProp RMSProp(IEnumerable<Parameter> parameters, double lr = 0.01, double alpha = 0.99,
            double eps = 1e-8, double weight_decay = 0, double momentum = 0, bool centered = false, bool maximize = false) =>
            new(parameters, lr, alpha, eps, weight_decay, momentum, centered, maximize);

        public static SGD SGD(IEnumerable<Parameter> parameters, double learningRate, double momentum = 0, double dampening = 0,
            double weight_decay = 0, bool nesterov = false, bool maximize = false) =>
            new(parameters, learningRate, momentum, dampening, weight_decay, nesterov, maximize);
    }
}
