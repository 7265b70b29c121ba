namespace RbpPipeline.Trainer.Adaptation;

/// <summary>The GAN loss of RBP-ADDA's stage 2; both use inverted labels for Mt (its target features labelled 1).</summary>
public enum AdversarialLoss
{
    /// <summary>
    /// Least squares (the reference's): D minimises ½[mean (D(s) − 1)² + mean D(t)²], Mt minimises mean (D(t) − 1)²;
    /// D's output is a score, 0.5 the decision threshold.
    /// </summary>
    LeastSquares,

    /// <summary>Binary cross-entropy on D's logit (the ADDA paper's form); 0 is the decision threshold.</summary>
    Logistic,
}
