import type { GradeThreshold } from '../config/formats.ts';

export type Grader = (score: number) => string;

/** Maps a score to the grade of the first threshold it reaches (thresholds best first, the last at 0). */
export function createGrader(thresholds: readonly GradeThreshold[]): Grader {
  return (score) => {
    for (const t of thresholds) if (score >= t.min) return t.grade;
    return thresholds.at(-1)!.grade;
  };
}
