import type { WelcomeMessage } from '../../protocol/index.ts';
import type { MainToUi } from '../bridge/index.ts';
import { buildStylizeRequest, regionsApply } from '../../client/style-request.ts';
import type { ComposedMask } from './compose-mask.ts';
import { keepMaskInPlacement, type ResultCut } from './past-feather.ts';

type JobFromMain = Extract<MainToUi, { type: 'job' }>;
type MaskPlacement = NonNullable<JobFromMain['maskPlacement']>;

/** What the window sends for a job from the main code, or why it sends nothing (a sentence for the designer). */
export type JobRequest =
  | { kind: 'send'; request: ReturnType<typeof buildStylizeRequest>; cut?: ResultCut }
  | { kind: 'refused'; code: 'regions-unsupported' | 'mask-empty'; message: string };

/**
 * The stylize request for a job (issue 31: with its mask composed to the content's size, as one
 * region, and the options' edge softness as the feather), or a refusal: a daemon without
 * regions would paint the whole frame, and a mask that covers none of the content would
 * stylise nothing. `compose` is the window's canvas work (compose-mask.ts). A masked job's
 * `cut` is what its result is cut with past the feather (past-feather.ts).
 */
export async function jobRequestAsync(
  job: JobFromMain,
  welcome: WelcomeMessage | null,
  compose: (placement: MaskPlacement, width: number, height: number) => Promise<ComposedMask>,
): Promise<JobRequest> {
  const { maskPlacement, ...plain } = job;
  if (!maskPlacement) return { kind: 'send', request: buildStylizeRequest(plain, welcome) };
  if (!regionsApply(welcome)) {
    return { kind: 'refused', code: 'regions-unsupported', message: `This Atelier app cannot style part of a frame, so “${job.targetName}” was not sent. Update Atelier, or set Mask to None.` };
  }
  const composed = await compose(maskPlacement, job.content.width, job.content.height);
  if (!composed.covers) return { kind: 'refused', code: 'mask-empty', message: `The mask covers none of “${job.targetName}”, so it was not sent. Move the shape over it, or set Mask to None.` };
  // Kept with the placement too: a result that finishes while the panel is closed is cut the same way.
  const placement = keepMaskInPlacement(plain.placement, composed.region);
  return {
    kind: 'send',
    request: buildStylizeRequest({ ...plain, placement, mask: composed.image }, welcome),
    cut: { region: composed.region, featherPx: job.options.edgeSoftness },
  };
}
