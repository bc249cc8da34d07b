import { missingTool } from '../support/tools.ts';
import { describeFleet } from './support/fleet-test.ts';
import { pullPath } from './support/paths.ts';

describeFleet('fleet, pull: Prometheus 3.5 scraping six agents', missingTool('prometheus'), pullPath);
