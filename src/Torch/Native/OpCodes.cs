namespace RbpPipeline.Torch.Native;

// Mirrors of the op-code enums in native/*.cpp: same order, append only.

internal enum UnaryOp
{
    Neg, Exp, Log, Sigmoid, Tanh, Relu, Sqrt, Abs, Clone, Contiguous, Detach, Square, Rsqrt, Log1p, Floor, Ceil,
    Round, Sign, LogicalNot, Sin, Cos, T, Reciprocal, IsNan, Expm1, Zero, LogSigmoid, Softplus, Elu, Gelu, Silu,
    LeakyRelu,
}

internal enum BinaryOp
{
    Add, Sub, Mul, Div, Pow, Eq, Ne, Lt, Le, Gt, Ge, MatMul, Maximum, Minimum, LogicalAnd, LogicalOr, Remainder,
    RSub, RDiv, RPow, Copy, Fill, FloorDivide,
}

internal enum ReduceOp
{
    Sum, Mean, AMax, AMin, Prod, Std, Var, ArgMax, ArgMin, LogSumExp, Norm, Any, All, Max, Min, Softmax, LogSoftmax,
    CumSum, CountNonzero,
}

internal enum ShapeOp
{
    Reshape, View, Permute, Transpose, Flatten, Squeeze, Unsqueeze, Narrow, Slice, Select, Expand, Repeat, Flip, Roll,
}

internal enum FactoryOp { Empty, Zeros, Ones, Full, Rand, Randn, RandInt, Arange, Linspace, Eye }

internal enum LikeOp { Zeros, Ones, Rand, Randn, Empty, Full }

internal enum PoolOp { MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, AdaptiveAvgPool1d, AdaptiveMaxPool1d }

internal enum LossOp { Mse, L1, BceWithLogits, CrossEntropy, Nll, Bce, SmoothL1 }

internal enum IndexOp { IndexSelect, Gather, MaskedSelect, Index }
