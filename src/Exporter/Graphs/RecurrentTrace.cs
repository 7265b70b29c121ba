using RbpPipeline.Trainer.Networks;

namespace RbpPipeline.Exporter.Graphs;

/// <summary>
/// A recurrent layer unrolled over its T time steps for gradient.onnx: the forward pass as per-step MatMuls and gate
/// nonlinearities in PyTorch's gate order and equations (zero initial states), keeping every step's gate activations,
/// then back-propagation through time over those saved values. The input projection of all steps is one MatMul
/// ([N, T, F]·W_ihᵀ), and so is its gradient ([N, T, G·H]·W_ih).
/// </summary>
internal sealed class RecurrentTrace
{
    private readonly OnnxEmitter _e;
    private readonly WeightSet _weights;
    private readonly RecurrentNode _r;
    private readonly int _steps;
    private readonly List<DirectionTrace[]> _layers = [];

    public RecurrentTrace(OnnxEmitter emitter, WeightSet weights, RecurrentNode r, long[] inputShape)
    {
        _e = emitter;
        _weights = weights;
        _r = r;
        _steps = checked((int)inputShape[1]);
    }

    public string Forward(string x)
    {
        var input = x;
        for (var layer = 0; layer < _r.Layers; layer++)
        {
            var directions = new DirectionTrace[_r.Directions];
            for (var d = 0; d < _r.Directions; d++)
            {
                directions[d] = new DirectionTrace(_e, _r, RecurrentOps.Parameters(_weights, _r, layer, d), layer, d == 1, _steps);
                directions[d].Run(input);
            }
            _layers.Add(directions);
            var top = layer == _r.Layers - 1;
            if (!top || _r.Output == RecurrentOutput.Sequence) input = SequenceOf(directions);
        }
        if (_r.Output == RecurrentOutput.Sequence) return input;
        var last = _layers[^1];
        return _r.Bidirectional ? _e.Concat([last[0].H[_steps - 1], last[1].H[0]], 1, _r.Name) : last[0].H[_steps - 1];
    }

    /// <summary>[N, T, D·H]: every step's state, the forward direction's first.</summary>
    private string SequenceOf(DirectionTrace[] directions)
    {
        var perDirection = directions.Select(d => _e.Concat([.. d.H.Select(h => _e.Unsqueeze(h!, 1, _r.Name))], 1, _r.Name)).ToList();
        return _e.Concat(perDirection, 2, _r.Name);
    }

    /// <summary>∂L/∂x [N, T, F] from ∂L/∂output.</summary>
    public string Backward(string dy)
    {
        var h = _r.HiddenSize;
        var hint = $"d_{_r.Name}";
        string?[][] dOut;
        if (_r.Output == RecurrentOutput.Sequence)
        {
            dOut = SplitSequence(dy, hint);
        }
        else
        {
            var parts = _r.Bidirectional ? _e.Split(dy, 1, [h, h], hint) : [dy];
            dOut = new string?[_r.Directions][];
            for (var d = 0; d < _r.Directions; d++)
            {
                dOut[d] = new string?[_steps];
                dOut[d][d == 0 ? _steps - 1 : 0] = parts[d];
            }
        }
        string dx = "";
        for (var layer = _r.Layers - 1; layer >= 0; layer--)
        {
            var directions = _layers[layer];
            var contributions = directions.Select((t, d) => t.Backward(dOut[d])).ToList();
            dx = contributions.Count == 1 ? contributions[0] : _e.Add(contributions[0], contributions[1], hint);
            if (layer > 0) dOut = SplitSequence(dx, hint);
        }
        return dx;
    }

    private string?[][] SplitSequence(string dy, string hint)
    {
        var h = _r.HiddenSize;
        var parts = _r.Bidirectional ? _e.Split(dy, 2, [h, h], hint) : [dy];
        var result = new string?[_r.Directions][];
        for (var d = 0; d < _r.Directions; d++)
        {
            result[d] = new string?[_steps];
            for (var t = 0; t < _steps; t++) result[d][t] = _e.Gather(parts[d], t, 1, hint);
        }
        return result;
    }

    /// <summary>One direction of one layer: its unrolled steps and what backward needs of them.</summary>
    private sealed class DirectionTrace
    {
        private readonly OnnxEmitter _e;
        private readonly RecurrentNode _r;
        private readonly RecurrentOps.DirectionParameters _p;
        private readonly bool _reverse;
        private readonly int _steps;
        private readonly int _hidden;
        private readonly string _name;
        private readonly Step[] _saved;
        private string _xw = "";

        public DirectionTrace(OnnxEmitter e, RecurrentNode r, RecurrentOps.DirectionParameters p, int layer, bool reverse, int steps)
        {
            _e = e;
            _r = r;
            _p = p;
            _reverse = reverse;
            _steps = steps;
            _hidden = r.HiddenSize;
            _name = $"{r.Name}.l{layer}{(reverse ? "_reverse" : "")}";
            _saved = new Step[steps];
            H = new string[steps];
        }

        /// <summary>The hidden state after each time step (indexed by time, not by processing order).</summary>
        public string[] H { get; }

        private int TimeOf(int k) => _reverse ? _steps - 1 - k : k;

        private long Gh => (long)_r.Gates * _hidden;

        private long InputSize => _p.Wih.Shape[1];

        private string Hint => OnnxEmitter.Sanitize(_name);

        public void Run(string x)
        {
            var hint = Hint;
            var wihT = _e.Weight($"{_name}.w_ih_t", NetworkLowering.Transpose2d(_p.Wih.Data, Gh, InputSize), InputSize, Gh);
            var whhT = _e.Weight($"{_name}.w_hh_t", NetworkLowering.Transpose2d(_p.Whh.Data, Gh, _hidden), _hidden, Gh);
            var lstm = _r.Cell == RecurrentCell.Lstm;
            // LSTM: both biases enter every gate additively, so they are summed once; GRU keeps b_hh apart (r ⊙ (W_hn·h + b_hn)).
            var inputBias = lstm ? _p.Bih.Data.Zip(_p.Bhh.Data, (a, b) => a + b).ToArray() : _p.Bih.Data;
            _xw = _e.Add(_e.MatMul(x, wihT, hint), _e.Weight($"{_name}.b_in", inputBias, Gh), hint); // [N, T, G·H]
            var sizes = Enumerable.Repeat((long)_hidden, _r.Gates).ToArray();
            string? hPrev = null, cPrev = null;
            var bhh = lstm ? null : _e.Weight($"{_name}.b_hh", _p.Bhh.Data, Gh);
            for (var k = 0; k < _steps; k++)
            {
                var t = TimeOf(k);
                var xt = _e.Gather(_xw, t, 1, hint); // [N, G·H]
                var step = new Step { HPrev = hPrev, CPrev = cPrev };
                if (lstm)
                {
                    var gates = hPrev is null ? xt : _e.Add(xt, _e.MatMul(hPrev, whhT, hint), hint);
                    var a = _e.Split(gates, 1, sizes, hint);
                    step.I = _e.Sigmoid(a[0], hint);
                    step.F = _e.Sigmoid(a[1], hint);
                    step.G = _e.Tanh(a[2], hint);
                    step.O = _e.Sigmoid(a[3], hint);
                    var ig = _e.Mul(step.I, step.G, hint);
                    step.C = cPrev is null ? ig : _e.Add(_e.Mul(step.F, cPrev, hint), ig, hint);
                    step.TanhC = _e.Tanh(step.C, hint);
                    H[t] = _e.Mul(step.O, step.TanhC, hint);
                    cPrev = step.C;
                }
                else
                {
                    var xs = _e.Split(xt, 1, sizes, hint);
                    string hr, hz, hn;
                    if (hPrev is null)
                    {
                        var b = _p.Bhh.Data;
                        hr = _e.Weight($"{_name}.b_hr", b[.._hidden], _hidden);
                        hz = _e.Weight($"{_name}.b_hz", b[_hidden..(2 * _hidden)], _hidden);
                        hn = _e.Weight($"{_name}.b_hn", b[(2 * _hidden)..], _hidden);
                    }
                    else
                    {
                        var hs = _e.Split(_e.Add(_e.MatMul(hPrev, whhT, hint), bhh!, hint), 1, sizes, hint);
                        (hr, hz, hn) = (hs[0], hs[1], hs[2]);
                    }
                    step.R = _e.Sigmoid(_e.Add(xs[0], hr, hint), hint);
                    step.Z = _e.Sigmoid(_e.Add(xs[1], hz, hint), hint);
                    step.HnLinear = hn;
                    step.N = _e.Tanh(_e.Add(xs[2], _e.Mul(step.R, hn, hint), hint), hint);
                    // h = (1 − z)·n + z·h_prev = n + z·(h_prev − n)
                    H[t] = hPrev is null
                        ? _e.Sub(step.N, _e.Mul(step.Z, step.N, hint), hint)
                        : _e.Add(step.N, _e.Mul(step.Z, _e.Sub(hPrev, step.N, hint), hint), hint);
                }
                hPrev = H[t];
                _saved[k] = step;
            }
        }

        /// <summary>Back-propagation through time; <paramref name="dOut"/>[t] is ∂L/∂h_t from above (null: none). Returns ∂L/∂x.</summary>
        public string Backward(string?[] dOut)
        {
            var hint = "d_" + Hint;
            var lstm = _r.Cell == RecurrentCell.Lstm;
            var whh = _e.Weight($"{_name}.w_hh", _p.Whh.Data, Gh, _hidden);
            var wih = _e.Weight($"{_name}.w_ih", _p.Wih.Data, Gh, InputSize);
            var dA = new string?[_steps]; // ∂L/∂(input projection) per time step, [N, G·H]
            string? dhNext = null, dcNext = null;
            for (var k = _steps - 1; k >= 0; k--)
            {
                var t = TimeOf(k);
                var s = _saved[k];
                var dh = Sum(dOut[t], dhNext, hint);
                if (dh is null) continue; // nothing reaches this step (and hence no earlier one through it)
                if (lstm)
                {
                    // h = o·tanh(c); c = f·c_prev + i·g
                    var dOgate = _e.Mul(dh, s.TanhC!, hint);
                    var dc = _e.Mul(_e.Mul(dh, s.O!, hint), _e.TanhSlope(s.TanhC!, hint), hint);
                    if (dcNext is not null) dc = _e.Add(dc, dcNext, hint);
                    var daI = _e.Mul(_e.Mul(dc, s.G!, hint), _e.SigmoidSlope(s.I!, hint), hint);
                    var daG = _e.Mul(_e.Mul(dc, s.I!, hint), _e.TanhSlope(s.G!, hint), hint);
                    var daO = _e.Mul(dOgate, _e.SigmoidSlope(s.O!, hint), hint);
                    var daF = s.CPrev is null
                        ? _e.ZerosLike(daI, hint)
                        : _e.Mul(_e.Mul(dc, s.CPrev, hint), _e.SigmoidSlope(s.F!, hint), hint);
                    var da = _e.Concat([daI, daF, daG, daO], 1, hint);
                    dA[t] = da;
                    if (s.HPrev is not null)
                    {
                        dhNext = _e.MatMul(da, whh, hint);
                        dcNext = _e.Mul(dc, s.F!, hint);
                    }
                    else
                    {
                        dhNext = dcNext = null;
                    }
                }
                else
                {
                    // h = n + z·(h_prev − n); n = tanh(x_n + r·hn); r = σ(x_r + h_r); z = σ(x_z + h_z)
                    var dn = _e.Mul(dh, _e.Sub(_e.Scalar(1f), s.Z!, hint), hint);
                    var dz = s.HPrev is null
                        ? _e.Op("Neg", [_e.Mul(dh, s.N!, hint)], hint)
                        : _e.Mul(dh, _e.Sub(s.HPrev, s.N!, hint), hint);
                    var daN = _e.Mul(dn, _e.TanhSlope(s.N!, hint), hint);
                    var daR = _e.Mul(_e.Mul(daN, s.HnLinear!, hint), _e.SigmoidSlope(s.R!, hint), hint);
                    var daZ = _e.Mul(dz, _e.SigmoidSlope(s.Z!, hint), hint);
                    dA[t] = _e.Concat([daR, daZ, daN], 1, hint);
                    if (s.HPrev is not null)
                    {
                        var dHn = _e.Mul(daN, s.R!, hint);
                        var dHg = _e.Concat([daR, daZ, dHn], 1, hint);
                        dhNext = _e.Add(_e.Mul(dh, s.Z!, hint), _e.MatMul(dHg, whh, hint), hint);
                    }
                    else
                    {
                        dhNext = null;
                    }
                }
            }
            var pieces = new string[_steps];
            for (var t = 0; t < _steps; t++)
                pieces[t] = _e.Unsqueeze(dA[t] ?? _e.ZerosLike(_e.Gather(_xw, t, 1, hint), hint), 1, hint);
            var dXw = _e.Concat(pieces, 1, hint); // [N, T, G·H]
            return _e.MatMul(dXw, wih, hint);
        }

        private string? Sum(string? a, string? b, string hint) => a is null ? b : b is null ? a : _e.Add(a, b, hint);

        private sealed class Step
        {
            public string? HPrev, CPrev;
            public string? I, F, G, O, C, TanhC; // LSTM
            public string? R, Z, N, HnLinear;     // GRU
        }
    }
}
