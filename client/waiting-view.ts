import { byId } from './dom.ts';
import type { WaitingJob, WaitingJobs } from './waiting-jobs.ts';

/** The designer's choices on a waiting job, as the buttons carry them (`data-waiting`). */
export type WaitingAction = 'insert' | 'drop' | 'again';

/**
 * Fills the shared `waiting-section` (client/html/waiting-section.html): one row per job of
 * this document kept while the panel was closed, with its progress, or its sentence and buttons.
 */
export function renderWaitingJobs(waiting: WaitingJobs): void {
  const jobs = waiting.list;
  const placed = waiting.placedSentence();
  byId('waiting-section').hidden = jobs.length === 0 && placed === null;
  const line = byId('waiting-placed');
  line.hidden = placed === null;
  line.textContent = placed ?? '';
  byId('waiting-list').replaceChildren(...jobs.map(rowOf));
}

function rowOf(job: WaitingJob): HTMLLIElement {
  const li = document.createElement('li');
  li.dataset.job = job.jobId;
  const title = document.createElement('div');
  title.className = 'ellipsis';
  title.textContent = job.label;
  li.append(title);
  if (job.state === 'queued' || job.state === 'running' || job.state === 'placing') {
    const bar = document.createElement('div');
    bar.className = 'progress';
    const fill = document.createElement('div');
    fill.style.width = `${Math.round((job.state === 'placing' ? 1 : job.fraction) * 100)}%`;
    bar.append(fill);
    const detail = document.createElement('div');
    detail.className = 'muted';
    detail.textContent = job.detail;
    li.append(bar, detail);
    return li;
  }
  const note = document.createElement('div');
  note.className = 'note';
  note.textContent = job.message ?? '';
  li.append(note);
  const buttons: Array<[WaitingAction, string]> = job.state === 'orphaned' ? [['insert', 'Insert where it was'], ['drop', 'Drop it']] : [['again', 'Apply again'], ['drop', 'Dismiss']];
  for (const [action, text] of buttons) {
    const button = document.createElement('button');
    button.className = 'link';
    button.dataset.waiting = action;
    button.textContent = text;
    li.append(button);
  }
  return li;
}

/** Routes clicks on the rows' buttons; `again` is the editor's (select the source, then Apply). */
export function wireWaitingJobs(waiting: WaitingJobs, again: (job: WaitingJob) => void, changed: () => void): void {
  byId('waiting-list').addEventListener('click', (event) => {
    const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-waiting]');
    const jobId = button?.closest<HTMLLIElement>('li[data-job]')?.dataset.job;
    if (!button || !jobId) return;
    const action = button.dataset.waiting as WaitingAction;
    if (action === 'insert') waiting.insertOrphan(jobId);
    else {
      const job = waiting.list.find((j) => j.jobId === jobId);
      waiting.drop(jobId);
      if (action === 'again' && job) again(job);
    }
    changed();
  });
}
