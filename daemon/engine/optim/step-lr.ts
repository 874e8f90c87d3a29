/** torch.optim.lr_scheduler.StepLR: lr · gamma^⌊iteration / step⌋ (iteration counted from 0). */
export function stepLearningRate(base: number, iteration: number, step: number, gamma: number): number {
  return step > 0 ? base * Math.pow(gamma, Math.floor(iteration / step)) : base;
}
