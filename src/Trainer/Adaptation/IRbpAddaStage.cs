namespace RbpPipeline.Trainer.Adaptation;

/// <summary>
/// One stage of RBP-ADDA. <see cref="RbpAddaTrainer"/> runs the stages in their <see cref="Number"/> order, skipping
/// those a resumed state has done, and saves the state after each: that order is the resume order.
/// </summary>
internal interface IRbpAddaStage
{
    /// <summary>1, 2 or 3: the position in the procedure and the <see cref="RbpAddaRun.StagesDone"/> it leaves.</summary>
    int Number { get; }

    /// <summary>Trains, adds the stage's held-out figures to <paramref name="run"/> and returns the line to log.</summary>
    string Run(RbpAddaRun run);
}
