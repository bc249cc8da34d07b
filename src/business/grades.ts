import { parseGradeThresholds, type GradeThreshold } from '../config/formats.ts';

export type Grader = (score: number) => string;

/** Maps a score to the grade of the first threshold it reaches (thresholds best first, the last at 0). */
export function createGrader(thresholds: string | readonly GradeThreshold[]): Grader {
  const table = typeof thresholds === 'string' ? parseGradeThresholds(thresholds) : thresholds;
  return (score) => {
    for (const t of table) if (score >= t.min) return t.grade;
    return table.at(-1)!.grade;
  };
}
