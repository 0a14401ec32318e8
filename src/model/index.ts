/**
 * The model every stage after load reads and generators receive: the inputs as the schemas accept
 * them, the project they form, one resolved environment per target, and each target's verdict.
 */
export type * from './addons.js';
export type * from './bindings.js';
export type * from './extras.js';
export type * from './inputs.js';
export type * from './infrastructure.js';
export type * from './plan.js';
export type * from './resolved.js';
export type * from './service-options.js';
export { irsaRoleAnnotation } from './service-options.js';
export type * from './source.js';
export type * from './summary.js';
export type * from './target.js';
export type { Entity, Policies, Project } from './project.js';
export { exists, finding, findingAt, referableEntities, validEntities } from './project.js';
export { positionOf } from './source.js';
export { groupVersion } from './extras.js';
export { summarize } from './target.js';
export { defaultChart, type ChartReference } from './chart.js';
export { addonDeclarations, isExactChartVersion, vendoredChartName, vendoredChartsFolder } from './addons.js';
