using System.Reflection;
using RbpPipeline.Torch.Modules;

namespace RbpPipeline.Torch;

public static partial class torch
{
    public static partial class nn
    {
        /// <summary>
        /// Base of all layers, as TorchSharp's <c>torch.nn.Module</c>: owns named parameters, buffers and child
        /// modules; names compose with dots ("res.0.bn.running_mean") in PyTorch's order (own parameters, own
        /// buffers, then children in registration order).
        /// </summary>
        public abstract class Module : IDisposable
        {
            private readonly List<(string Name, Parameter? Value)> _parameters = new();
            private readonly List<(string Name, Tensor? Value, bool Persistent)> _buffers = new();
            private readonly List<(string Name, Module Value)> _modules = new();

            protected Module(string name) => this.name = name;

            /// <summary>The layer's type name ("Conv1d"), for messages.</summary>
            public string name { get; }

            public bool training { get; private set; } = true;

            // ---- registration ----------------------------------------------------------------------------

            public void register_parameter(string name, Parameter? parameter)
            {
                CheckName(name);
                parameter?.DetachFromDisposeScope();
                Replace(_parameters, name, (name, parameter));
            }

            /// <summary>A tensor that is state but not trained (running statistics); saved when persistent.</summary>
            public void register_buffer(string name, Tensor? tensor, bool persistent = true)
            {
                CheckName(name);
                tensor?.DetachFromDisposeScope();
                Replace(_buffers, name, (name, tensor, persistent));
            }

            public void register_module(string name, Module module)
            {
                CheckName(name);
                Replace(_modules, name, (name, module));
            }

            /// <summary>
            /// Registers this instance's fields (declaration order) as TorchSharp does: Module fields as children,
            /// Parameter fields as parameters, other Tensor fields as buffers. Field names become the state names,
            /// so name fields as the PyTorch model names its attributes.
            /// </summary>
            protected void RegisterComponents()
            {
                var chain = new List<Type>();
                for (var t = GetType(); t is not null && t != typeof(Module); t = t.BaseType) chain.Add(t);
                chain.Reverse();
                foreach (var type in chain)
                    foreach (var f in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                    {
                        if (f.IsDefined(typeof(System.Runtime.CompilerServices.CompilerGeneratedAttribute))) continue;
                        var fieldName = f.Name.TrimStart('_');
                        switch (f.GetValue(this))
                        {
                            case Module m when !_modules.Any(x => ReferenceEquals(x.Value, m)):
                                register_module(fieldName, m);
                                break;
                            case Modules.Parameter p when !_parameters.Any(x => ReferenceEquals(x.Value, p)):
                                register_parameter(fieldName, p);
                                break;
                            case Tensor b and not Modules.Parameter when !_buffers.Any(x => ReferenceEquals(x.Value, b)):
                                register_buffer(fieldName, b);
                                break;
                        }
                    }
            }

            private static void CheckName(string name)
            {
                if (string.IsNullOrEmpty(name) || name.Contains('.'))
                    throw new ArgumentException($"invalid component name '{name}' (non-empty, no dots)", nameof(name));
            }

            private static void Replace<T>(List<T> list, string name, T item)
            {
                var i = list.FindIndex(x => ((System.Runtime.CompilerServices.ITuple)x!)[0] as string == name);
                if (i >= 0) list[i] = item;
                else list.Add(item);
            }

            // ---- traversal -------------------------------------------------------------------------------

            public IEnumerable<(string name, Parameter parameter)> named_parameters(bool recurse = true)
            {
                foreach (var (n, p) in _parameters)
                    if (p is not null) yield return (n, p);
                if (!recurse) yield break;
                foreach (var (prefix, m) in _modules)
                    foreach (var (n, p) in m.named_parameters())
                        yield return ($"{prefix}.{n}", p);
            }

            public IEnumerable<Parameter> parameters(bool recurse = true) => named_parameters(recurse).Select(x => x.parameter);

            public IEnumerable<(string name, Tensor buffer)> named_buffers(bool recurse = true, bool include_nonpersistent = true)
            {
                foreach (var (n, b, persistent) in _buffers)
                    if (b is not null && (persistent || include_nonpersistent)) yield return (n, b);
                if (!recurse) yield break;
                foreach (var (prefix, m) in _modules)
                    foreach (var (n, b) in m.named_buffers(true, include_nonpersistent))
                        yield return ($"{prefix}.{n}", b);
            }

            public IEnumerable<Tensor> buffers(bool recurse = true) => named_buffers(recurse).Select(x => x.buffer);

            public IEnumerable<(string name, Module module)> named_children() => _modules.Select(x => (x.Name, x.Value));

            public IEnumerable<Module> children() => _modules.Select(x => x.Value);

            /// <summary>This module ("") and all descendants, depth first.</summary>
            public IEnumerable<(string name, Module module)> named_modules()
            {
                yield return ("", this);
                foreach (var (prefix, m) in _modules)
                    foreach (var (n, d) in m.named_modules())
                        yield return (n.Length == 0 ? prefix : $"{prefix}.{n}", d);
            }

            public IEnumerable<Module> modules() => named_modules().Select(x => x.module);

            public Module apply(Action<Module> fn)
            {
                foreach (var m in children()) m.apply(fn);
                fn(this);
                return this;
            }

            // ---- state -----------------------------------------------------------------------------------

            /// <summary>
            /// Parameters and persistent buffers by dotted name, in PyTorch's state_dict order. The tensors are new
            /// handles on the live storage (dispose them freely; they see later updates until then).
            /// </summary>
            public Dictionary<string, Tensor> state_dict()
            {
                var result = new Dictionary<string, Tensor>();
                CollectState(result, "");
                return result;
            }

            private void CollectState(Dictionary<string, Tensor> into, string prefix)
            {
                using (no_grad())
                {
                    foreach (var (n, p) in _parameters)
                        if (p is not null) into[prefix + n] = p.detach();
                    foreach (var (n, b, persistent) in _buffers)
                        if (b is not null && persistent) into[prefix + n] = b.detach();
                }
                foreach (var (n, m) in _modules) m.CollectState(into, $"{prefix}{n}.");
            }

            /// <summary>
            /// Copies values into the parameters and buffers (shapes must match; dtype and device are converted).
            /// With <paramref name="strict"/>, missing or unexpected names throw.
            /// </summary>
            public (IList<string> missing_keys, IList<string> unexpected_keys) load_state_dict(
                IReadOnlyDictionary<string, Tensor> source, bool strict = true)
            {
                var targets = new Dictionary<string, Tensor>();
                foreach (var (n, p) in named_parameters()) targets[n] = p;
                foreach (var (n, b) in named_buffers(include_nonpersistent: false)) targets[n] = b;
                var missing = targets.Keys.Where(k => !source.ContainsKey(k)).ToList();
                var unexpected = source.Keys.Where(k => !targets.ContainsKey(k)).ToList();
                if (strict && (missing.Count > 0 || unexpected.Count > 0))
                    throw new ArgumentException(
                        $"state does not match {name}: missing [{string.Join(", ", missing)}], unexpected [{string.Join(", ", unexpected)}]");
                foreach (var (key, target) in targets)
                {
                    if (!source.TryGetValue(key, out var value)) continue;
                    var want = target.shape;
                    var got = value.shape;
                    if (!want.SequenceEqual(got))
                        throw new ArgumentException(
                            $"size mismatch for {key}: the module has [{string.Join(", ", want)}], the state has [{string.Join(", ", got)}]");
                    using (no_grad()) target.copy_(value);
                }
                return (missing, unexpected);
            }

            // ---- modes and placement --------------------------------------------------------------------

            public virtual Module train(bool on = true)
            {
                training = on;
                foreach (var m in children()) m.train(on);
                return this;
            }

            public Module eval() => train(false);

            /// <summary>Clears (default) or zeroes every parameter's gradient.</summary>
            public void zero_grad(bool set_to_none = true)
            {
                foreach (var p in parameters())
                    if (set_to_none) p.grad = null;
                    else p.ZeroGrad();
            }

            /// <summary>Moves parameters and buffers in place (same objects, so optimisers keep working).</summary>
            public Module to(Device device) => Convert(t => t.to(device), floatingOnly: false);

            /// <summary>Converts floating-point parameters and buffers (num_batches_tracked stays int64).</summary>
            public Module to(ScalarType type) => Convert(t => t.to(type), floatingOnly: true);

            public Module to(ScalarType type, Device device) => to(device).to(type);

            public Module cpu() => to(CPU);

            public Module cuda(int index = 0) => to(new Device(DeviceType.CUDA, index));

            private Module Convert(Func<Tensor, Tensor> fn, bool floatingOnly)
            {
                using (no_grad())
                    foreach (var t in parameters().Cast<Tensor>().Concat(buffers()))
                    {
                        if (floatingOnly && IsIntegral(t.dtype)) continue;
                        using var converted = fn(t);
                        t.SetData(converted);
                    }
                return this;
            }

            public override string ToString() => name;

            /// <summary>Frees the parameters and buffers of this module and its children.</summary>
            public void Dispose()
            {
                Dispose(true);
                GC.SuppressFinalize(this);
            }

            protected virtual void Dispose(bool disposing)
            {
                if (!disposing) return;
                foreach (var m in children()) m.Dispose();
                foreach (var (_, p) in _parameters) p?.Dispose();
                foreach (var (_, b, _) in _buffers) b?.Dispose();
            }
        }

        /// <summary>A module with one input, as TorchSharp's <c>Module&lt;T, TResult&gt;</c>.</summary>
        public abstract class Module<T, TResult> : Module
        {
            protected Module(string name) : base(name) { }

            public abstract TResult forward(T input);

            public TResult call(T input) => forward(input);
        }

        /// <summary>A module with two inputs (losses: input and target; RNNs: input and initial state).</summary>
        public abstract class Module<T1, T2, TResult> : Module
        {
            protected Module(string name) : base(name) { }

            public abstract TResult forward(T1 input1, T2 input2);

            public TResult call(T1 input1, T2 input2) => forward(input1, input2);
        }

        /// <summary>Wraps a tensor as a trainable leaf (takes ownership of <paramref name="data"/>).</summary>
        public static Parameter Parameter(Tensor data, bool requires_grad = true) => new(data, requires_grad);
    }
}
