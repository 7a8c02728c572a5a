// The order files start in: vitest's own (failed first, then longest by the last run's durations, or largest on a
// fresh clone that has none), with the unit files moved after every integration file. Unit files take a fraction of
// a second each: at the end they fill the gaps while the last labs finish, where a 20 s integration file started last
// would run alone on one core (a fresh clone's run ended on one for 7 s).
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const isUnit = (spec: TestSpecification) => /[\\/]test[\\/]unit[\\/]/.test(spec.moduleId);

export default class IntegrationFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    return [...sorted.filter((f) => !isUnit(f)), ...sorted.filter(isUnit)];
  }
}
