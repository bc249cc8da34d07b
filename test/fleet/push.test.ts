import { missingTool } from '../support/tools.ts';
import { describeFleet } from './support/fleet-test.ts';
import { pushPath } from './support/paths.ts';

describeFleet('fleet, push: six agents pushing OTLP into VictoriaMetrics, rules in vmalert', missingTool('vmalert') ?? missingTool('victoria-metrics'), pushPath);
